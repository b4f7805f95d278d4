"""Memorisation measures: how close synthetic rows come to training rows.

A generator that copies its training data scores perfectly on every
fidelity measure and protects nothing. These measures look at the
distance from each synthetic row to its nearest training rows, and compare
it with the same distance for real rows that were not trained on (Yale et
al., 2020; the "distance to closest record" family of SDMetrics and
synthcity).

All of them share one nearest-neighbour search that runs block by block on
a torch device: working memory is ``O(batch_size**2 + batch_size * k *
n_features)`` beyond the inputs themselves, so 1e5 x 1e5 rows run in
bounded memory.
"""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_array, check_random_state

from ..utils._batching import to_tensor
from ..utils._compat import Interval, validate_params

_COMMON = {
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "device": [str, torch.device],
}


def _rows(X, name, min_samples=1):
    # float32 input stays float32 in memory; blocks are promoted to float64
    # on the device.
    return check_array(X, dtype=[np.float64, np.float32], input_name=name,
                       ensure_min_samples=min_samples)


def _same_width(S, R, name):
    if S.shape[1] != R.shape[1]:
        raise ValueError(
            f"X_synthetic and {name} must have the same number of features. "
            f"Got {S.shape[1]} and {R.shape[1]}.")


def _nearest_distances(S, R, k, batch_size, device):
    """Euclidean distances from each row of ``S`` to its ``k`` nearest in ``R``.

    Candidates are found by the expansion ``|a|^2 + |b|^2 - 2 a.b`` in
    float64, block by block, keeping a running top ``k``; the distances
    to the chosen rows are then recomputed directly from the differences,
    so that an exact copy has distance exactly 0.

    Returns
    -------
    distances : ndarray of shape (len(S), k), ascending along each row
    """
    device = torch.device(device)
    out = np.empty((len(S), k), dtype=np.float64)
    R_norms = [(j, to_tensor(R[j:j + batch_size], device, torch.float64))
               for j in range(0, len(R), batch_size)]
    for i in range(0, len(S), batch_size):
        a = to_tensor(S[i:i + batch_size], device, torch.float64)
        a2 = (a * a).sum(1)
        best_d = torch.full((len(a), k), float("inf"), dtype=torch.float64,
                            device=device)
        best_i = torch.zeros((len(a), k), dtype=torch.long, device=device)
        for j, b in R_norms:
            d = (a2[:, None] + (b * b).sum(1)[None, :]
                 - 2.0 * a @ b.T).clamp_min_(0.0)
            vals, idx = d.topk(min(k, len(b)), dim=1, largest=False)
            all_d = torch.cat([best_d, vals], 1)
            all_i = torch.cat([best_i, idx + j], 1)
            best_d, pos = all_d.topk(k, dim=1, largest=False)
            best_i = all_i.gather(1, pos)
        near = torch.from_numpy(R[best_i.cpu().numpy()]).to(device,
                                                            torch.float64)
        exact = ((a[:, None, :] - near) ** 2).sum(-1).sqrt()
        out[i:i + len(a)] = exact.sort(dim=1).values.cpu().numpy()
    return out


@validate_params(
    {"X_synthetic": ["array-like"], "X_train": ["array-like"], **_COMMON},
    prefer_skip_nested_validation=True)
def distance_to_closest_record(X_synthetic, X_train, *, batch_size=1024,
                               device="cpu"):
    """Distance from each synthetic row to its closest training row (DCR).

    A DCR of 0 is an exact copy of a training row. On its own the
    distribution of DCRs is hard to read (it depends on the data's scale
    and density): compare it with the DCRs of real rows that were not
    trained on, as :func:`closer_to_training_share` does.

    Parameters
    ----------
    X_synthetic : array-like of shape (n_synthetic, n_features)
        Synthetic rows.
    X_train : array-like of shape (n_train, n_features)
        The rows the generator was trained on.
    batch_size : int, default=1024
        Rows per block on each side of the nearest-neighbour search.
    device : str or torch.device, default="cpu"
        Torch device of the search (float64 arithmetic).

    Returns
    -------
    dcr : ndarray of shape (n_synthetic,)
        Euclidean distance to the nearest row of ``X_train``.

    References
    ----------
    .. [1] M. Yale et al., "Generation and evaluation of privacy preserving
       synthetic health data", Neurocomputing 416, 2020.
    .. [2] SDMetrics, "DCRBaselineProtection" and "DCROverfittingProtection"
       (https://docs.sdv.dev/sdmetrics).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_reinject.metrics import distance_to_closest_record
    >>> X_train = np.array([[0.0, 0.0], [3.0, 4.0]])
    >>> distance_to_closest_record([[0.0, 0.0], [3.0, 0.0]], X_train)
    array([0., 3.])
    """
    S = _rows(X_synthetic, "X_synthetic")
    R = _rows(X_train, "X_train")
    _same_width(S, R, "X_train")
    return _nearest_distances(S, R, 1, batch_size, device)[:, 0]


@validate_params(
    {"X_synthetic": ["array-like"], "X_train": ["array-like"], **_COMMON},
    prefer_skip_nested_validation=True)
def nearest_neighbor_distance_ratio(X_synthetic, X_train, *, batch_size=1024,
                                    device="cpu"):
    """Ratio of the closest to the second-closest training row's distance.

    For each synthetic row, ``d1 / d2`` where ``d1 <= d2`` are its
    distances to its two nearest training rows. A ratio near 0 means the
    row sits on one training row, far from the others: the signature of a
    memorised record, even when it is not an exact copy. Rows from the
    same distribution that were not trained on have ratios spread towards
    1. An exact copy (``d1 = 0``) has ratio 0, including when the training
    data hold the row twice.

    Parameters
    ----------
    X_synthetic : array-like of shape (n_synthetic, n_features)
        Synthetic rows.
    X_train : array-like of shape (n_train, n_features)
        The rows the generator was trained on (at least 2).
    batch_size : int, default=1024
        Rows per block on each side of the nearest-neighbour search.
    device : str or torch.device, default="cpu"
        Torch device of the search (float64 arithmetic).

    Returns
    -------
    nndr : ndarray of shape (n_synthetic,)
        Values in [0, 1].

    References
    ----------
    .. [1] D. G. Lowe, "Distinctive image features from scale-invariant
       keypoints", IJCV 60, 2004 (the ratio test).
    .. [2] Z. Qian et al., "Synthcity: facilitating innovative use cases of
       synthetic data in different data modalities", 2023 (NNDR as a
       privacy metric).

    Examples
    --------
    >>> from sklearn_reinject.metrics import nearest_neighbor_distance_ratio
    >>> X_train = [[0.0], [4.0]]
    >>> nearest_neighbor_distance_ratio([[1.0], [4.0]], X_train)
    array([0.33333333, 0.        ])
    """
    S = _rows(X_synthetic, "X_synthetic")
    R = _rows(X_train, "X_train", min_samples=2)
    _same_width(S, R, "X_train")
    d = _nearest_distances(S, R, 2, batch_size, device)
    return np.divide(d[:, 0], d[:, 1], out=np.zeros(len(d)),
                     where=d[:, 0] > 0)


@validate_params(
    {"X_synthetic": ["array-like"], "X_train": ["array-like"],
     "radius": [Interval(Real, 0, None, closed="left")], **_COMMON},
    prefer_skip_nested_validation=True)
def near_copy_share(X_synthetic, X_train, *, radius=0.0, batch_size=1024,
                    device="cpu"):
    """Share of synthetic rows within ``radius`` of some training row.

    ``radius=0`` counts exact copies. A radius in the data's own units is
    hard to choose blind; one that means something is a low percentile of
    :func:`distance_to_closest_record` of held-out real rows (how close
    real rows that were not trained on come to the training data).

    Parameters
    ----------
    X_synthetic : array-like of shape (n_synthetic, n_features)
        Synthetic rows.
    X_train : array-like of shape (n_train, n_features)
        The rows the generator was trained on.
    radius : float, default=0.0
        Euclidean distance at or below which a row counts as a copy.
    batch_size : int, default=1024
        Rows per block on each side of the nearest-neighbour search.
    device : str or torch.device, default="cpu"
        Torch device of the search (float64 arithmetic).

    Returns
    -------
    share : float
        In [0, 1].

    Examples
    --------
    >>> from sklearn_reinject.metrics import near_copy_share
    >>> near_copy_share([[0.0], [0.5], [3.0]], [[0.0], [1.0]], radius=0.5)
    0.6666666666666666
    """
    dcr = distance_to_closest_record(X_synthetic, X_train,
                                     batch_size=batch_size, device=device)
    return float(np.mean(dcr <= radius))


@validate_params(
    {"X_synthetic": ["array-like"], "X_train": ["array-like"],
     "X_holdout": ["array-like"], "random_state": ["random_state"],
     **_COMMON},
    prefer_skip_nested_validation=True)
def closer_to_training_share(X_synthetic, X_train, X_holdout, *,
                             random_state=0, batch_size=1024, device="cpu"):
    """Share of synthetic rows closer to the training data than to held-out data.

    Each synthetic row's distance to its closest training row is compared
    with its distance to its closest held-out row (real rows from the same
    distribution that the generator never saw); ties count one half. The
    larger of ``X_train`` and ``X_holdout`` is first subsampled to the
    size of the smaller, so that neither wins by having more rows. A
    generator that has learnt the distribution and not the records scores
    about 0.5; one that copies training rows scores up to 1.

    Parameters
    ----------
    X_synthetic : array-like of shape (n_synthetic, n_features)
        Synthetic rows.
    X_train : array-like of shape (n_train, n_features)
        The rows the generator was trained on.
    X_holdout : array-like of shape (n_holdout, n_features)
        Real rows from the same distribution, not trained on.
    random_state : int, RandomState instance or None, default=0
        Seed of the subsample that equalises the two sets' sizes.
    batch_size : int, default=1024
        Rows per block on each side of the nearest-neighbour search.
    device : str or torch.device, default="cpu"
        Torch device of the search (float64 arithmetic).

    Returns
    -------
    share : float
        In [0, 1]; 0.5 means no sign of memorisation.

    References
    ----------
    .. [1] SDMetrics, "DCROverfittingProtection"
       (https://docs.sdv.dev/sdmetrics): the same share, reported there
       as ``min(1, 2 * (1 - share))``.
    .. [2] M. Platzer and T. Reutterer, "Holdout-based empirical assessment
       of mixed-type synthetic data", Frontiers in Big Data 4, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_reinject.metrics import closer_to_training_share
    >>> rng = np.random.RandomState(0)
    >>> X_train, X_holdout = rng.normal(size=(2, 200, 3))
    >>> closer_to_training_share(X_train[:50], X_train, X_holdout)
    1.0
    """
    S = _rows(X_synthetic, "X_synthetic")
    T = _rows(X_train, "X_train")
    H = _rows(X_holdout, "X_holdout")
    _same_width(S, T, "X_train")
    _same_width(S, H, "X_holdout")
    rng = check_random_state(random_state)
    n = min(len(T), len(H))
    T = T[np.sort(rng.choice(len(T), n, replace=False))] if len(T) > n else T
    H = H[np.sort(rng.choice(len(H), n, replace=False))] if len(H) > n else H
    d_train = _nearest_distances(S, T, 1, batch_size, device)[:, 0]
    d_holdout = _nearest_distances(S, H, 1, batch_size, device)[:, 0]
    return float(np.mean((d_train < d_holdout)
                         + 0.5 * (d_train == d_holdout)))
