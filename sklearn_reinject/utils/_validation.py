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


def record_data_summary(estimator, X):
    """Set the per-feature summaries of ``X`` that samplers read.

    ``data_min_`` and ``data_max_`` (the range, to flag chains that leave
    it) and the private ``_feature_mean`` and ``_feature_std`` (float64;
    to flag walks that start beyond the data's reach). Summaries only: no
    row of ``X`` is kept.

    Returns
    -------
    variances : ndarray of shape (n_features,)
        Each feature's variance (float64), for callers that need it too;
        ``_feature_std`` is its square root, as ``X.std`` computes it.
    """
    (estimator.data_min_, estimator.data_max_, estimator._feature_mean,
     variances) = data_summary(X)
    estimator._feature_std = np.sqrt(variances)
    return variances


def data_summary(X):
    """Each feature's minimum, maximum, mean and variance (float64) in ``X``."""
    return (X.min(axis=0), X.max(axis=0), X.mean(axis=0, dtype=np.float64),
            X.var(axis=0, dtype=np.float64))
