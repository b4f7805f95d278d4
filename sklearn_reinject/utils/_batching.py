"""Inference in device batches, and copies of state to the CPU."""

import copy
import warnings

import numpy as np
import torch


def to_tensor(X, device=None, dtype=None):
    """A tensor on ``device`` from a numpy array, read-only arrays included.

    Read-only arrays are common inputs: a float32 DataFrame under pandas'
    copy-on-write (the default from pandas 3) converts to a read-only
    view, joblib memory-maps large arguments read-only for its workers,
    and ``np.frombuffer`` and ``np.load(mmap_mode="r")`` return them. On
    the CPU the tensor shares the array's memory without a copy; the
    package only ever reads it (batches are
    indexed copies, in-place operations act on results), so PyTorch's
    warning that writing to such a tensor is undefined is silenced here
    instead of reaching the user.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="The given NumPy array is not writable",
            category=UserWarning)
        tensor = torch.as_tensor(X)
    return tensor.to(device=device, dtype=dtype)


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
            xb = to_tensor(X[start:start + batch_size], device)
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
