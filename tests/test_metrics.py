import numpy as np
import pytest

from sklearn_reinject.metrics import median_heuristic, mmd2_unbiased


def _mmd2_reference(X, Y, h):
    """Direct double loops of Gretton et al. (2012), eq. 3."""
    k = lambda a, b: np.exp(-np.sum((a - b) ** 2) / (2 * h * h))  # noqa
    m, n = len(X), len(Y)
    xx = sum(k(X[i], X[j]) for i in range(m) for j in range(m) if i != j)
    yy = sum(k(Y[i], Y[j]) for i in range(n) for j in range(n) if i != j)
    xy = sum(k(X[i], Y[j]) for i in range(m) for j in range(n))
    return xx / (m * (m - 1)) + yy / (n * (n - 1)) - 2 * xy / (m * n)


@pytest.mark.parametrize("h", [0.3, 1.0, 4.0])
def test_mmd_matches_reference(h):
    rng = np.random.RandomState(0)
    X, Y = rng.randn(17, 3), rng.randn(23, 3) + 0.5
    assert mmd2_unbiased(X, Y, bandwidth=h) == pytest.approx(
        _mmd2_reference(X, Y, h), abs=1e-10)


def test_mmd_is_zero_in_expectation_for_equal_distributions():
    rng = np.random.RandomState(0)
    values = [mmd2_unbiased(rng.randn(200, 2), rng.randn(200, 2))
              for _ in range(20)]
    # Unbiased: centred on 0, each estimate small against a 1-sigma shift.
    shifted = mmd2_unbiased(rng.randn(200, 2), rng.randn(200, 2) + 1.0)
    assert abs(np.mean(values)) < 0.01 * shifted
    assert max(values) < 0.1 * shifted


def test_median_heuristic_matches_direct_median():
    rng = np.random.RandomState(0)
    X = rng.randn(50, 4)
    d = [np.linalg.norm(X[i] - X[j]) for i in range(50) for j in range(i + 1,
                                                                      50)]
    assert median_heuristic(X) == pytest.approx(np.median(d), rel=1e-12)


def test_mmd_errors():
    with pytest.raises(ValueError, match="same number of features"):
        mmd2_unbiased(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="at least 2 rows"):
        mmd2_unbiased(np.zeros((1, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="'bandwidth' parameter"):
        mmd2_unbiased(np.zeros((3, 2)), np.zeros((3, 2)), bandwidth=-1.0)
