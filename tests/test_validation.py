"""Bad input gets a clear scikit-learn-style error that names what was wrong."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError

from ._estimators import all_estimators

ESTIMATORS = all_estimators()
IDS = [f"{type(e).__name__}-{i}" for i, e in enumerate(ESTIMATORS)]
# A list: pytest 9 deprecates iterators as parametrize values.
CASES = list(zip(ESTIMATORS, IDS))
HYPO = settings(max_examples=15, deadline=None)


def _fit(est, X, y):
    return est.fit(X, y) if is_classifier(est) else est.fit(X)


def _data(n=40, d=4, seed=0):
    rng = np.random.RandomState(seed)
    return rng.rand(n, d), np.arange(n) % 2


@pytest.fixture(scope="module")
def fitted():
    X, y = _data()
    fitted = {i: _fit(clone(e), X, y) for i, e in zip(IDS, ESTIMATORS)}
    # Also by class name (the first instance of each class).
    for i in reversed(IDS):
        fitted[i.split("-")[0]] = fitted[i]
    return fitted


def _call(est, method, X):
    if method == "score" and is_classifier(est):
        return est.score(X, np.arange(len(X)) % 2)
    return getattr(est, method)(X)


def _after_fit_methods(est):
    names = ("transform", "reconstruct", "score", "predict", "predict_proba")
    return [n for n in names if hasattr(est, n)]


@st.composite
def non_finite_matrices(draw, d=None):
    n = draw(st.integers(2, 12))
    d = draw(st.integers(1, 5)) if d is None else d
    X = draw(arrays(np.float64, (n, d),
                    elements=st.floats(0, 1, allow_nan=False)))
    bad = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, d - 1))
    X[i, j] = bad
    return X


@pytest.mark.parametrize("estimator, key", CASES, ids=IDS)
@HYPO
@given(X=non_finite_matrices())
def test_non_finite_X_is_rejected_in_fit(estimator, key, X):
    y = np.arange(len(X)) % 2
    with pytest.raises(ValueError, match=r"Input X contains (NaN|infinity)"):
        _fit(clone(estimator), X, y)


@pytest.mark.parametrize("estimator, key", CASES, ids=IDS)
@HYPO
@given(X=non_finite_matrices(d=4))
def test_non_finite_X_is_rejected_after_fit(estimator, key, fitted, X):
    est = fitted[key]
    for method in _after_fit_methods(est):
        with pytest.raises(ValueError, match="Input X contains"):
            _call(est, method, X)


@pytest.mark.parametrize("estimator, key", CASES, ids=IDS)
@HYPO
@given(d=st.integers(1, 9).filter(lambda d: d != 4),
       n=st.integers(2, 6))
def test_wrong_number_of_features(estimator, key, fitted, d, n):
    est = fitted[key]
    X = np.random.RandomState(0).rand(n, d)
    for method in _after_fit_methods(est):
        with pytest.raises(ValueError,
                           match=f"X has {d} features, but .* is expecting 4"):
            _call(est, method, X)


@pytest.mark.parametrize("estimator, key", CASES, ids=IDS)
@HYPO
@given(X=arrays(np.float64, st.integers(1, 20),
                elements=st.floats(0, 1)))
def test_one_dimensional_X(estimator, key, X):
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        _fit(clone(estimator), X, np.arange(len(X)) % 2)


@pytest.mark.parametrize("estimator, key", CASES, ids=IDS)
def test_empty_X(estimator, key):
    with pytest.raises(ValueError, match="0 sample"):
        _fit(clone(estimator), np.empty((0, 3)), np.empty(0))


@pytest.mark.parametrize("estimator, key", CASES, ids=IDS)
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_X(estimator, key, fmt):
    X = sp.random(10, 4, density=0.5, format=fmt, random_state=0)
    with pytest.raises(TypeError, match="Sparse data was passed for X"):
        _fit(clone(estimator), X, np.arange(10) % 2)


@pytest.mark.parametrize("estimator, key", CASES, ids=IDS)
@HYPO
@given(dtype=st.sampled_from([np.float64, np.float32, np.int64, np.bool_]))
def test_numeric_dtypes_are_accepted(estimator, key, dtype):
    X, y = _data(n=20)
    X = (X > 0.5).astype(dtype) if dtype in (np.int64, np.bool_) else \
        X.astype(dtype)
    _fit(clone(estimator), X, y)


@pytest.mark.parametrize("estimator, key", CASES, ids=IDS)
def test_object_strings_are_rejected(estimator, key):
    X = np.array([["a", "b"], ["c", "d"], ["e", "f"]], dtype=object)
    with pytest.raises(ValueError, match="could not convert|Unable to convert"):
        _fit(clone(estimator), X, np.array([0, 1, 0]))


@pytest.mark.parametrize("estimator, key", CASES, ids=IDS)
def test_use_before_fit(estimator, key):
    X, _ = _data(n=5)
    est = clone(estimator)
    methods = _after_fit_methods(est) + (["sample"] if hasattr(est, "sample")
                                         else [])
    for method in methods:
        with pytest.raises(NotFittedError):
            _call(est, method, 5 if method == "sample" else X)


@HYPO
@given(n_samples=st.one_of(st.integers(max_value=0), st.floats(),
                           st.booleans(), st.text(max_size=3)))
def test_bad_n_samples_on_every_sampler(fitted, n_samples):
    for name in ("ReinjectionSampler", "GaussianNoiseSampler",
                 "LossyAutoencoder", "DenoisingAutoencoder"):
        with pytest.raises(ValueError, match="'n_samples' parameter must be "
                                             "an int >= 1"):
            fitted[name].sample(n_samples)


@HYPO
@given(lam=st.one_of(st.floats(max_value=0.0, allow_nan=False),
                     st.just(float("nan")), st.text(max_size=3)))
def test_bad_lam(fitted, lam):
    sampler = clone(fitted["ReinjectionSampler"]).set_params(lam=lam)
    with pytest.raises(ValueError, match="'lam' parameter"):
        sampler.fit(_data()[0])


@HYPO
@given(value=st.one_of(st.floats(max_value=0.0, allow_nan=False),
                       st.floats(min_value=1.0, exclude_min=True),
                       st.just(float("nan")), st.text(max_size=3)))
def test_bad_step_fraction(fitted, value):
    sampler = clone(fitted["ReinjectionSampler"]).set_params(
        step_fraction=value)
    with pytest.raises(ValueError, match="'step_fraction' parameter"):
        sampler.fit(_data()[0])


def test_step_fraction_is_refused_with_metropolis_hastings(fitted):
    sampler = clone(fitted["ReinjectionSampler"]).set_params(
        method="mh", step_fraction=0.5)
    with pytest.raises(ValueError, match="'step_fraction' parameter applies "
                                         "to method='reinject' only.*Got "
                                         "step_fraction=0.5"):
        sampler.fit(_data()[0])


@HYPO
@given(n_steps=st.integers(1, 12), extra=st.integers(0, 5))
def test_burn_in_not_below_n_steps(fitted, n_steps, extra):
    sampler = clone(fitted["ReinjectionSampler"]).set_params(
        n_steps=n_steps, burn_in=n_steps + extra)
    with pytest.raises(ValueError, match="'burn_in' parameter must be smaller"):
        sampler.fit(_data()[0])


@HYPO
@given(param=st.sampled_from(["lr", "max_epochs", "batch_size",
                              "weight_decay"]),
       value=st.one_of(st.integers(-5, 0), st.floats(-1.0, 0.0),
                       st.just(float("nan")), st.text(max_size=2)))
def test_bad_training_parameters_are_named(param, value):
    from sklearn_reinject import LossyAutoencoder

    # Zero weight decay is valid.
    assume(not (param == "weight_decay" and not isinstance(value, str)
                and value == 0))
    est = LossyAutoencoder(max_epochs=1, device="cpu").set_params(
        **{param: value})
    with pytest.raises((ValueError, TypeError), match=f"'{param}' parameter"):
        est.fit(_data()[0])


@pytest.mark.parametrize("name", ["LossyAutoencoder", "ReinjectionSampler"])
@pytest.mark.parametrize("value", ["float64", "bf16", 16, None])
def test_bad_precision_is_named(fitted, name, value):
    est = clone(fitted[name]).set_params(precision=value)
    with pytest.raises(ValueError, match="'precision' parameter"):
        est.fit(_data()[0])


def test_divergence_names_the_epoch_and_the_scale_of_x():
    # Wine's raw features reach 1,680 (proline): a VAE's log-variance
    # overflows in its first epoch. The error used to print the whole loss
    # curve, hundreds of nans.
    from sklearn.datasets import load_wine
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_reinject import TrainingDivergedError, VariationalAutoencoder

    X, _ = load_wine(return_X_y=True)
    vae = VariationalAutoencoder(max_epochs=3, device="cpu", random_state=0)
    with pytest.raises(TrainingDivergedError,
                       match=r"non-finite in the first epoch\. X's values "
                             r"span 0\.13 to 1680; .*StandardScaler") as info:
        vae.fit(X)
    assert "nan" not in str(info.value)
    make_pipeline(StandardScaler(), vae).fit(X)
    assert np.isfinite(vae.loss_curve_).all()


def test_divergence_in_partial_fit_names_its_epoch():
    from sklearn.datasets import load_iris

    from sklearn_reinject import SoftTargetClassifier, TrainingDivergedError

    X, y = load_iris(return_X_y=True)
    # Adam's first step moves every weight by about lr: the second epoch's
    # activations overflow.
    clf = SoftTargetClassifier(lr=1e30, batch_size=256, device="cpu",
                               random_state=0)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(TrainingDivergedError,
                       match=r"non-finite in epoch 2 of 2 \(epoch 1: "
                             r"[0-9.]+\)\. X's values span 0\.1 to 7\.9;"):
        clf.partial_fit(X, y)
