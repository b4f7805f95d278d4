"""Sampler throughput against the hardware limits, measured in one run.

For the deep MNIST autoencoder of Table I (784-600-400-100-400-600-784):

- the sampler's time for N samples divided by the time of a bare batched
  forward pass over the same number of network rows (walks x steps): the
  floor for this algorithm (ratio 1.0 = no overhead at all);
- the same against the paper's naive loop, one walk at a time;
- on a GPU, the sampler's achieved FLOP/s divided by that of a large matrix
  product measured in the same run;
- peak memory when streaming 1e5 and 1e6 samples with ``iter_samples`` (CPU
  max RSS of a fresh process, or ``torch.cuda.max_memory_allocated``).

Prints a markdown table; ``--json PATH`` also saves the numbers.
"""

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, timed, versions  # noqa: E402

from sklearn_reinject import LossyAutoencoder, ReinjectionSampler  # noqa
from sklearn_reinject.utils._device import resolve_device  # noqa: E402

SIZES = (600, 400, 100)


def make_autoencoder(device):
    X = np.random.RandomState(0).rand(256, 784).astype(np.float32)
    return LossyAutoencoder(hidden_layer_sizes=SIZES, loss="bce",
                            max_epochs=1, device=device,
                            random_state=0).fit(X)


def flops_per_row(ae):
    sizes = (ae.n_features_in_, *SIZES)
    macs = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return 2 * 2 * macs  # encoder + mirrored decoder, 2 flops per MAC


def peak_memory(n_samples, device):
    """Peak memory of a fresh process streaming ``n_samples``."""
    code = f"""
import resource, sys, torch
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from bench_sampling import make_autoencoder
from sklearn_reinject import ReinjectionSampler
dev = torch.device({str(device)!r})
ae = make_autoencoder(dev)
if dev.type == "cuda":
    torch.cuda.reset_peak_memory_stats(dev)
total = 0
for chunk in ReinjectionSampler(ae, random_state=0).iter_samples({n_samples}):
    total += len(chunk)
assert total == {n_samples}
if dev.type == "cuda":
    print(torch.cuda.max_memory_allocated(dev))
else:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""
    out = subprocess.run([sys.executable, "-c", code], check=True,
                         capture_output=True, text=True).stdout
    return int(out.split()[-1])


def matmul_flops(device, dtype):
    n = 8192 if device.type == "cuda" else 2048
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    seconds = timed(lambda: a @ b, device)
    return 2 * n ** 3 / seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--n-samples", type=int, default=100_000)
    parser.add_argument("--naive-walks", type=int, default=200,
                        help="walks timed for the naive loop (extrapolated)")
    parser.add_argument("--memory", action=argparse.BooleanOptionalAction,
                        default=True)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    ae = make_autoencoder(device)
    sampler = ReinjectionSampler(ae, lam=0.1, random_state=0)
    n = args.n_samples
    kept = sampler.n_steps - sampler.burn_in
    n_walks = math.ceil(n / kept)
    rows = n_walks * sampler.n_steps
    module = ae.module_

    t_sampler = timed(lambda: sampler.sample(n), device)
    t_stream = timed(lambda: sum(len(c) for c in sampler.iter_samples(n)),
                     device)

    # The floor: the same network rows in the sampler's chunk size, with no
    # noise, no bookkeeping and no copies.
    chunk = sampler._chunk_walks(n_walks, ae.n_features_in_)
    x = torch.randn(chunk, ae.n_features_in_, device=device)

    def bare():
        with torch.inference_mode():
            done = 0
            while done < rows:
                module.reconstruct(x[:min(chunk, rows - done)])
                done += chunk

    t_bare = timed(bare, device)

    def naive():
        gen = torch.Generator(device=device).manual_seed(0)
        out = []
        with torch.inference_mode():
            for _ in range(args.naive_walks):
                w = torch.randn(1, ae.n_features_in_, generator=gen,
                                device=device)
                for t in range(sampler.n_steps):
                    m = module.reconstruct(w)
                    w = m + math.sqrt(0.1) * torch.randn(
                        w.shape, generator=gen, device=device)
                    if t >= sampler.burn_in:
                        out.append(w.cpu().numpy())
        return out

    t_naive = timed(naive, device, repeat=1) * n_walks / args.naive_walks
    result = {
        "n_samples": n, "network_rows": rows, "chunk_walks": chunk,
        "sampler_seconds": t_sampler, "iter_samples_seconds": t_stream,
        "bare_forward_seconds": t_bare, "naive_seconds_extrapolated": t_naive,
        "samples_per_second": n / t_sampler,
        "bare_rows_per_second": rows / t_bare,
        "throughput_ratio_vs_bare": t_bare / t_sampler,
        "speedup_vs_naive": t_naive / t_sampler,
        "versions": versions(device), "command": " ".join(sys.argv),
    }
    if device.type == "cuda":
        achieved = flops_per_row(ae) * rows / t_sampler
        peak = matmul_flops(device, torch.float32)
        result.update(sampler_flops=achieved, matmul_flops_fp32=peak,
                      flops_fraction=achieved / peak)
    if args.memory:
        m5, m6 = peak_memory(100_000, device), peak_memory(1_000_000, device)
        result.update(peak_memory_1e5=m5, peak_memory_1e6=m6,
                      memory_ratio=m6 / m5)
    table = [
        ["sampler (sample)", f"{t_sampler:.3f} s",
         f"{n / t_sampler:,.0f} samples/s"],
        ["sampler (iter_samples)", f"{t_stream:.3f} s",
         f"{n / t_stream:,.0f} samples/s"],
        ["bare forward, same rows", f"{t_bare:.3f} s",
         f"{rows / t_bare:,.0f} rows/s"],
        ["naive per-walk loop (extrapolated)", f"{t_naive:.3f} s",
         f"{n / t_naive:,.0f} samples/s"],
    ]
    print(f"Deep MNIST autoencoder, {n:,} samples ({rows:,} network rows), "
          f"device {device}, {result['versions']['threads']} threads\n")
    print(markdown_table(table, ["what", "time", "throughput"]))
    print()
    ratios = [["sampler throughput / bare forward throughput",
               f"{result['throughput_ratio_vs_bare']:.3f}"],
              ["sampler time / bare forward time",
               f"{t_sampler / t_bare:.3f}"],
              ["sampler speed-up over the naive loop",
               f"{result['speedup_vs_naive']:.1f}x"]]
    if "flops_fraction" in result:
        ratios.append(["sampler FLOP/s / fp32 matmul FLOP/s",
                       f"{result['flops_fraction']:.3f}"])
    if "memory_ratio" in result:
        ratios.append(["peak memory 1e6 / 1e5 samples (streaming)",
                       f"{result['memory_ratio']:.3f} "
                       f"({result['peak_memory_1e6'] / 2**20:.0f} MiB / "
                       f"{result['peak_memory_1e5'] / 2**20:.0f} MiB)"])
    print(markdown_table(ratios, ["ratio", "value"]))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
