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
    d = [np.linalg.norm(X[i] - X[j])
         for i in range(50) for j in range(i + 1, 50)]
    assert median_heuristic(X) == pytest.approx(np.median(d), rel=1e-12)


def test_mmd_errors():
    with pytest.raises(ValueError, match="same number of features"):
        mmd2_unbiased(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="at least 2 rows"):
        mmd2_unbiased(np.zeros((1, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="'bandwidth' parameter"):
        mmd2_unbiased(np.zeros((3, 2)), np.zeros((3, 2)), bandwidth=-1.0)


# --- the other sample-quality metrics --------------------------------------

import scipy.stats  # noqa: E402
from scipy import linalg  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from sklearn_reinject import (GaussianNoiseSampler,  # noqa: E402
                              LossyAutoencoder, ReinjectionSampler)
from sklearn_reinject.metrics import (  # noqa: E402
    autocorrelation, class_balance, classifier_two_sample_auc,
    effective_sample_size, energy_distance, frechet_distance,
    get_sample_scorer, mmd_permutation_test,
    precision_recall_density_coverage, sliced_wasserstein)


def _samples(shift=0.0, n=(40, 30), d=3, seed=0):
    rng = np.random.RandomState(seed)
    return rng.randn(n[0], d), rng.randn(n[1], d) + shift


def test_multiple_bandwidths_average_the_kernels():
    X, Y = _samples(0.5)
    both = mmd2_unbiased(X, Y, bandwidth=[0.5, 2.0])
    ref = (_mmd2_reference(X, Y, 0.5) + _mmd2_reference(X, Y, 2.0)) / 2
    assert both == pytest.approx(ref, abs=1e-10)


def test_mmd_permutation_test():
    X, Y = _samples(0.0, n=(30, 30))
    mmd, p_same = mmd_permutation_test(X, Y, n_permutations=200,
                                       random_state=0)
    assert mmd == pytest.approx(mmd2_unbiased(X, Y), abs=1e-10)
    X, Y = _samples(1.5, n=(30, 30))
    _, p_diff = mmd_permutation_test(X, Y, n_permutations=200,
                                     random_state=0)
    assert p_diff == pytest.approx(1 / 201)  # no relabelling beats it
    assert p_same > 0.05
    again = mmd_permutation_test(X, Y, n_permutations=50, random_state=3)
    assert again == mmd_permutation_test(X, Y, n_permutations=50,
                                         random_state=3)


def _energy_reference(X, Y):
    def mean_dist(A, B):
        return np.mean([np.linalg.norm(a - b) for a in A for b in B])
    return np.sqrt(2 * mean_dist(X, Y) - mean_dist(X, X) - mean_dist(Y, Y))


def test_energy_distance_matches_reference_and_scipy():
    X, Y = _samples(0.7)
    assert energy_distance(X, Y) == pytest.approx(_energy_reference(X, Y),
                                                  abs=1e-6)
    u, v = X[:, :1], Y[:, :1]
    assert energy_distance(u, v) == pytest.approx(
        scipy.stats.energy_distance(u.ravel(), v.ravel()), abs=1e-6)
    assert energy_distance(X, X) == pytest.approx(0.0, abs=1e-6)


def _sw_reference(X, Y, n_projections, p, seed):
    rng = np.random.RandomState(seed)
    theta = rng.standard_normal((X.shape[1], n_projections))
    theta /= np.linalg.norm(theta, axis=0, keepdims=True)
    total = 0.0
    for k in range(n_projections):
        u, v = X @ theta[:, k], Y @ theta[:, k]
        if p == 1:
            w = scipy.stats.wasserstein_distance(u, v)
        else:  # equal sizes: sorted matching is optimal
            w = np.mean(np.abs(np.sort(u) - np.sort(v)) ** p) ** (1 / p)
        total += w ** p
    return (total / n_projections) ** (1 / p)


@pytest.mark.parametrize("p, sizes", [(1, (40, 30)), (2, (40, 40)),
                                      (3, (25, 25))])
def test_sliced_wasserstein_matches_reference(p, sizes):
    X, Y = _samples(0.5, n=sizes)
    got = sliced_wasserstein(X, Y, n_projections=20, p=p, random_state=0)
    assert got == pytest.approx(_sw_reference(X, Y, 20, p, 0), abs=1e-6)


def test_sliced_wasserstein_known_values():
    X, _ = _samples(n=(50, 50))
    assert sliced_wasserstein(X, X, random_state=0) == pytest.approx(0.0)
    # A pure translation by c moves every projection by c . theta:
    # SW_2**2 = E[(c . theta)**2] = |c|**2 / d for theta uniform on the
    # sphere; with 20,000 directions the estimate is within 2%.
    c = np.array([3.0, 0.0, 4.0])
    got = sliced_wasserstein(X, X + c, n_projections=20000, random_state=0)
    assert got == pytest.approx(5.0 / np.sqrt(3), rel=0.02)


def _frechet_reference(X, Y):
    mu1, mu2 = X.mean(0), Y.mean(0)
    S1, S2 = np.cov(X, rowvar=False), np.cov(Y, rowvar=False)
    covmean = np.real(linalg.sqrtm(S1 @ S2))
    return np.sum((mu1 - mu2) ** 2) + np.trace(S1 + S2 - 2 * covmean)


def test_frechet_distance_matches_reference_and_known_values():
    X, Y = _samples(0.3, n=(60, 50), d=4)
    Y = Y * np.array([1.0, 2.0, 0.5, 1.0])
    assert frechet_distance(X, Y) == pytest.approx(_frechet_reference(X, Y),
                                                   abs=1e-6)
    shift = np.array([1.0, -2.0, 0.0, 0.5])
    assert frechet_distance(X, X + shift) == pytest.approx(
        np.sum(shift ** 2), abs=1e-6)
    # In a transformer's feature space.
    pca = PCA(2).fit(X)
    assert frechet_distance(X, Y, transformer=pca) == pytest.approx(
        _frechet_reference(pca.transform(X), pca.transform(Y)), abs=1e-6)


def _prdc_reference(real, fake, k):
    def radii(A):
        D = np.linalg.norm(A[:, None] - A[None], axis=-1)
        return np.sort(D, axis=1)[:, k]
    rr, rf = radii(real), radii(fake)
    D = np.linalg.norm(fake[:, None] - real[None], axis=-1)  # fake x real
    inside = D <= rr[None]
    return {"precision": inside.any(1).mean(),
            "recall": (D.T <= rf[None]).any(1).mean(),
            "density": inside.sum(1).mean() / k,
            "coverage": inside.any(0).mean()}


def test_prdc_matches_reference_with_small_chunks():
    real, fake = _samples(0.8, n=(70, 50))
    got = precision_recall_density_coverage(real, fake, k=4, chunk_size=7)
    ref = _prdc_reference(real, fake, 4)
    for key in ref:
        assert got[key] == pytest.approx(ref[key], abs=1e-12)


def test_prdc_identical_sets():
    real, _ = _samples(n=(60, 60))
    got = precision_recall_density_coverage(real, real, k=5)
    assert got["precision"] == got["recall"] == got["coverage"] == 1.0
    assert got["density"] >= 1.0


def test_classifier_two_sample_auc():
    X, Y = _samples(0.0, n=(200, 200))
    auc_same = classifier_two_sample_auc(X, Y, random_state=0)
    X, Y = _samples(2.0, n=(200, 200))
    auc_diff = classifier_two_sample_auc(X, Y, random_state=0)
    assert abs(auc_same - 0.5) < 0.1
    assert auc_diff > 0.95
    assert auc_diff == classifier_two_sample_auc(X, Y, random_state=0)


def test_class_balance():
    class Teacher:
        classes_ = np.array([0, 1, 2, 3])

        def predict(self, X):
            return np.asarray(X)[:, 0].astype(int)

    uniform = class_balance(Teacher(), np.repeat(np.arange(4), 5)[:, None])
    assert uniform["normalized_entropy"] == pytest.approx(1.0)
    assert uniform["min_share"] == 0.25
    collapsed = class_balance(Teacher(), np.zeros((10, 1)))
    assert collapsed["entropy"] == 0.0 and collapsed["min_share"] == 0.0
    np.testing.assert_array_equal(collapsed["shares"], [1, 0, 0, 0])


def _ar1_chains(phi, n_walks=200, n_steps=400, seed=0):
    rng = np.random.RandomState(seed)
    x = np.zeros((n_walks, n_steps, 1))
    x[:, 0, 0] = rng.randn(n_walks) / np.sqrt(1 - phi ** 2)
    for t in range(1, n_steps):
        x[:, t, 0] = phi * x[:, t - 1, 0] + rng.randn(n_walks)
    return x


def test_autocorrelation_and_ess_of_ar1():
    phi = 0.5
    C = _ar1_chains(phi)
    acf = autocorrelation(C, max_lag=3).mean(0)
    # rho_t = phi**t; per-walk estimates of 400 steps are biased by about
    # -(1 + phi) / ((1 - phi) * n) ~ -0.0075.
    np.testing.assert_allclose(acf, phi ** np.arange(4), atol=0.02)
    ess = effective_sample_size(C).mean()
    # ESS = n (1 - phi) / (1 + phi) = 133 for phi = 0.5.
    assert ess == pytest.approx(400 / 3, rel=0.1)
    white = effective_sample_size(_ar1_chains(0.0)).mean()
    assert white == pytest.approx(400, rel=0.1)


# Large lam (or 1-epoch autoencoders) on purpose: the warning is expected.
@pytest.mark.filterwarnings("ignore::sklearn_reinject.SamplingWarning")
def test_sample_scorers_in_grid_search(digits):
    ae = LossyAutoencoder(hidden_layer_sizes=(32,), loss="bce",
                          max_epochs=15, device="cpu",
                          random_state=0).fit(digits[0])
    for name in ("neg_mmd2", "neg_sliced_wasserstein",
                 "neg_energy_distance", "neg_frechet_distance"):
        search = GridSearchCV(ReinjectionSampler(FrozenEstimator(ae)),
                              {"lam": [0.01, 100.0]}, cv=2,
                              scoring=get_sample_scorer(name)).fit(digits[0])
        # lam=100 buries the samples under noise of std 10.
        assert search.best_params_["lam"] == 0.01, name
    scorer = get_sample_scorer("neg_mmd2")
    noise = GaussianNoiseSampler().fit(digits[0])
    assert scorer(noise, digits[1]) == scorer(noise, digits[1])
    with pytest.raises(ValueError, match="Unknown sample scorer"):
        get_sample_scorer("accuracy")


def test_sample_chains_shape_and_order(digits):
    ae = LossyAutoencoder(hidden_layer_sizes=(16,), max_epochs=2,
                          device="cpu", random_state=0).fit(digits[0])
    sampler = ReinjectionSampler(ae, n_steps=12, burn_in=2, n_chains=7,
                                 random_state=0)
    chains = sampler.sample_chains(20)
    assert chains.shape == (20, 10, 64)
    flat = ReinjectionSampler(ae, n_steps=12, burn_in=2, n_chains=7,
                              random_state=0)
    assert np.isfinite(chains).all()
    assert effective_sample_size(chains).shape == (20,)
    with pytest.raises(ValueError, match="'n_walks' parameter"):
        flat.sample_chains(0)


@pytest.mark.parametrize("name, kwargs, param", [
    ("sliced_wasserstein", {"n_projections": 0}, "n_projections"),
    ("sliced_wasserstein", {"p": 0.5}, "p"),
    ("mmd_permutation_test", {"n_permutations": 0}, "n_permutations"),
    ("mmd2_unbiased", {"bandwidth": "scott"}, "bandwidth"),
    ("precision_recall_density_coverage", {"k": 0}, "k"),
    ("classifier_two_sample_auc", {"cv": 1}, "cv"),
    ("energy_distance", {"device": 3}, "device"),
    ("frechet_distance", {"transformer": "pca"}, "transformer"),
])
def test_metric_parameters_are_validated(name, kwargs, param):
    from sklearn_reinject import metrics

    X = np.random.RandomState(0).rand(20, 3)
    with pytest.raises(ValueError, match=f"'{param}' parameter of {name}"):
        getattr(metrics, name)(X, X + 1, **kwargs)
