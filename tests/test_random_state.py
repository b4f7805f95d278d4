"""One random_state story: sample, iter_samples, fit_resample, diagnostics."""

import numpy as np
import pytest
import torch
from joblib import parallel_config

import sklearn_reinject.sampling._base as sampler_base
from sklearn_reinject import (DenoisingAutoencoder, GaussianNoiseSampler,
                              MultiScaleDenoisingAutoencoder,
                              ReinjectionSampler)

from ._estimators import small_autoencoder


def _rows(X):
    """Rows in lexicographic order: the same set whatever their order."""
    return X[np.lexsort(X.T[::-1])]


@pytest.fixture(scope="module")
def data():
    return np.random.RandomState(0).rand(120, 5).astype(np.float32)


@pytest.mark.parametrize("make", [
    lambda: ReinjectionSampler(small_autoencoder(), n_chains=7),
    lambda: ReinjectionSampler(small_autoencoder(), method="mh", n_steps=4,
                               burn_in=1, n_chains=7),
    lambda: ReinjectionSampler(MultiScaleDenoisingAutoencoder(
        hidden_layer_sizes=(8,), n_noise_levels=3, max_epochs=2,
        device="cpu", random_state=0), n_steps=3, burn_in=1),
    lambda: GaussianNoiseSampler(),
], ids=["reinject", "mh", "annealed", "noise"])
def test_sample_and_iter_samples_give_the_same_rows(make, data):
    sampler = make().fit(data)
    for seed in (0, 1):
        sampled = sampler.sample(100, random_state=seed)
        streamed = np.concatenate(list(sampler.iter_samples(
            100, random_state=seed)))
        np.testing.assert_array_equal(_rows(sampled), _rows(streamed))
    assert not np.array_equal(_rows(sampler.sample(100, random_state=0)),
                              _rows(sampler.sample(100, random_state=1)))


def test_sampling_writes_nothing_on_the_sampler(data):
    sampler = ReinjectionSampler(small_autoencoder(), method="mh", n_steps=4,
                                 burn_in=1, random_state=0).fit(data)
    before = set(vars(sampler))
    sampler.sample(50)
    list(sampler.iter_samples(50))
    sampler.sample_chains(5)
    _, diagnostics = sampler.sample_chains(5, return_diagnostics=True)
    assert set(vars(sampler)) == before
    assert diagnostics.walk_acceptance_rates.shape == (5,)
    assert diagnostics.acceptance_rate == pytest.approx(
        diagnostics.walk_acceptance_rates.mean())
    assert diagnostics.network_evaluations_per_step == 3


def test_reinjection_diagnostics(data):
    sampler = ReinjectionSampler(small_autoencoder(), n_steps=4, burn_in=1,
                                 random_state=0).fit(data)
    chains, diagnostics = sampler.sample_chains(6, return_diagnostics=True)
    np.testing.assert_array_equal(chains, sampler.sample_chains(6))
    assert diagnostics.network_evaluations_per_step == 1
    assert diagnostics.acceptance_rate is None


def _imbalanced(data):
    X = np.concatenate([data, data[:20], data[:20]])
    y = np.repeat([0, 1, 2], [120, 20, 20])
    return X, y


def test_fit_resample_uses_distinct_seeds_per_class(data, monkeypatch):
    seen = []
    real = sampler_base._fit_sample_class

    def recording(sampler, label, X_class, n_new, fit_seed, sample_seed):
        rows = real(sampler, label, X_class, n_new, fit_seed, sample_seed)
        seen.append((fit_seed, sample_seed,
                     sampler.autoencoder_.random_state))
        return rows

    monkeypatch.setattr(sampler_base, "_fit_sample_class", recording)
    X, y = _imbalanced(data)
    X_res, y_res = ReinjectionSampler(small_autoencoder(random_state=None),
                                      random_state=0).fit_resample(X, y)
    assert len(seen) == 2
    seeds = [s for triple in seen for s in triple]
    assert len(set(seeds)) == len(seeds)
    # Classes 1 and 2 hold the same rows; their new rows still differ.
    assert not np.allclose(X_res[y_res == 1][20:], X_res[y_res == 2][20:])


def test_fit_resample_does_not_depend_on_n_jobs(data):
    X, y = _imbalanced(data)
    serial = ReinjectionSampler(small_autoencoder(random_state=None),
                                random_state=0).fit_resample(X, y)
    with parallel_config(backend="threading"):
        parallel = ReinjectionSampler(small_autoencoder(random_state=None),
                                      n_jobs=2,
                                      random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(serial[1], parallel[1])
    np.testing.assert_allclose(serial[0], parallel[0], atol=1e-5)


def test_trained_modules_hold_no_generator(data):
    ae = small_autoencoder(DenoisingAutoencoder,
                           preact_noise_std=0.1).fit(data)
    assert not any(isinstance(v, torch.Generator)
                   for v in vars(ae.module_).values())


def test_lam_auto_with_walks_from_the_data(data):
    # The calibration's walks start from the kept rows too: they must be
    # kept before it runs.
    sampler = ReinjectionSampler(small_autoencoder(), lam="auto",
                                 init="data", random_state=0).fit(data)
    assert sampler.lam_ in sampler.lam_grid_
    assert sampler.sample(5).shape == (5, 5)


def test_fit_resample_returns_the_containers_it_was_given(data):
    pd = pytest.importorskip("pandas")
    X, y = _imbalanced(data)
    frame = pd.DataFrame(X.astype(np.float64),
                         columns=[f"f{i}" for i in range(5)])
    labels = pd.Series(y, name="target")
    sampler = ReinjectionSampler(small_autoencoder(), random_state=0)
    X_res, y_res = sampler.fit_resample(frame, labels)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == list(frame.columns)
    assert (X_res.dtypes == np.float64).all() and y_res.name == "target"
    assert y_res.dtype == labels.dtype and len(X_res) == 3 * 120
    X_arr, y_arr = sampler.fit_resample(X, y)
    assert isinstance(X_arr, np.ndarray) and isinstance(y_arr, np.ndarray)
    np.testing.assert_allclose(X_res.to_numpy(), X_arr, atol=1e-6)


def test_fit_resample_keeps_synthetic_values_of_integer_columns(data):
    pd = pytest.importorskip("pandas")
    X, y = _imbalanced(data)
    frame = pd.DataFrame((X * 10).round().astype(np.int64),
                         columns=list("abcde"))
    X_res, _ = ReinjectionSampler(small_autoencoder(),
                                  random_state=0).fit_resample(frame, y)
    assert (X_res.dtypes == np.float32).all()
    # The synthetic rows are not rounded to integers.
    assert not np.allclose(X_res.to_numpy()[len(X):],
                           X_res.to_numpy()[len(X):].round())
