"""Inference in device batches, and copies of state to the CPU."""

import copy

import numpy as np
import torch


def batched_apply(fn, X, device, batch_size=4096, out_dtype=np.float32,
                  pad=False):
    """Apply a torch function to a float32 numpy array in device batches.

    With ``pad=True`` every batch is padded with zero rows to
    ``batch_size``, so that the matrix products have one shape whatever
    ``len(X)``: a row's result then does not depend on the rows it was
    computed with (BLAS kernels, chosen by shape, round differently).
    """
    outputs = []
    with torch.inference_mode():
        for start in range(0, len(X), batch_size):
            xb = torch.from_numpy(X[start:start + batch_size]).to(device)
            n = len(xb)
            if pad and n < batch_size:
                xb = torch.cat([xb, xb.new_zeros(batch_size - n,
                                                 *xb.shape[1:])])
            outputs.append(fn(xb)[:n].cpu().numpy())
    if not outputs:
        return np.empty((0, 0), dtype=out_dtype)
    return np.concatenate(outputs).astype(out_dtype, copy=False)


def to_cpu(obj):
    """A copy of a nested state dict with every tensor on the CPU."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().to("cpu", copy=True)
    if isinstance(obj, dict):
        return {k: to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_cpu(v) for v in obj)
    return copy.deepcopy(obj)
