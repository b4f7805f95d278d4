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


def hand_written(X, device, epochs, batch_size, precision="float32"):
    # The module LossyAutoencoder(hidden_layer_sizes=SIZES, loss="bce")
    # builds.
    module = materialize_(MLPAutoencoder(
        X.shape[1], SIZES, activation="relu", output_activation="sigmoid",
        output_logits=True), torch_generator(0)).to(device)
    opt = torch.optim.Adam(module.parameters(), lr=1e-3)
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


def estimator(X, device, epochs, batch_size, precision="float32"):
    est = LossyAutoencoder(hidden_layer_sizes=SIZES, loss="bce",
                           max_epochs=epochs, batch_size=batch_size,
                           device=str(device), precision=precision,
                           random_state=0).fit(X)
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
            # machine speed hit both alike; the fastest run of each counts.
            t_hand, t_est = float("inf"), float("inf")
            for _ in range(args.repeats):
                t_hand = min(t_hand, float(np.median(hand_written(
                    X, device, args.epochs, bs, precision)[1:])))
                t_est = min(t_est, float(np.median(estimator(
                    X, device, args.epochs, bs, precision)[1:])))
            n_batches = int(np.ceil(len(X) / bs))
            overhead_ms = 1e3 * (t_est - t_hand) / n_batches
            result["runs"].append(dict(
                precision=precision, batch_size=bs, hand_seconds=t_hand,
                estimator_seconds=t_est, ratio=t_est / t_hand,
                overhead_ms_per_batch=overhead_ms))
            rows.append([precision, bs, f"{t_hand:.3f}", f"{t_est:.3f}",
                         f"{t_est / t_hand:.3f}", f"{overhead_ms:.3f}"])
    print(f"Deep MNIST autoencoder, {len(X):,} samples, device {device}, "
          f"{result['versions']['threads']} threads; seconds per epoch "
          f"(best of {args.repeats} alternating runs)\n")
    print(markdown_table(rows, ["precision", "batch size", "hand-written loop",
                                "LossyAutoencoder.fit", "ratio",
                                "overhead per batch (ms)"]))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
