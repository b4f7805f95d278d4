"""Maximum mean discrepancy with RBF kernels."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_array, check_random_state

from ..utils._batching import to_tensor
from ..utils._compat import Interval, StrOptions, validate_params

_BLOCK = 2048


def _as_tensor(X, name, device="cpu"):
    X = check_array(X, dtype=np.float64, input_name=name)
    return to_tensor(X, device)


def check_same_width(X, Y):
    """Raise unless the two samples have the same number of features."""
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of features. Got "
            f"{X.shape[1]} and {Y.shape[1]}.")


def _pair_arrays(X, Y, device="cpu"):
    A, B = _as_tensor(X, "X", device), _as_tensor(Y, "Y", device)
    check_same_width(A, B)
    return A, B


def blockwise_sum(A, B, fn):
    """``sum(fn(A_block, B_block))`` over blocks, so memory stays bounded."""
    total = 0.0
    for i in range(0, len(A), _BLOCK):
        for j in range(0, len(B), _BLOCK):
            total += float(fn(A[i:i + _BLOCK], B[j:j + _BLOCK]).sum())
    return total


def _sq_dists(A, B):
    d = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * A @ B.T
    return d.clamp_min_(0.0)


@validate_params(
    {"X": ["array-like"],
     "max_samples": [Interval(Integral, 2, None, closed="left")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True)
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


def _gammas(bandwidth, A, B):
    if isinstance(bandwidth, str):
        if bandwidth != "median":
            raise ValueError(
                "The 'bandwidth' parameter must be a positive float, a "
                f"sequence of them, or 'median'. Got {bandwidth!r} instead.")
        bandwidth = [median_heuristic(torch.cat([A, B]).cpu().numpy())]
    widths = np.atleast_1d(np.asarray(bandwidth, dtype=np.float64))
    if widths.size == 0 or not np.all(np.isfinite(widths)) or \
            not np.all(widths > 0):
        raise ValueError(
            "The 'bandwidth' parameter must be a positive float, a sequence "
            f"of them, or 'median'. Got {bandwidth!r} instead.")
    return 1.0 / (2.0 * widths ** 2)


def _kernel(d2, gammas):
    """Average of RBF kernels over the bandwidths."""
    return sum(torch.exp(-g * d2) for g in gammas) / len(gammas)


def _kernel_sum(A, B, gammas):
    return blockwise_sum(A, B, lambda a, b: _kernel(_sq_dists(a, b), gammas))


def _mmd2_from_sums(kxx, kyy, kxy, m, n):
    # k(x, x) = 1 for every RBF kernel: drop the diagonal for the U-statistic.
    return ((kxx - m) / (m * (m - 1)) + (kyy - n) / (n * (n - 1))
            - 2.0 * kxy / (m * n))


@validate_params(
    {"X": ["array-like"], "Y": ["array-like"],
     "bandwidth": [StrOptions({"median"}), Real, "array-like"],
     "device": [str, torch.device]},
    prefer_skip_nested_validation=True)
def mmd2_unbiased(X, Y, bandwidth="median", *, device="cpu"):
    """Unbiased estimate of the squared MMD with an RBF kernel.

    ``k(x, y) = exp(-||x - y||**2 / (2 * h**2))`` (Gretton et al., 2012,
    eq. 3); with several bandwidths ``h``, the average of their kernels.
    Kernel blocks are computed in chunks, so memory stays bounded.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        First sample (at least 2 rows).
    Y : array-like of shape (n_samples_Y, n_features)
        Second sample (at least 2 rows).
    bandwidth : float, sequence of float or "median", default="median"
        Kernel width(s); ``"median"`` uses the median pairwise distance of
        the pooled sample.
    device : str, default="cpu"
        Torch device for the kernel computations (float64). A GPU pays for
        large samples.

    Returns
    -------
    mmd2 : float
        The unbiased estimate; it can be slightly negative when the two
        distributions are equal.
    """
    A, B = _pair_arrays(X, Y, device)
    m, n = len(A), len(B)
    if m < 2 or n < 2:
        raise ValueError(
            f"mmd2_unbiased needs at least 2 rows in X and Y. Got {m} and "
            f"{n}.")
    gammas = _gammas(bandwidth, A, B)
    return _mmd2_from_sums(_kernel_sum(A, A, gammas),
                           _kernel_sum(B, B, gammas),
                           _kernel_sum(A, B, gammas), m, n)


@validate_params(
    {"X": ["array-like"], "Y": ["array-like"],
     "bandwidth": [StrOptions({"median"}), Real, "array-like"],
     "n_permutations": [Interval(Integral, 1, None, closed="left")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True)
def mmd_permutation_test(X, Y, bandwidth="median", *, n_permutations=200,
                         random_state=None):
    """Unbiased MMD² and its permutation-test p-value.

    Under the null hypothesis that ``X`` and ``Y`` come from one
    distribution, the pooled rows are exchangeable: the p-value is the share
    of random relabellings whose MMD² is at least the observed one, counting
    the observed labelling itself (so it is never 0). The pooled kernel
    matrix is computed once, so this needs ``(m + n)**2`` memory.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        First sample.
    Y : array-like of shape (n_samples_Y, n_features)
        Second sample.
    bandwidth : float, sequence of float or "median", default="median"
        As for :func:`mmd2_unbiased`.
    n_permutations : int, default=200
        Random relabellings.
    random_state : int, RandomState instance or None, default=None
        Seed of the relabellings.

    Returns
    -------
    mmd2 : float
        The observed unbiased MMD².
    p_value : float
        ``(1 + #{perm MMD² >= observed}) / (1 + n_permutations)``.
    """
    A, B = _pair_arrays(X, Y)
    m, n = len(A), len(B)
    if m < 2 or n < 2:
        raise ValueError(
            f"mmd_permutation_test needs at least 2 rows in X and Y. Got {m}"
            f" and {n}.")
    Z = torch.cat([A, B])
    K = _kernel(_sq_dists(Z, Z), _gammas(bandwidth, A, B))

    def stat(idx):
        a, b = idx[:m], idx[m:]
        return _mmd2_from_sums(float(K[a][:, a].sum()),
                               float(K[b][:, b].sum()),
                               float(K[a][:, b].sum()), m, n)

    observed = stat(torch.arange(m + n))
    rng = check_random_state(random_state)
    exceed = sum(stat(torch.from_numpy(rng.permutation(m + n))) >= observed
                 for _ in range(n_permutations))
    return observed, (1 + exceed) / (1 + n_permutations)
