"""Checks of call arguments that parameter constraints do not cover."""

from numbers import Integral

import numpy as np


def check_n_samples(n_samples, name="n_samples"):
    """Raise a clear error unless ``n_samples`` is an int >= 1."""
    if isinstance(n_samples, (bool, np.bool_)) or not isinstance(
            n_samples, Integral) or n_samples < 1:
        raise ValueError(
            f"The {name!r} parameter must be an int >= 1. Got "
            f"{n_samples!r} instead.")
    return int(n_samples)
