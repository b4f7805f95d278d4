"""Device and precision handling. CUDA is only queried when ``fit`` asks."""

import contextlib

import torch

#: Accepted ``precision`` values and the autocast dtype each selects.
PRECISIONS = {"float32": None, "bfloat16": torch.bfloat16,
              "float16": torch.float16}


def resolve_device(device, param="device"):
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` into a torch device.

    Called from ``fit`` only, never at import or in ``__init__``, so that
    forked worker processes (joblib, Dask) never initialise CUDA early.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"The {param!r} parameter must be 'auto', 'cpu', 'cuda' or "
            f"'cuda:N'. Got {device!r} instead.") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"The {param!r} parameter is {device!r}, but CUDA is not "
            "available on this machine. Use device='auto' or 'cpu'.")
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(
            f"The {param!r} parameter must be 'auto', 'cpu', 'cuda' or "
            f"'cuda:N'. Got {device!r} instead.")
    return dev


def available_device(device):
    """Map a device recorded at fit time to one present on this machine.

    A model fitted on CUDA and unpickled where CUDA is missing runs on the
    CPU.
    """
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        return torch.device("cpu")
    return dev


def autocast(device, precision):
    """Context in which ``device``'s arithmetic runs at ``precision``.

    ``"float32"`` is a no-op; ``"bfloat16"`` and ``"float16"`` enter
    :class:`torch.autocast`, which runs matrix products in that dtype while
    parameters, and values computed outside it, stay float32.
    """
    dtype = PRECISIONS[precision]
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=torch.device(device).type, dtype=dtype)
