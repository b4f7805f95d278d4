"""Helpers shared by the benchmark scripts."""

import functools
import json
import math
import platform
import time

import numpy as np
import torch


def versions(device):
    """Library versions, the device, and the CPU or GPU that ran."""
    import sklearn
    import skorch

    device = torch.device(device)
    info = {"python": platform.python_version(), "numpy": np.__version__,
            "torch": torch.__version__, "scikit-learn": sklearn.__version__,
            "skorch": skorch.__version__, "device": str(device),
            "threads": torch.get_num_threads()}
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    else:
        info["cpu"] = platform.processor() or platform.machine()
    return info


def cosine_lr(n_rows, batch_size, max_epochs):
    """skorch callbacks that decay the learning rate to zero over training.

    A cosine schedule stepped after every batch (skorch's ``LRScheduler``
    around PyTorch's ``CosineAnnealingLR``), reaching zero at the last batch
    of ``max_epochs`` epochs over ``n_rows`` rows. Pass it as an
    estimator's ``callbacks``.
    """
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import CosineAnnealingLR

    n_batches = -(-n_rows // batch_size) * max_epochs
    return [("cosine_lr", LRScheduler(policy=CosineAnnealingLR,
                                      T_max=n_batches, step_every="batch"))]


def _half_cosine(step, n_steps):
    return 0.5 * (1.0 + math.cos(math.pi * min(step, n_steps) / n_steps))


def online_cosine_lr(n_steps):
    """skorch callbacks that decay an online learner's rate to zero.

    For a learner fed by ``partial_fit``, one call (one epoch, one batch)
    per step: step ``j`` of ``n_steps`` runs at ``lr * (1 + cos(pi * j /
    n_steps)) / 2``. skorch rebuilds the scheduler at every call from the
    number of epochs in the history, so the schedule needs a closed form
    (``LambdaLR``); a recursive one (``CosineAnnealingLR``) would be
    stepped twice per call.
    """
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import LambdaLR

    return [("cosine_lr", LRScheduler(
        policy=LambdaLR, step_every="epoch",
        lr_lambda=functools.partial(_half_cosine, n_steps=n_steps)))]


def make_log():
    """``log(msg)``: print ``msg`` after the seconds since this call."""
    start = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - start:7.1f}s] {msg}", flush=True)

    return log


def timed(fn, device, repeat=3):
    """Best wall time of ``repeat`` calls (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        best = min(best, time.perf_counter() - start)
    return best


def alternating_medians(settings, run, repeats):
    """Median seconds of each setting over alternating runs.

    Each of ``repeats`` rounds runs every setting once, in order, so that
    a drift in the machine's load reaches all settings alike.
    ``run(value, rep)`` returns the seconds of one run of the setting
    whose value is ``value``; ``settings`` maps names to values.
    """
    times = {name: [] for name in settings}
    for rep in range(repeats):
        for name, value in settings.items():
            times[name].append(run(value, rep))
    return {name: float(np.median(t)) for name, t in times.items()}


def ratio_rows(label, medians, reference):
    """Table rows ``[label, setting, seconds, ratio to reference]``."""
    return [[label, name, f"{median:.3f}",
             f"{median / medians[reference]:.2f}"]
            for name, median in medians.items()]


def write_report(out, report, files=None, indent=2):
    """Write ``report`` to ``out/results.json`` and each ``{name: text}``.

    ``out`` (a ``pathlib.Path``) is created when missing; ``indent`` is
    the JSON's.
    """
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(report, indent=indent))
    for name, text in (files or {}).items():
        (out / name).write_text(text)


def markdown_table(rows, header):
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
