"""Seconds per epoch of LossyAutoencoder.fit against a hand-written loop.

Both train the deep MNIST autoencoder of Table I (784-600-400-100-400-600-784,
BCE, Adam lr 1e-3) on the same data, batch size and device. The hand-written
loop is what a PyTorch user would write: data on the device once, a
``randperm`` per epoch, slicing, ``zero_grad``/``backward``/``step``, and one
``.item()`` per epoch. The ratio measures everything the estimator adds:
skorch's callbacks and history, the per-batch loss record, validation.
With ``--precisions bfloat16`` (or ``float16``) both train with mixed
precision: the forward pass and loss under ``torch.autocast`` (and, for
float16, a ``GradScaler``), which the hand-written loop also uses.
Each setting runs twice: with PyTorch's fused Adam kernel (the
estimator's default, ``fused=True``) in both, and with the per-tensor Adam
a plain ``torch.optim.Adam(params)`` runs on the CPU
(``optimizer__fused=False`` for the estimator). The last column is the
estimator's time with the fused kernel over its time without, in the
same run.
Prints a markdown table; ``--json PATH`` also saves the numbers.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, versions  # noqa: E402

from sklearn_reinject import LossyAutoencoder  # noqa: E402
from sklearn_reinject.nn import (MLPAutoencoder, materialize_,  # noqa: E402
                                 reconstruction_loss)
from sklearn_reinject.utils._device import autocast, resolve_device  # noqa
from sklearn_reinject.utils._random import torch_generator  # noqa: E402

SIZES = (600, 400, 100)


def data(n):
    from sklearn_reinject.datasets import DatasetFileError, load_mnist

    try:
        return load_mnist(subset="train", return_X_y=True)[0][:n]
    except DatasetFileError:
        # Timing does not depend on the pixel values.
        return np.random.RandomState(0).rand(n, 784).astype(np.float32)


def hand_written(X, device, epochs, batch_size, precision="float32",
                 fused=True):
    # The module LossyAutoencoder(hidden_layer_sizes=SIZES, loss="bce")
    # builds.
    module = materialize_(MLPAutoencoder(
        X.shape[1], SIZES, activation="relu", output_activation="sigmoid",
        output_logits=True), torch_generator(0)).to(device)
    opt = torch.optim.Adam(module.parameters(), lr=1e-3,
                           fused=True if fused else None)
    scaler = (torch.amp.GradScaler(device.type) if precision == "float16"
              else None)
    X_t = torch.as_tensor(X).to(device)
    gen = torch_generator(1)
    times = []
    for _ in range(epochs):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        order = torch.randperm(len(X_t), generator=gen).to(device)
        total = torch.zeros((), device=device)
        for i in range(0, len(X_t), batch_size):
            xb = X_t[order[i:i + batch_size]]
            with autocast(device, precision):
                loss = reconstruction_loss(module(xb), xb, "bce").mean()
            opt.zero_grad()
            if scaler is None:
                loss.backward()
                opt.step()
            else:
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
            total += loss.detach()
        total.item()
        times.append(time.perf_counter() - start)
    return times


def estimator(X, device, epochs, batch_size, precision="float32",
              fused=True):
    est = LossyAutoencoder(hidden_layer_sizes=SIZES, loss="bce",
                           max_epochs=epochs, batch_size=batch_size,
                           device=str(device), precision=precision,
                           random_state=0)
    if not fused:
        est.set_params(optimizer__fused=False)
    est.fit(X)
    return list(est.history_[:, "dur"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--n-samples", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3,
                        help="alternating runs of each; the fastest counts")
    parser.add_argument("--batch-sizes", type=int, nargs="+",
                        default=[32, 128])
    parser.add_argument("--precisions", nargs="+", default=["float32"],
                        choices=["float32", "bfloat16", "float16"])
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    X = data(args.n_samples)
    rows, result = [], {"versions": versions(device),
                        "command": " ".join(sys.argv), "runs": []}
    for precision in args.precisions:
        for bs in args.batch_sizes:
            # The first epoch of each run includes warm-up; the median of
            # the rest is a run's time. Runs alternate so that drifts in
            # machine speed hit all four alike; the fastest run of each
            # counts.
            best = {}
            for _ in range(args.repeats):
                for fused in (True, False):
                    for name, fn in (("hand", hand_written),
                                     ("est", estimator)):
                        t = float(np.median(fn(X, device, args.epochs, bs,
                                               precision, fused)[1:]))
                        key = (name, fused)
                        best[key] = min(best.get(key, float("inf")), t)
            n_batches = int(np.ceil(len(X) / bs))
            for fused in (True, False):
                t_hand, t_est = best["hand", fused], best["est", fused]
                overhead_ms = 1e3 * (t_est - t_hand) / n_batches
                gain = best["est", True] / best["est", False]
                result["runs"].append(dict(
                    precision=precision, batch_size=bs, fused=fused,
                    hand_seconds=t_hand, estimator_seconds=t_est,
                    ratio=t_est / t_hand, overhead_ms_per_batch=overhead_ms,
                    fused_over_unfused=gain))
                rows.append([precision, bs, "fused" if fused else "per-tensor",
                             f"{t_hand:.3f}", f"{t_est:.3f}",
                             f"{t_est / t_hand:.3f}", f"{overhead_ms:.3f}",
                             f"{gain:.3f}" if fused else ""])
    print(f"Deep MNIST autoencoder, {len(X):,} samples, device {device}, "
          f"{result['versions']['threads']} threads; seconds per epoch "
          f"(best of {args.repeats} alternating runs)\n")
    print(markdown_table(rows, ["precision", "batch size", "Adam",
                                "hand-written loop", "LossyAutoencoder.fit",
                                "ratio", "overhead per batch (ms)",
                                "fused / per-tensor fit"]))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
