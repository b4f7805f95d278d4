"""Toy problems of Alain & Bengio (2014) and densities with known score."""

from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.utils import check_random_state

from ..utils._compat import Interval, validate_params


@validate_params(
    {"n_samples": [Interval(Integral, 1, None, closed="left")],
     "noise": [Interval(Real, 0, None, closed="left")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True)
def make_spiral(n_samples=1000, *, noise=0.0, random_state=None):
    """Points on the 2-D spiral of Alain & Bengio (2014, Figure 5).

    ``t ~ U(3, 12)``, ``x = 0.04 t sin t``, ``y = 0.04 t cos t``, plus
    optional isotropic Gaussian noise. (Without the factor ``t`` the curve
    would be a circle of radius 0.04, not a spiral.)

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points.
    noise : float, default=0.0
        Std of the Gaussian noise added to each coordinate.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The points.
    t : ndarray of shape (n_samples,)
        Their curve parameter.
    """
    rng = check_random_state(random_state)
    t = rng.uniform(3, 12, n_samples)
    X = 0.04 * t[:, None] * np.column_stack([np.sin(t), np.cos(t)])
    return X + noise * rng.randn(n_samples, 2), t


@validate_params(
    {"n_samples": [Interval(Integral, 1, None, closed="left")],
     "n_features": [Interval(Integral, 2, None, closed="left")],
     "noise": [Interval(Real, 0, None, closed="left")],
     "random_state": ["random_state"],
     "embedding_seed": [Interval(Integral, 0, None, closed="left")]},
    prefer_skip_nested_validation=True)
def make_curve_manifold(n_samples=1000, *, n_features=10, noise=0.05,
                        random_state=None, embedding_seed=0):
    """A density concentrated near a 1-D curve embedded in ``n_features``-D.

    The curve is ``e(t)_j = cos(w_j t + phi_j)`` for ``t ~ U(0, 2 pi)``, with
    integer frequencies ``w_j`` in 1..3 and phases fixed by
    ``embedding_seed`` (so that every call shares the same curve), plus
    isotropic Gaussian noise of std ``noise``: the 10-D toy problem of Alain
    & Bengio (2014, Figure 6).

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points.
    n_features : int, default=10
        Ambient dimension.
    noise : float, default=0.05
        Std of the noise around the curve.
    random_state : int, RandomState instance or None, default=None
        Seed of the points.
    embedding_seed : int, default=0
        Seed of the curve's frequencies and phases.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The points.
    t : ndarray of shape (n_samples,)
        Their curve parameter.
    """
    emb = np.random.RandomState(embedding_seed)
    w = emb.randint(1, 4, n_features)
    phi = emb.uniform(0, 2 * np.pi, n_features)
    rng = check_random_state(random_state)
    t = rng.uniform(0, 2 * np.pi, n_samples)
    X = np.cos(t[:, None] * w + phi)
    return X + noise * rng.randn(n_samples, n_features), t


class IsotropicGaussianMixture:
    """A mixture of isotropic Gaussians with exact log-density and score.

    For tests and examples: ``sample``, ``log_pdf`` and ``score`` (the
    gradient of the log-density) are exact.

    Parameters
    ----------
    means : array-like of shape (n_components, n_features)
        Component means.
    stds : float or array-like of shape (n_components,), default=1.0
        Component standard deviations.
    weights : array-like of shape (n_components,), default=None
        Mixing weights (uniform by default); normalised to sum to 1.

    Examples
    --------
    >>> from sklearn_reinject.datasets import IsotropicGaussianMixture
    >>> gm = IsotropicGaussianMixture([[-2, 0], [2, 0]], stds=0.5)
    >>> gm.sample(3, random_state=0).shape
    (3, 2)
    >>> float(abs(gm.score([[2.0, 0.0]])).max()) < 1e-6  # a mode
    True
    """

    def __init__(self, means, stds=1.0, weights=None):
        self.means = np.atleast_2d(np.asarray(means, dtype=np.float64))
        k = len(self.means)
        self.stds = np.broadcast_to(np.asarray(stds, dtype=np.float64),
                                    (k,)).copy()
        w = np.full(k, 1.0 / k) if weights is None else np.asarray(
            weights, dtype=np.float64)
        if (self.stds <= 0).any() or (w < 0).any() or len(w) != k:
            raise ValueError(
                "stds must be > 0 and weights non-negative, one per "
                f"component ({k}). Got stds={stds!r}, weights={weights!r}.")
        self.weights = w / w.sum()

    @property
    def n_features(self):
        return self.means.shape[1]

    def sample(self, n_samples, random_state=None):
        """Draw ``n_samples`` points; returns shape (n_samples, n_features)."""
        rng = check_random_state(random_state)
        comp = rng.choice(len(self.weights), size=n_samples, p=self.weights)
        return self.means[comp] + self.stds[comp, None] * rng.randn(
            n_samples, self.n_features)

    def _log_components(self, X):
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        d = self.n_features
        sq = ((X[:, None, :] - self.means[None]) ** 2).sum(-1)
        return (np.log(self.weights) - 0.5 * sq / self.stds ** 2
                - d * np.log(self.stds) - 0.5 * d * np.log(2 * np.pi)), X

    def log_pdf(self, X):
        """Exact log-density at each row of ``X``."""
        logc, _ = self._log_components(X)
        return logsumexp(logc, axis=1)

    def score(self, X):
        """Exact ``grad log p`` at each row of ``X``."""
        logc, X = self._log_components(X)
        resp = np.exp(logc - logsumexp(logc, axis=1, keepdims=True))
        # grad log p = sum_k r_k (mu_k - x) / s_k^2
        diff = self.means[None] - X[:, None, :]
        return np.einsum("nk,nkd->nd", resp / self.stds ** 2, diff)

    def hessian(self, X):
        """Exact Hessian of ``log p`` at each row; shape (n, d, d)."""
        logc, X = self._log_components(X)
        resp = np.exp(logc - logsumexp(logc, axis=1, keepdims=True))
        d = self.n_features
        g_k = (self.means[None] - X[:, None, :]) / self.stds[None, :, None] ** 2
        score = np.einsum("nk,nkd->nd", resp, g_k)
        second = np.einsum("nk,nkd,nke->nde", resp, g_k, g_k)
        second -= np.einsum("nk,k->n", resp, 1 / self.stds ** 2)[:, None,
                                                                 None] \
            * np.eye(d)[None]
        return second - np.einsum("nd,ne->nde", score, score)
