"""The chunk runner: walks in fixed-size chunks on the autoencoder's device.

A sampling call resolves everything its chunks need once, into a
:class:`WalkPlan`; :func:`reinjection_chunks` and :func:`mh_chunks` then
run the walks chunk by chunk and yield their kept states as tensors of
shape ``(n_steps - burn_in, n_walks, n_features)``. This module owns device
placement, the CPU blocks and their worker threads, the reuse of buffers,
and the checks every chunk passes (finite, within range); the arithmetic
of a walk is in ``_kernels.py``.
"""

import concurrent.futures
import dataclasses
import functools
import math
from typing import Callable

import numpy as np
import torch

from ..exceptions import ChainDivergenceError, SamplingWarning
from ..utils._device import autocast
from ..utils._random import MAX_SEED, draw_seeds, torch_generator
from ..utils._threads import (cpu_worker_count, even_bounds,
                              single_threaded_pool)
from ..utils._warnings import warn_at_caller
from ._kernels import MAX_ABS_VALUE, run_mh_walks, run_walks, within_bounds

#: Working-memory budget of one chunk, in float32 values (64 MiB).
CHUNK_VALUES = 1 << 24
#: On a CPU, a chunk's walks are split into at most this many blocks, each
#: with its own random stream, and run by single-threaded workers.
MAX_CPU_BLOCKS = 64
#: ... each block holding at least this many values (one walk at least).
MIN_BLOCK_VALUES = 4096
#: A warning is raised when more than this share of the values of the first
#: chunk's final states lies outside the data's range widened by its width
#: on each side (by the median feature's width for constant features).
OUT_OF_RANGE_SHARE = 0.01


@dataclasses.dataclass(frozen=True)
class WalkPlan:
    """Everything the chunks of one sampling call need, resolved once.

    ``autoencoder`` meets the sampler protocol (see ``_protocol.py``);
    ``init(n_walks, generator, init_rng)`` returns the starts of a chunk's
    walks on ``device``; ``anneal`` holds the ``(reconstruct, lam)`` pairs
    of the noise levels above the last (empty for a constant schedule).
    The ``mh_*`` fields are used by :func:`mh_chunks` only.
    """

    autoencoder: object
    device: torch.device
    n_features: int
    lam: float
    n_steps: int
    burn_in: int
    output: str
    precision: str
    chunk: int
    init: Callable
    anneal: tuple = ()
    step_fraction: float = 1.0
    verbose: int = 0
    mh_score_scale: float = 1.0
    mh_n_integration_points: int = 2
    mh_proposal: str = "reinject"
    mh_step_size: float = None
    #: The walks start out of the data's reach (already warned about):
    #: states outside its range then say nothing about ``lam``.
    start_is_far: bool = False

    @property
    def n_kept(self):
        return self.n_steps - self.burn_in

    @property
    def reconstruct(self):
        return self.autoencoder.reconstruct_tensor


def chunk_walks(n_walks_total, n_features, n_kept, n_chains=None):
    """Walks per chunk: ``n_chains``, or what fits ``CHUNK_VALUES``."""
    if n_chains is not None:
        return min(n_chains, n_walks_total)
    per_walk = n_features * (n_kept + 3)
    return max(1, min(n_walks_total, CHUNK_VALUES // per_walk))


def _chunk_starts(plan, n_walks_total, seed):
    """Chunk offsets (with a progress bar when verbose) and the generators."""
    walk_seed, init_seed = draw_seeds(seed, 2)
    starts = range(0, n_walks_total, plan.chunk)
    if plan.verbose:
        from tqdm.auto import tqdm
        starts = tqdm(starts, desc="reinjection", unit="chunk")
    return (starts, torch_generator(walk_seed, plan.device),
            np.random.RandomState(init_seed))


def reinjection_chunks(plan, n_walks_total, seed):
    """Yield the kept states of reinjection walks, chunk by chunk.

    Full chunks reuse buffers (no fresh pages to fault in per chunk), so
    every consumer must copy a chunk before asking for the next. When CPU
    workers run the walks, the next chunk runs on them while this thread
    checks and hands over the last one: two buffers alternate.
    """
    starts, generator, init_rng = _chunk_starts(plan, n_walks_total, seed)
    on_cpu = plan.device.type == "cpu"
    buffers = [None, None]
    pool = pending = None
    try:
        for i, start in enumerate(starts):
            n_walks = min(plan.chunk, n_walks_total - start)
            # A second buffer once chunks run on workers.
            kept = _kept_buffer(plan, n_walks, buffers,
                                i % 2 if pool is not None else 0)
            with torch.inference_mode():
                x0 = plan.init(n_walks, generator, init_rng)
                if on_cpu:
                    pool, futures = _start_cpu_blocks(plan, x0, generator,
                                                      kept, pool)
                else:
                    futures = []
                    with autocast(plan.device, plan.precision):
                        run_walks(plan.reconstruct, x0, plan.n_steps,
                                  plan.burn_in, plan.lam, generator,
                                  plan.output, out=kept, anneal=plan.anneal,
                                  step_fraction=plan.step_fraction)
            if pending is not None:
                yield finish_chunk(plan, *pending)
                pending = None
            if all(future.done() for future in futures):
                yield finish_chunk(plan, kept, futures, start == 0)
            else:
                pending = (kept, futures, start == 0)
        if pending is not None:
            yield finish_chunk(plan, *pending)
    finally:
        if pool is not None:
            # An abandoned call waits for its running blocks and drops the
            # queued ones.
            pool.shutdown(cancel_futures=True)


def _kept_buffer(plan, n_walks, buffers, slot):
    """The tensor a chunk's kept states go to: a reused buffer if full."""
    if n_walks < plan.chunk:
        return torch.empty((plan.n_kept, n_walks, plan.n_features),
                           device=plan.device)
    if buffers[slot] is None:
        buffers[slot] = torch.empty((plan.n_kept, plan.chunk,
                                     plan.n_features), device=plan.device)
    return buffers[slot]


def mh_chunks(plan, n_walks_total, seed, acceptance=None):
    """Yield the kept states of Metropolis-Hastings walks, chunk by chunk.

    ``acceptance``, a list, receives each chunk's per-walk acceptance rates
    (a float64 array) before the chunk is yielded.
    """
    starts, generator, init_rng = _chunk_starts(plan, n_walks_total, seed)
    step_size = (math.sqrt(plan.lam) if plan.mh_step_size is None
                 else float(plan.mh_step_size))
    for start in starts:
        n_walks = min(plan.chunk, n_walks_total - start)
        with torch.inference_mode():
            x0 = plan.init(n_walks, generator, init_rng)
            # Only the network's arithmetic runs at lower precision; the
            # walks' states stay float32.
            with autocast(plan.device, plan.precision):
                kept, accepted = run_mh_walks(
                    plan.reconstruct, x0, plan.n_steps, plan.burn_in,
                    plan.lam, generator, plan.mh_score_scale,
                    plan.mh_n_integration_points, plan.mh_proposal,
                    step_size)
            if acceptance is not None:
                acceptance.append(
                    (accepted / plan.n_steps).cpu().numpy().astype(
                        np.float64))
        yield finish_chunk(plan, kept, [], start == 0)


def _run_walks_worker(plan, x0, generators, out, block):
    """Run walks on a worker thread; return whether all kept states are sane.

    The check (finite, within ``MAX_ABS_VALUE``) runs here,
    single-threaded, so that the calling thread starts no OpenMP team of
    its own while the workers are busy.
    """
    # Inference and autocast modes are per thread: enter them here.
    with torch.inference_mode():
        with autocast(x0.device, plan.precision):
            run_walks(plan.reconstruct, x0, plan.n_steps, plan.burn_in,
                      plan.lam, generators, plan.output, out=out,
                      block=block, anneal=plan.anneal,
                      step_fraction=plan.step_fraction)
        return within_bounds(out)


def _start_cpu_blocks(plan, x0, generator, kept, pool):
    """Start one chunk's walks on the CPU, block by block.

    The walks are split into at most ``MAX_CPU_BLOCKS`` blocks, each
    drawing its noise from its own generator seeded from ``generator``.
    Contiguous runs of blocks go to single-threaded workers, one per
    intra-op thread (see ``utils._threads``): noise generation, serial
    within a block, then runs on every core. The blocks do not depend on
    the number of workers, so neither do the samples, up to the rounding of
    the network's matrix products.

    ``pool`` is the worker pool of an earlier chunk of the same call, or
    None. Returns the pool (None while one worker suffices) and the futures
    of the blocks, each giving whether its kept states are all finite; with
    one worker, the walks have run on this thread and the one future is
    done.
    """
    n_walks, n_features = x0.shape
    block = max(math.ceil(n_walks / MAX_CPU_BLOCKS),
                math.ceil(MIN_BLOCK_VALUES / n_features))
    n_blocks = math.ceil(n_walks / block)
    seeds = torch.randint(MAX_SEED, (n_blocks,), generator=generator)
    streams = [torch_generator(seed) for seed in seeds.tolist()]
    run = functools.partial(_run_walks_worker, plan, block=block)
    n_workers = cpu_worker_count(n_blocks)
    if n_workers == 1:
        done = concurrent.futures.Future()
        done.set_result(run(x0, streams, kept))
        return pool, [done]
    if pool is None:
        pool = single_threaded_pool(n_workers)
    bounds = even_bounds(n_blocks, n_workers)
    futures = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        rows = slice(a * block, b * block)
        futures.append(pool.submit(run, x0[rows], streams[a:b],
                                   kept[:, rows]))
    return pool, futures


def finish_chunk(plan, kept, futures, first):
    """Wait for a chunk's blocks, check it, and return it.

    Returned outside inference mode: the caller's code runs between chunks
    and must not create inference tensors.
    """
    # Let every worker finish writing before any error is raised.
    concurrent.futures.wait(futures)
    with torch.inference_mode():
        # One host synchronisation per chunk, not per step: one min/max
        # reduction (workers reduce their own blocks).
        sane = (all([future.result() for future in futures])
                if futures else within_bounds(kept))
        if not sane:
            raise _divergence_error(plan, kept)
        if first:
            warn_if_out_of_range(plan, kept)
    return kept


def _divergence_error(plan, kept):
    overflow = (" float16 overflows above 65504: try precision='bfloat16' "
                "or 'float32'." if plan.precision == "float16" else "")
    what = ("NaN or inf" if not bool(torch.isfinite(kept).all())
            else f"values beyond {MAX_ABS_VALUE:g} in magnitude")
    return ChainDivergenceError(
        f"Reinjection chains diverged to {what} with lam={plan.lam!r}. "
        "Lower 'lam' (the autoencoder's matched value is "
        f"{plan.autoencoder.default_lam():g}), or check that the "
        "autoencoder was trained on data of this scale." + overflow)


def warn_if_out_of_range(plan, kept):
    """Warn when samples leave the training data's range by far.

    Only for a ``lam`` above the autoencoder's matched ``default_lam()``,
    and only when the autoencoder records its data's range
    (``data_min_``, ``data_max_``). Checked on the final states of the
    first chunk's walks only, so that it costs a small fraction of one
    step.
    """
    ae = plan.autoencoder
    low, high = (getattr(ae, "data_min_", None),
                 getattr(ae, "data_max_", None))
    # Below the matched value, the chain's own noise is what it should be;
    # small training sets have narrow ranges that states may leave.
    if low is None or high is None or plan.lam <= ae.default_lam() or \
            plan.start_is_far:
        return
    lo = torch.as_tensor(low, device=kept.device)
    hi = torch.as_tensor(high, device=kept.device)
    # Constant features (blank pixels) get the median feature's width.
    width = (hi - lo).clamp_min(float(np.median(high - low)))
    last = kept[-1]  # the walks' final states stand for the chunk
    share = float(((last < lo - width) | (last > hi + width)).float().mean())
    if share > OUT_OF_RANGE_SHARE:
        warn_at_caller(
            f"{share:.1%} of sampled values lie outside the training data's "
            f"range widened by its width on each side: lam={plan.lam:g} "
            "looks far too large for this data (the autoencoder's matched "
            f"value is {ae.default_lam():g}).", SamplingWarning)
