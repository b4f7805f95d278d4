"""Single-threaded CPU workers for work split by rows.

PyTorch's CPU operators run on an OpenMP team of ``torch.get_num_threads()``
threads. Work that is partly serial (``Tensor.normal_`` fills its tensor on
one thread) leaves the rest of that team idle, and a second Python thread
cannot take up the slack: the team's idle workers spin on their cores for a
while after each parallel region. Splitting the rows into independent
blocks instead, each run by a worker thread whose own operators use one
thread, keeps every core busy with no team to wait for.
"""

import functools
import threading
from concurrent.futures import ThreadPoolExecutor

import torch


@functools.lru_cache(maxsize=None)
def openmp_backend():
    """Whether ATen's intra-op parallel backend is OpenMP.

    Under OpenMP the number of intra-op threads is a per-thread setting, so
    a worker can run single-threaded while the caller keeps its team.
    """
    return "ATen parallel backend: OpenMP" in torch.__config__.parallel_info()


def cpu_worker_count(n_blocks):
    """Worker threads to use for ``n_blocks`` independent CPU blocks.

    ``torch.get_num_threads()`` workers (the caller's intra-op thread
    count), at most one per block, and 1 (no workers) when the parallel
    backend is not OpenMP.
    """
    if not openmp_backend():
        return 1
    return max(1, min(torch.get_num_threads(), n_blocks))


def even_bounds(n, n_parts):
    """Bounds ``[0, ..., n]`` of ``n_parts`` contiguous, near-equal parts."""
    return [round(n * j / n_parts) for j in range(n_parts + 1)]


def _single_threaded():
    # Initialise this thread's intra-op settings first: a thread that has
    # not yet run a parallel operator would otherwise reset them to the
    # process-wide count on its first one.
    torch.get_num_threads()
    torch.set_num_threads(1)


def single_threaded_pool(n_workers):
    """A ``ThreadPoolExecutor`` whose threads run PyTorch on one thread each.

    All workers are started here. ``torch.set_num_threads`` also records
    the count that threads started later inherit, so the caller's count is
    recorded again once the workers have set theirs; the caller's own
    intra-op threads are untouched throughout.
    """
    n_threads = torch.get_num_threads()
    pool = ThreadPoolExecutor(n_workers,
                              thread_name_prefix="sklearn_reinject")
    try:
        # One task per worker, each held until all have started, so that
        # every thread of the pool runs the initialiser exactly once.
        barrier = threading.Barrier(n_workers, timeout=60)

        def start():
            barrier.wait()
            _single_threaded()

        for future in [pool.submit(start) for _ in range(n_workers)]:
            future.result()
    except BaseException:
        pool.shutdown()
        raise
    finally:
        torch.set_num_threads(n_threads)
    return pool
