"""Distances between a synthetic sample and a real one."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_array, check_random_state

from ..utils._compat import HasMethods, Interval, validate_params
from ._mmd import _pair_arrays, blockwise_sum, check_same_width


def _pairwise_mean_distance(A, B):
    """Mean Euclidean distance over all pairs (V-statistic), in blocks."""
    return blockwise_sum(A, B, torch.cdist) / (len(A) * len(B))


@validate_params(
    {"X": ["array-like"], "Y": ["array-like"], "device": [str, torch.device]},
    prefer_skip_nested_validation=True)
def energy_distance(X, Y, *, device="cpu"):
    """Energy distance between two samples (Szekely & Rizzo).

    ``sqrt(2 E||X - Y|| - E||X - X'|| - E||Y - Y'||)`` with the expectations
    over all pairs (V-statistics), the convention of
    :func:`scipy.stats.energy_distance` (which it equals in 1-D). Zero for
    identical samples.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        First sample.
    Y : array-like of shape (n_samples_Y, n_features)
        Second sample.
    device : str, default="cpu"
        Torch device for the pairwise distances (float64).

    Returns
    -------
    distance : float
        The energy distance.
    """
    A, B = _pair_arrays(X, Y, device=device)
    d2 = (2 * _pairwise_mean_distance(A, B) - _pairwise_mean_distance(A, A)
          - _pairwise_mean_distance(B, B))
    return float(np.sqrt(max(d2, 0.0)))


def _wasserstein_1d(u, v, p):
    """W_p between two 1-D empirical distributions via quantile functions."""
    u, v = np.sort(u), np.sort(v)
    if len(u) == len(v):
        return float(np.mean(np.abs(u - v) ** p) ** (1 / p))
    # Quantile functions are step functions: integrate over the merged
    # breakpoints of the two empirical CDFs.
    t = np.union1d(np.arange(1, len(u) + 1) / len(u),
                   np.arange(1, len(v) + 1) / len(v))
    widths = np.diff(np.concatenate([[0.0], t]))
    mid = t - widths / 2
    qu = u[np.minimum((mid * len(u)).astype(int), len(u) - 1)]
    qv = v[np.minimum((mid * len(v)).astype(int), len(v) - 1)]
    return float(np.sum(widths * np.abs(qu - qv) ** p) ** (1 / p))


@validate_params(
    {"X": ["array-like"], "Y": ["array-like"],
     "n_projections": [Interval(Integral, 1, None, closed="left")],
     "p": [Interval(Real, 1, None, closed="left")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True)
def sliced_wasserstein(X, Y, *, n_projections=100, p=2, random_state=None):
    """Sliced Wasserstein distance: W_p averaged over random 1-D projections.

    ``(mean_theta W_p(X theta, Y theta)**p)**(1/p)`` over
    ``n_projections`` directions drawn uniformly on the sphere.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        First sample.
    Y : array-like of shape (n_samples_Y, n_features)
        Second sample.
    n_projections : int, default=100
        Number of random directions.
    p : int, default=2
        Order of the Wasserstein distance.
    random_state : int, RandomState instance or None, default=None
        Seed of the directions.

    Returns
    -------
    distance : float
        The sliced Wasserstein distance.
    """
    X = check_array(X, dtype=np.float64, input_name="X")
    Y = check_array(Y, dtype=np.float64, input_name="Y")
    check_same_width(X, Y)
    rng = check_random_state(random_state)
    theta = rng.standard_normal((X.shape[1], n_projections))
    theta /= np.linalg.norm(theta, axis=0, keepdims=True)
    PX, PY = X @ theta, Y @ theta
    per = [_wasserstein_1d(PX[:, k], PY[:, k], p) ** p
           for k in range(n_projections)]
    return float(np.mean(per) ** (1 / p))


@validate_params(
    {"X": ["array-like"], "Y": ["array-like"],
     "transformer": [HasMethods(["transform"]), None]},
    prefer_skip_nested_validation=True)
def frechet_distance(X, Y, *, transformer=None):
    """Frechet distance between Gaussian fits of two samples.

    ``||mu_X - mu_Y||**2 + Tr(S_X + S_Y - 2 (S_X S_Y)**(1/2))``, the squared
    2-Wasserstein distance between the fitted Gaussians (the FID when the
    features are an Inception network's). Pass a fitted ``transformer`` to
    compare in its feature space: a fitted autoencoder's codes, or any
    scikit-learn transformer.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        First sample.
    Y : array-like of shape (n_samples_Y, n_features)
        Second sample.
    transformer : fitted transformer, default=None
        Maps both samples to the feature space first.

    Returns
    -------
    distance : float
        The Frechet distance (a squared distance; 0 for equal fits).
    """
    if transformer is not None:
        X, Y = transformer.transform(X), transformer.transform(Y)
    X = check_array(X, dtype=np.float64, input_name="X",
                    ensure_min_samples=2)
    Y = check_array(Y, dtype=np.float64, input_name="Y",
                    ensure_min_samples=2)
    check_same_width(X, Y)
    mu_x, mu_y = X.mean(0), Y.mean(0)
    S_x = np.atleast_2d(np.cov(X, rowvar=False))
    S_y = np.atleast_2d(np.cov(Y, rowvar=False))
    # Tr((S_x S_y)^1/2) = sum of sqrt of the eigenvalues of
    # S_x^1/2 S_y S_x^1/2, a symmetric PSD matrix: stable, always real.
    w, V = np.linalg.eigh(S_x)
    root_x = (V * np.sqrt(np.clip(w, 0, None))) @ V.T
    eig = np.linalg.eigvalsh(root_x @ S_y @ root_x)
    tr_cross = np.sum(np.sqrt(np.clip(eig, 0, None)))
    return float(np.sum((mu_x - mu_y) ** 2) + np.trace(S_x) + np.trace(S_y)
                 - 2 * tr_cross)
