"""Sampler throughput against the hardware limits, measured in one run.

For the deep MNIST autoencoder of Table I (784-600-400-100-400-600-784):

- the sampler's time for N samples divided by the time of a bare batched
  forward pass over the same number of network rows (walks x steps): the
  floor for this algorithm (ratio 1.0 = no overhead at all);
- the same against the paper's naive loop, one walk at a time;
- the same against the forward pass plus the Gaussian draws and addition
  every reinjection needs (the algorithm's own arithmetic);
- the sampler's achieved FLOP/s divided by that of a large matrix product
  at the same precision, measured in the same run (the GPU bar; printed on
  every device);
- with ``--compile``, the time of a ``torch.compile``'d forward pass;
- peak memory when streaming 1e5 and 1e6 samples with ``iter_samples`` (CPU
  max RSS of a fresh process, or ``torch.cuda.max_memory_allocated``).

``--precisions float32 bfloat16`` repeats the timings with the network under
``torch.autocast`` (the sampler's ``precision`` parameter); the floors then
run at that precision too. Prints markdown tables; ``--json PATH`` also
saves the numbers.
"""

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, timed, versions  # noqa: E402

from sklearn_reinject import LossyAutoencoder, ReinjectionSampler  # noqa
from sklearn_reinject.sampling._runner import chunk_walks  # noqa: E402
from sklearn_reinject.utils._device import (PRECISIONS, autocast,  # noqa
                                            resolve_device)
from sklearn_reinject.utils._threads import (  # noqa: E402
    cpu_worker_count, even_bounds, single_threaded_pool)

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


def matmul_flops(device, precision, n=None):
    """FLOP/s of an ``n`` x ``n`` matrix product at ``precision``.

    ``n`` defaults to 8192 on CUDA and 2048 on a CPU, large enough to reach
    the device's peak.
    """
    if n is None:
        n = 8192 if device.type == "cuda" else 2048
    dtype = PRECISIONS[precision] or torch.float32
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    seconds = timed(lambda: a @ b, device)
    return 2 * n ** 3 / seconds


def measure(ae, device, precision, n, n_chains, naive_walks, compile_step,
            matmul_size=None):
    """Time the sampler and its floors at one precision; return a dict."""
    sampler = ReinjectionSampler(ae, lam=0.1, n_chains=n_chains,
                                 precision=precision, random_state=0)
    kept = sampler.n_steps - sampler.burn_in
    n_walks = math.ceil(n / kept)
    rows = n_walks * sampler.n_steps
    module = ae.module_
    chunk = chunk_walks(n_walks, ae.n_features_in_, kept, n_chains)

    t_sampler = timed(lambda: sampler.sample(n), device)
    t_stream = timed(lambda: sum(len(c) for c in sampler.iter_samples(n)),
                     device)

    x = torch.randn(chunk, ae.n_features_in_, device=device)
    noise = torch.empty_like(x)
    gen = torch.Generator(device=device).manual_seed(0)

    def rows_loop(step, part=slice(None)):
        """Run ``step`` over ``rows`` rows in chunks; ``part``: its share."""
        def run():
            with torch.inference_mode(), autocast(device, precision):
                done = 0
                while done < rows:
                    step(x[:min(chunk, rows - done)][part])
                    done += chunk
        return run

    # The floor: the same network rows in the sampler's chunk size, with no
    # noise, no bookkeeping and no copies.
    t_bare = timed(rows_loop(module.reconstruct), device)

    # The algorithm's own arithmetic: the forward pass plus the Gaussian
    # draws and the addition that every reinjection needs.
    def forward_and_noise(xb):
        mean = module.reconstruct(xb)
        eps = noise[:len(xb)].normal_(generator=gen)
        return torch.add(mean, eps, alpha=math.sqrt(0.1))

    t_arith = timed(rows_loop(forward_and_noise), device)

    # On a CPU the sampler splits each chunk's walks over single-threaded
    # workers: the bare forward pass in that same layout.
    n_workers = cpu_worker_count(chunk) if device.type == "cpu" else 1
    t_split = None
    if n_workers > 1:
        pool = single_threaded_pool(n_workers)
        bounds = even_bounds(chunk, n_workers)
        parts = [rows_loop(module.reconstruct, slice(a, b))
                 for a, b in zip(bounds[:-1], bounds[1:])]

        def split():
            for f in [pool.submit(run) for run in parts]:
                f.result()

        t_split = timed(split, device)
        pool.shutdown()

    def naive():
        g = torch.Generator(device=device).manual_seed(0)
        out = []
        with torch.inference_mode(), autocast(device, precision):
            for _ in range(naive_walks):
                w = torch.randn(1, ae.n_features_in_, generator=g,
                                device=device)
                for t in range(sampler.n_steps):
                    m = module.reconstruct(w)
                    w = m + math.sqrt(0.1) * torch.randn(
                        w.shape, generator=g, device=device)
                    if t >= sampler.burn_in:
                        out.append(w.float().cpu().numpy())
        return out

    t_naive = timed(naive, device, repeat=1) * n_walks / naive_walks
    achieved = flops_per_row(ae) * rows / t_sampler
    peak = matmul_flops(device, precision, matmul_size)
    result = {
        "precision": precision, "n_samples": n, "network_rows": rows,
        "chunk_walks": chunk, "sampler_seconds": t_sampler,
        "iter_samples_seconds": t_stream, "bare_forward_seconds": t_bare,
        "forward_and_noise_seconds": t_arith,
        "naive_seconds_extrapolated": t_naive,
        "samples_per_second": n / t_sampler,
        "bare_rows_per_second": rows / t_bare,
        "throughput_ratio_vs_bare": t_bare / t_sampler,
        "time_ratio_vs_bare": t_sampler / t_bare,
        "time_ratio_vs_forward_and_noise": t_sampler / t_arith,
        "speedup_vs_naive": t_naive / t_sampler,
        "sampler_flops": achieved, "matmul_flops": peak,
        "flops_fraction": achieved / peak,
    }
    if t_split is not None:
        result.update(cpu_workers=n_workers,
                      split_forward_seconds=t_split,
                      time_ratio_vs_split_forward=t_sampler / t_split)
    if compile_step:
        # torch.compile of the forward pass: compile time, and the same
        # rows as the bare floor once compiled.
        start = time.perf_counter()
        compiled = torch.compile(module.reconstruct)
        rows_loop(compiled)()
        result["compile_seconds"] = time.perf_counter() - start
        result["compiled_forward_seconds"] = timed(rows_loop(compiled),
                                                   device)
    return result


def report(r):
    n, rows = r["n_samples"], r["network_rows"]
    print(f"\n### precision {r['precision']}: {n:,} samples "
          f"({rows:,} network rows, {r['chunk_walks']:,} walks a chunk)\n")
    table = [
        ["sampler (sample)", f"{r['sampler_seconds']:.3f} s",
         f"{r['samples_per_second']:,.0f} samples/s"],
        ["sampler (iter_samples)", f"{r['iter_samples_seconds']:.3f} s",
         f"{n / r['iter_samples_seconds']:,.0f} samples/s"],
        ["bare forward, same rows", f"{r['bare_forward_seconds']:.3f} s",
         f"{r['bare_rows_per_second']:,.0f} rows/s"],
        *([[f"bare forward, same rows split over {r['cpu_workers']} "
            "single-threaded workers", f"{r['split_forward_seconds']:.3f} s",
            f"{rows / r['split_forward_seconds']:,.0f} rows/s"]]
          if "split_forward_seconds" in r else []),
        ["forward + noise draws + add, same rows",
         f"{r['forward_and_noise_seconds']:.3f} s",
         f"{rows / r['forward_and_noise_seconds']:,.0f} rows/s"],
        ["naive per-walk loop (extrapolated)",
         f"{r['naive_seconds_extrapolated']:.3f} s",
         f"{n / r['naive_seconds_extrapolated']:,.0f} samples/s"],
    ]
    if "compile_seconds" in r:
        table.append(["torch.compile'd forward, same rows",
                      f"{r['compiled_forward_seconds']:.3f} s "
                      f"(+{r['compile_seconds']:.1f} s to compile)",
                      f"{rows / r['compiled_forward_seconds']:,.0f} rows/s"])
    print(markdown_table(table, ["what", "time", "throughput"]))
    print()
    ratios = [
        ["sampler throughput / bare forward throughput",
         f"{r['throughput_ratio_vs_bare']:.3f}"],
        ["sampler time / bare forward time",
         f"{r['time_ratio_vs_bare']:.3f}"],
        *([["sampler time / split bare forward time",
            f"{r['time_ratio_vs_split_forward']:.3f}"]]
          if "split_forward_seconds" in r else []),
        ["sampler time / (forward + noise) time",
         f"{r['time_ratio_vs_forward_and_noise']:.3f}"],
        ["sampler speed-up over the naive loop",
         f"{r['speedup_vs_naive']:.1f}x"],
        [f"sampler FLOP/s / {r['precision']} matmul FLOP/s",
         f"{r['flops_fraction']:.3f} ({r['sampler_flops'] / 1e9:.0f} / "
         f"{r['matmul_flops'] / 1e9:.0f} GFLOP/s)"],
    ]
    if "compile_seconds" in r:
        speed = r["compiled_forward_seconds"] / r["bare_forward_seconds"]
        ratios.append(["compiled forward time / eager forward time",
                       f"{speed:.3f}"])
    print(markdown_table(ratios, ["ratio", "value"]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--n-samples", type=int, default=100_000)
    parser.add_argument("--n-chains", type=int, default=None,
                        help="walks a chunk (default: the sampler's own)")
    parser.add_argument("--precisions", nargs="+", default=["float32"],
                        choices=sorted(PRECISIONS))
    parser.add_argument("--naive-walks", type=int, default=200,
                        help="walks timed for the naive loop (extrapolated)")
    parser.add_argument("--compile", action="store_true",
                        help="also time a torch.compile'd forward pass")
    parser.add_argument("--memory", action=argparse.BooleanOptionalAction,
                        default=True)
    parser.add_argument("--matmul-size", type=int, default=None,
                        help="side of the matrix product that measures the "
                        "device's peak FLOP/s (default: 8192 on CUDA, 2048 "
                        "on a CPU)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    ae = make_autoencoder(device)
    result = {"versions": versions(device), "command": " ".join(sys.argv),
              "runs": []}
    print(f"Deep MNIST autoencoder (784-600-400-100-400-600-784), device "
          f"{device}, {result['versions']['threads']} threads")
    for precision in args.precisions:
        r = measure(ae, device, precision, args.n_samples, args.n_chains,
                    args.naive_walks, args.compile, args.matmul_size)
        result["runs"].append(r)
        report(r)
    if args.memory:
        m5, m6 = peak_memory(100_000, device), peak_memory(1_000_000, device)
        result.update(peak_memory_1e5=m5, peak_memory_1e6=m6,
                      memory_ratio=m6 / m5)
        print("\npeak memory streaming 1e6 / 1e5 samples (float32): "
              f"{m6 / m5:.3f} ({m6 / 2**20:.0f} MiB / {m5 / 2**20:.0f} MiB)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
