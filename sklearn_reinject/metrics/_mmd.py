"""Maximum mean discrepancy with an RBF kernel."""

import numpy as np
import torch
from sklearn.utils import check_array, check_random_state

_BLOCK = 2048


def _as_tensor(X, name):
    X = check_array(X, dtype=np.float64, input_name=name)
    return torch.from_numpy(X)


def _sq_dists(A, B):
    d = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * A @ B.T
    return d.clamp_min_(0.0)


def median_heuristic(X, max_samples=1000, random_state=0):
    """Median pairwise Euclidean distance within ``X`` (on a subsample).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data.
    max_samples : int, default=1000
        Rows used at most; a random subsample beyond that.
    random_state : int, RandomState instance or None, default=0
        Seed of the subsample.

    Returns
    -------
    bandwidth : float
        The median distance between distinct rows (1.0 if all coincide).
    """
    X = _as_tensor(X, "X")
    if len(X) > max_samples:
        idx = check_random_state(random_state).choice(len(X), max_samples,
                                                      replace=False)
        X = X[torch.from_numpy(np.sort(idx))]
    d2 = _sq_dists(X, X)
    iu = torch.triu_indices(len(X), len(X), offset=1)
    med = float(d2[iu[0], iu[1]].median().sqrt()) if len(X) > 1 else 0.0
    return med if med > 0 else 1.0


def _kernel_sum(A, B, gamma, exclude_diag=False):
    total = 0.0
    for i in range(0, len(A), _BLOCK):
        Ai = A[i:i + _BLOCK]
        for j in range(0, len(B), _BLOCK):
            K = torch.exp(-gamma * _sq_dists(Ai, B[j:j + _BLOCK]))
            total += float(K.sum())
    if exclude_diag:
        total -= len(A)  # k(x, x) = 1 for the RBF kernel
    return total


def mmd2_unbiased(X, Y, bandwidth="median"):
    """Unbiased estimate of the squared MMD with an RBF kernel.

    ``k(x, y) = exp(-||x - y||**2 / (2 * bandwidth**2))`` (Gretton et al.,
    2012, eq. 3). Kernel blocks are computed in chunks, so memory stays
    bounded for large inputs.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        First sample (at least 2 rows).
    Y : array-like of shape (n_samples_Y, n_features)
        Second sample (at least 2 rows).
    bandwidth : float or "median", default="median"
        Kernel width; ``"median"`` uses the median pairwise distance of the
        pooled sample.

    Returns
    -------
    mmd2 : float
        The unbiased estimate; it can be slightly negative when the two
        distributions are equal.
    """
    Xt, Yt = _as_tensor(X, "X"), _as_tensor(Y, "Y")
    if Xt.shape[1] != Yt.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of features. Got "
            f"{Xt.shape[1]} and {Yt.shape[1]}.")
    m, n = len(Xt), len(Yt)
    if m < 2 or n < 2:
        raise ValueError(
            f"mmd2_unbiased needs at least 2 rows in X and Y. Got {m} and "
            f"{n}.")
    if isinstance(bandwidth, str):
        if bandwidth != "median":
            raise ValueError(
                "The 'bandwidth' parameter must be a positive float or "
                f"'median'. Got {bandwidth!r} instead.")
        bandwidth = median_heuristic(torch.cat([Xt, Yt]).numpy())
    if not bandwidth > 0:
        raise ValueError(
            "The 'bandwidth' parameter must be a positive float or "
            f"'median'. Got {bandwidth!r} instead.")
    gamma = 1.0 / (2.0 * float(bandwidth) ** 2)
    kxx = _kernel_sum(Xt, Xt, gamma, exclude_diag=True) / (m * (m - 1))
    kyy = _kernel_sum(Yt, Yt, gamma, exclude_diag=True) / (n * (n - 1))
    kxy = _kernel_sum(Xt, Yt, gamma) / (m * n)
    return kxx + kyy - 2.0 * kxy
