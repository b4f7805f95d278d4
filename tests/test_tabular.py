"""Tabular data: standardisation inside the sampler, and fit_resample."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_reinject import DenoisingAutoencoder, ReinjectionSampler
from sklearn_reinject.sampling._calibration import calibration_split

from ._estimators import FAST


@pytest.fixture(scope="module")
def mixed_units():
    """Two correlated features, one in units of 1, one of 1000."""
    rng = np.random.RandomState(0)
    z = rng.randn(600, 1)
    X = np.hstack([z + 0.3 * rng.randn(600, 1),
                   1000 * (z + 0.3 * rng.randn(600, 1)) + 5000])
    return X.astype(np.float32)


def _sampler(**params):
    ae = DenoisingAutoencoder(hidden_layer_sizes=(32, 8),
                              **{**FAST, "max_epochs": 30,
                                 "batch_size": 64})
    return ReinjectionSampler(ae, lam=0.1, random_state=0, **params)


def test_auto_standardises_data_outside_the_unit_interval(mixed_units):
    sampler = _sampler().fit(mixed_units)
    np.testing.assert_allclose(sampler.scaler_.mean_,
                               mixed_units.mean(0), rtol=1e-4)
    X_new = sampler.sample(2000)
    # Each feature comes back in its own units, with its spread: the
    # standard deviations of the samples are within 30% of the data's,
    # the means within 0.3 of a standard deviation.
    ratio = X_new.std(0) / mixed_units.std(0)
    assert np.all((ratio > 0.7) & (ratio < 1.3)), ratio
    shift = np.abs(X_new.mean(0) - mixed_units.mean(0)) / mixed_units.std(0)
    assert np.all(shift < 0.3), shift
    # Without standardisation the unit feature drowns in lam's noise
    # relative to its scale, or the walks collapse: measured ratios
    # far outside that band.
    # The sampler says so: one feature spreads far beyond the N(0, I)
    # start.
    from sklearn_reinject import SamplingWarning
    with pytest.warns(SamplingWarning, match="1 of 2 features"):
        raw = _sampler(standardize=False).fit(mixed_units).sample(2000)
    raw_ratio = raw.std(0) / mixed_units.std(0)
    assert not np.all((raw_ratio > 0.7) & (raw_ratio < 1.3))


def test_unit_interval_data_and_fitted_autoencoders_are_not_rescaled(
        mixed_units):
    unit = np.random.RandomState(0).rand(200, 4).astype(np.float32)
    assert not hasattr(_sampler().fit(unit), "scaler_")
    ae = DenoisingAutoencoder(hidden_layer_sizes=(8,), **FAST).fit(
        mixed_units)
    assert not hasattr(ReinjectionSampler(ae).fit(mixed_units), "scaler_")
    with pytest.raises(ValueError, match="standardize=True"):
        ReinjectionSampler(ae, standardize=True).fit(mixed_units)
    # True standardises data in [0, 1] too; a refit without drops it.
    sampler = _sampler(standardize=True).fit(unit)
    assert hasattr(sampler, "scaler_")
    assert not hasattr(sampler.set_params(standardize=False).fit(unit),
                       "scaler_")


def test_sample_chains_come_back_in_data_units(mixed_units):
    chains = _sampler().fit(mixed_units).sample_chains(300)
    assert chains.shape == (300, 8, 2)
    shift = np.abs(chains.reshape(-1, 2).mean(0) - mixed_units.mean(0))
    assert np.all(shift / mixed_units.std(0) < 0.3), shift


def test_lam_auto_calibrates_in_the_standardised_space(mixed_units):
    sampler = ReinjectionSampler(
        DenoisingAutoencoder(hidden_layer_sizes=(32, 8), **FAST),
        lam="auto", random_state=0).fit(mixed_units)
    assert sampler.lam_ in sampler.lam_grid_
    assert np.isfinite(sampler.lam_scores_).all()
    # The scaler saw the rows the autoencoder trained on, not the held-out
    # ones the calibration scores.
    trained_on, held_out = calibration_split(mixed_units, False, 0)
    np.testing.assert_allclose(sampler.scaler_.mean_,
                               trained_on.mean(0, dtype=np.float64),
                               rtol=1e-6)
    assert not np.allclose(sampler.scaler_.mean_,
                           mixed_units.mean(0, dtype=np.float64), rtol=1e-6)


def test_fit_resample_helps_classifiers_on_tabular_data():
    # The problem on which fit_resample once made LogisticRegression worse
    # than no resampling (0.58 against 0.68 balanced accuracy).
    X, y = make_classification(n_samples=2000, n_features=20,
                               n_informative=5, weights=[0.9, 0.1],
                               class_sep=0.8, random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3,
                                              stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)

    def score(clf, X_fit, y_fit):
        return balanced_accuracy_score(y_te, clf.fit(X_fit, y_fit).predict(
            X_te))

    sampler = ReinjectionSampler(DenoisingAutoencoder(device="cpu"),
                                 random_state=0)
    X_res, y_res = sampler.fit_resample(X_tr, y_tr)
    # Measured on this split: logistic 0.683 without resampling, 0.768
    # after (0.740 with match_moments=False; SMOTE 0.795); forest 0.714
    # without, 0.833 after (SMOTE 0.817).
    logistic = LogisticRegression(max_iter=2000)
    assert score(logistic, X_res, y_res) > score(logistic, X_tr, y_tr) + 0.04
    forest = RandomForestClassifier(n_estimators=200, random_state=0)
    assert score(forest, X_res, y_res) > score(forest, X_tr, y_tr) + 0.08


def test_default_sampler_does_not_warn_about_its_own_lam():
    import warnings

    from sklearn.datasets import load_digits

    from sklearn_reinject import SamplingWarning

    X = load_digits().data[:500] / 16.0
    sampler = ReinjectionSampler(DenoisingAutoencoder(device="cpu"),
                                 random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingWarning)
        sampler.sample(1000)


def test_lam_auto_scores_chain_states_whatever_the_output(mixed_units):
    # The final denoising step is applied at the calibrated lam; scored on
    # the denoised means, the smallest candidate would always win.
    fitted = [ReinjectionSampler(
        DenoisingAutoencoder(hidden_layer_sizes=(16, 4), **FAST),
        lam="auto", output=output, random_state=0).fit(mixed_units)
        for output in ("state", "mean")]
    np.testing.assert_array_equal(fitted[0].lam_scores_,
                                  fitted[1].lam_scores_)
    assert fitted[0].lam_ == fitted[1].lam_


@pytest.fixture(scope="module")
def wide_class():
    """One class of a 30-feature table, in units far from [0, 1]."""
    X, y = make_classification(n_samples=800, n_features=30,
                               n_informative=5, random_state=0)
    return (X[y == 1] * 5 + 3).astype(np.float32)


def _wide_sampler(**params):
    ae = DenoisingAutoencoder(hidden_layer_sizes=(64, 16),
                              **{**FAST, "max_epochs": 20})
    return ReinjectionSampler(ae, random_state=0, **params)


def test_match_moments_maps_samples_onto_the_data_moments(wide_class):
    matched = _wide_sampler().fit(wide_class)
    raw = _wide_sampler(match_moments=False).fit(wide_class)
    assert matched.moment_scale_.shape == matched.moment_offset_.shape == (
        30,)
    assert not hasattr(raw, "moment_scale_")
    X_m = matched.sample(5000, random_state=1)
    X_r = raw.sample(5000, random_state=1)
    sd = wide_class.std(0)
    # Same autoencoder, same walks: the matched samples are the raw ones
    # through the stored affine map (in the standardised space).
    z = raw.scaler_.transform(X_r)
    np.testing.assert_allclose(X_m, matched.scaler_.inverse_transform(
        z * matched.moment_scale_ + matched.moment_offset_), rtol=1e-4,
        atol=1e-3)
    # Measured over 4 seeds of this set-up (5,000 samples): the walks'
    # spread is off by a factor of exp(0.39) to exp(0.54) on their worst
    # feature, the matched samples' by at most exp(0.098), and their
    # means by at most 0.12 of a standard deviation.
    assert np.max(np.abs(np.log(X_r.std(0) / sd))) > 0.3
    assert np.max(np.abs(np.log(X_m.std(0) / sd))) < 0.15
    shift = np.abs(X_m.mean(0) - wide_class.mean(0)) / sd
    assert np.all(shift < 0.2), shift
    # match_moments=False after fit samples the raw walks again.
    np.testing.assert_allclose(
        matched.set_params(match_moments=False).sample(5000, random_state=1),
        X_r, rtol=1e-5, atol=1e-4)


@pytest.mark.filterwarnings("ignore::sklearn_reinject.SamplingWarning")
def test_match_moments_auto_leaves_unit_data_and_true_needs_fit():
    from sklearn.exceptions import NotFittedError
    from sklearn.utils._param_validation import InvalidParameterError

    unit = np.random.RandomState(0).rand(200, 4).astype(np.float32)
    sampler = _sampler().fit(unit)
    assert not hasattr(sampler, "moment_scale_")
    np.testing.assert_array_equal(
        sampler.sample(50, random_state=0),
        _sampler(match_moments=False).fit(unit).sample(50, random_state=0))
    ae = DenoisingAutoencoder(hidden_layer_sizes=(8,), **FAST).fit(unit)
    with pytest.raises(NotFittedError, match="match_moments=True"):
        ReinjectionSampler(ae, match_moments=True).sample(5)
    fitted = ReinjectionSampler(ae, match_moments=True,
                                random_state=0).fit(unit)
    assert fitted.moment_scale_.shape == (4,)
    # A refit that does not match drops the map of the earlier fit.
    assert not hasattr(fitted.set_params(match_moments="auto").fit(unit),
                       "moment_scale_")
    with pytest.raises(InvalidParameterError, match="'match_moments'"):
        ReinjectionSampler(ae, match_moments="yes").fit(unit)


def test_match_moments_warns_and_skips_when_the_walks_diverge(
        wide_class, monkeypatch):
    from sklearn_reinject import SamplingWarning

    sampler = _wide_sampler()

    def diverged(n_samples, rng, **params):
        return np.full((n_samples, 30), np.nan, dtype=np.float32)

    monkeypatch.setattr(sampler, "_draw", diverged)
    with pytest.warns(SamplingWarning, match="walks diverged"):
        sampler.set_params(match_moments=True).fit(wide_class)
    # The identity map: sampling goes on unmapped, without a NaN from the
    # moments of non-finite samples.
    np.testing.assert_array_equal(sampler.moment_scale_, np.ones(30))
    np.testing.assert_array_equal(sampler.moment_offset_, np.zeros(30))


def test_fit_resample_matches_each_class_s_new_rows_exactly(wide_class):
    X, y = make_classification(n_samples=600, n_features=12,
                               n_informative=4, weights=[0.85, 0.15],
                               random_state=1)
    X = X * 3 + 10
    n = len(X)
    X_res, y_res = _wide_sampler().fit_resample(X, y)
    new = X_res[n:]
    minority = X[y == 1]
    np.testing.assert_allclose(new.mean(0), minority.mean(0), rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(new.std(0), minority.std(0), rtol=1e-4)
    # The walks as they end are not the class's moments: their worst
    # feature's spread is off by exp(1.13) to exp(1.18) (4 seeds measured).
    raw = _wide_sampler(match_moments=False).fit_resample(X, y)[0][n:]
    assert np.abs(np.log(raw.std(0) / minority.std(0))).max() > 0.5


@pytest.mark.filterwarnings("ignore::sklearn_reinject.SamplingWarning")
def test_match_moments_single_row_class_gets_copies_unless_disabled():
    # A class of one row has no spread to match: the documented result is
    # copies of it; match_moments=False walks around it instead.
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(30, 3) * 5 + 10, [[1.0, 2.0, 3.0]]])
    y = np.r_[np.zeros(30), 1]
    ae = DenoisingAutoencoder(hidden_layer_sizes=(8,), **FAST)
    X_res, y_res = ReinjectionSampler(ae, random_state=0).fit_resample(X, y)
    np.testing.assert_allclose(X_res[y_res == 1], np.tile([1.0, 2.0, 3.0],
                                                          (30, 1)))
    X_res, y_res = ReinjectionSampler(ae, match_moments=False,
                                      random_state=0).fit_resample(X, y)
    # Measured over 4 seeds: the walks' spread is 0.25 to 0.41 per feature.
    assert X_res[y_res == 1].std(0).min() > 0.1
