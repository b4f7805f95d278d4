"""Precision/recall/density/coverage, classifier two-sample test, balance."""

from numbers import Integral

import numpy as np
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.utils import check_array

from ..utils._compat import HasMethods, Interval, validate_params
from ._mmd import _pair_arrays


def _kth_neighbour_radii(A, k, chunk_size):
    """Distance from each row of ``A`` to its k-th nearest other row."""
    radii = torch.empty(len(A), dtype=A.dtype, device=A.device)
    for i in range(0, len(A), chunk_size):
        d = torch.cdist(A[i:i + chunk_size], A)
        # The smallest distance is the row to itself (0): take the (k+1)-th.
        radii[i:i + chunk_size] = d.kthvalue(k + 1, dim=1).values
    return radii


@validate_params(
    {"real": ["array-like"], "fake": ["array-like"],
     "k": [Interval(Integral, 1, None, closed="left")],
     "chunk_size": [Interval(Integral, 1, None, closed="left")],
     "device": [str, torch.device]},
    prefer_skip_nested_validation=True)
def precision_recall_density_coverage(real, fake, *, k=5, chunk_size=1024,
                                      device="cpu"):
    """Precision, recall, density and coverage of Naeem et al. (2020).

    Each sample's k-nearest-neighbour ball (radius: distance to its k-th
    nearest neighbour within its own set) approximates the support:

    - precision: share of fake samples inside some real ball;
    - recall: share of real samples inside some fake ball;
    - density: mean number of real balls containing a fake sample, divided
      by ``k`` (about 1 when the distributions match; it rewards fake
      samples in dense real regions);
    - coverage: share of real samples whose ball contains a fake sample.

    Distances are computed ``chunk_size`` rows at a time, so memory is
    ``O(chunk_size * n)``.

    Parameters
    ----------
    real : array-like of shape (n_real, n_features)
        Real samples.
    fake : array-like of shape (n_fake, n_features)
        Synthetic samples.
    k : int, default=5
        Neighbours defining the balls.
    chunk_size : int, default=1024
        Rows per block of the distance computations.
    device : str, default="cpu"
        Torch device (float64).

    Returns
    -------
    scores : dict
        ``precision``, ``recall``, ``density``, ``coverage`` (floats).
    """
    R, F = _pair_arrays(real, fake, device)
    if k >= min(len(R), len(F)):
        raise ValueError(
            "The 'k' parameter must be an int in [1, min(n_real, n_fake)). "
            f"Got {k!r} with {len(R)} real and {len(F)} fake rows.")
    r_real = _kth_neighbour_radii(R, k, chunk_size)
    r_fake = _kth_neighbour_radii(F, k, chunk_size)
    in_real_balls = torch.zeros(len(F), dtype=R.dtype, device=R.device)
    real_covered = torch.zeros(len(R), dtype=torch.bool, device=R.device)
    for i in range(0, len(F), chunk_size):
        d = torch.cdist(F[i:i + chunk_size], R)  # fake x real
        inside = d <= r_real[None, :]
        in_real_balls[i:i + chunk_size] = inside.sum(1).to(R.dtype)
        real_covered |= inside.any(0)
    real_in_fake = torch.zeros(len(R), dtype=torch.bool, device=R.device)
    for i in range(0, len(R), chunk_size):
        d = torch.cdist(R[i:i + chunk_size], F)
        real_in_fake[i:i + chunk_size] = (d <= r_fake[None, :]).any(1)
    return {
        "precision": float((in_real_balls > 0).double().mean()),
        "recall": float(real_in_fake.double().mean()),
        "density": float(in_real_balls.mean() / k),
        "coverage": float(real_covered.double().mean()),
    }


@validate_params(
    {"real": ["array-like"], "fake": ["array-like"],
     "classifier": [HasMethods(["fit", "predict_proba"]), None],
     "cv": [Interval(Integral, 2, None, closed="left")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True)
def classifier_two_sample_auc(real, fake, *, classifier=None, cv=5,
                              random_state=None):
    """Cross-validated ROC AUC of a classifier telling real from fake.

    0.5 means the classifier cannot tell them apart; 1.0 that it always
    can. The AUC is computed from out-of-fold predicted probabilities
    (``cross_val_predict(..., method="predict_proba")``), not hard labels.

    Parameters
    ----------
    real : array-like of shape (n_real, n_features)
        Real samples (label 0).
    fake : array-like of shape (n_fake, n_features)
        Synthetic samples (label 1).
    classifier : classifier with predict_proba, default=None
        ``None`` means ``LogisticRegression(max_iter=1000)``; pass a
        stronger one (gradient boosting, an MLP) for subtle differences.
    cv : int, default=5
        Stratified folds.
    random_state : int, RandomState instance or None, default=None
        Seed of the fold shuffling (and of the classifier if it has one).

    Returns
    -------
    auc : float
        Out-of-fold ROC AUC.
    """
    real = check_array(real, input_name="real")
    fake = check_array(fake, input_name="fake")
    X = np.concatenate([real, fake])
    y = np.r_[np.zeros(len(real)), np.ones(len(fake))]
    clf = clone(classifier) if classifier is not None else LogisticRegression(
        max_iter=1000)
    if "random_state" in clf.get_params() and \
            clf.get_params()["random_state"] is None:
        clf.set_params(random_state=random_state)
    folds = StratifiedKFold(cv, shuffle=True, random_state=random_state)
    proba = cross_val_predict(clf, X, y, cv=folds, method="predict_proba")
    return float(roc_auc_score(y, proba[:, 1]))


@validate_params(
    {"teacher": [HasMethods(["predict"])], "X": ["array-like"]},
    prefer_skip_nested_validation=True)
def class_balance(teacher, X):
    """How a teacher's labels of synthetic samples spread over its classes.

    Parameters
    ----------
    teacher : fitted classifier
        Labels ``X`` (``predict``).
    X : array-like of shape (n_samples, n_features)
        Synthetic samples.

    Returns
    -------
    balance : dict
        ``shares`` (array over ``teacher.classes_``), ``entropy`` (nats),
        ``normalized_entropy`` (entropy / log(n_classes): 1 for a uniform
        spread, 0 when every sample gets one class) and ``min_share`` (the
        share of the rarest class).
    """
    classes = np.asarray(teacher.classes_)
    pred = np.asarray(teacher.predict(X))
    shares = np.array([np.mean(pred == c) for c in classes])
    nz = shares[shares > 0]
    entropy = float(-(nz * np.log(nz)).sum())
    return {"shares": shares, "entropy": entropy,
            "normalized_entropy": entropy / np.log(len(classes))
            if len(classes) > 1 else 1.0,
            "min_share": float(shares.min())}


@validate_params(
    {"chains": ["array-like"],
     "max_lag": [Interval(Integral, 0, None, closed="left"), None]},
    prefer_skip_nested_validation=True)
def autocorrelation(chains, max_lag=None):
    """Autocorrelation of each walk at lags 0..max_lag, averaged over features.

    Parameters
    ----------
    chains : array-like of shape (n_walks, n_steps, n_features)
        States of each walk, as returned by
        :meth:`~sklearn_reinject.ReinjectionSampler.sample_chains`.
    max_lag : int, default=None
        Largest lag; ``None`` means ``n_steps - 1``.

    Returns
    -------
    acf : ndarray of shape (n_walks, max_lag + 1)
        ``acf[:, 0] == 1``. Features that are constant along a walk are
        left out of its average.
    """
    C = np.asarray(chains, dtype=np.float64)
    if C.ndim != 3:
        raise ValueError("chains must have shape (n_walks, n_steps, "
                         f"n_features). Got shape {C.shape}.")
    n_steps = C.shape[1]
    max_lag = n_steps - 1 if max_lag is None else int(max_lag)
    if not 0 <= max_lag < n_steps:
        raise ValueError(f"The 'max_lag' parameter must be in [0, "
                         f"{n_steps - 1}]. Got {max_lag!r}.")
    D = C - C.mean(axis=1, keepdims=True)
    var = (D ** 2).mean(axis=1)  # (walks, features)
    acf = np.empty((C.shape[0], max_lag + 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        for lag in range(max_lag + 1):
            cov = (D[:, :n_steps - lag] * D[:, lag:]).sum(axis=1) / n_steps
            rho = cov / var
            acf[:, lag] = np.nanmean(np.where(var > 0, rho, np.nan), axis=1)
    return acf


@validate_params(
    {"chains": ["array-like"]},
    prefer_skip_nested_validation=True)
def effective_sample_size(chains):
    """Effective sample size of each walk (Geyer's initial positive sequence).

    ``n_steps / tau`` with ``tau = -1 + 2 sum_k (rho_2k + rho_2k+1)``, the
    sum running over the pairs of autocorrelations (from
    :func:`autocorrelation`) while the pair sums stay positive (Geyer,
    1992). For independent states ``tau`` is 1 and the ESS is ``n_steps``.

    Parameters
    ----------
    chains : array-like of shape (n_walks, n_steps, n_features)
        States of each walk.

    Returns
    -------
    ess : ndarray of shape (n_walks,)
        The effective sample size of each walk.
    """
    acf = autocorrelation(chains)
    n_steps = acf.shape[1]
    ess = np.empty(len(acf))
    for w, rho in enumerate(acf):
        total = 0.0
        for t in range(0, n_steps - 1, 2):
            pair = rho[t] + rho[t + 1]
            if not pair > 0:
                break
            total += pair
        tau = max(-1.0 + 2.0 * total, 1.0 / n_steps)
        ess[w] = n_steps / tau
    return ess
