"""Every estimator's path through a device, end to end.

Each test runs with ``device="cpu"`` in every suite and with
``device="cuda"`` where CUDA is present (marked ``cuda``, run alone with
``python -m pytest -m cuda``). The CPU runs keep the tests themselves
honest until a GPU runs them; what they check on CUDA is what breaks
first there: tensors left on the device where numpy is expected,
generators on the wrong device, and results that depend on the device
they were computed on.
"""

import pickle

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator

from sklearn_reinject import (ContractiveAutoencoder, DenoisingAutoencoder,
                              LossyAutoencoder, ModuleAutoencoder,
                              MultiScaleDenoisingAutoencoder,
                              PseudoRehearsalClassifier, ReinjectionSampler,
                              SoftTargetClassifier, SyntheticDistiller,
                              VariationalAutoencoder)
from sklearn_reinject import metrics

DEVICES = ["cpu", pytest.param("cuda", marks=[
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(),
                       reason="CUDA is not available")])]

AUTOENCODERS = [LossyAutoencoder, DenoisingAutoencoder,
                ContractiveAutoencoder, VariationalAutoencoder,
                MultiScaleDenoisingAutoencoder]


def _is_float32_array(A, shape):
    return (isinstance(A, np.ndarray) and A.dtype == np.float32
            and A.shape == shape and np.isfinite(A).all())


def _on(est, device):
    return est.device_.type == device and all(
        p.device.type == device for p in est.module_.parameters())


@pytest.fixture(scope="module")
def X(digits):
    return digits[0][:300]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("cls", AUTOENCODERS)
def test_autoencoder_fits_and_answers_on_the_device(cls, device, X):
    ae = cls(hidden_layer_sizes=(32, 8), max_epochs=2, device=device,
             random_state=0).fit(X)
    assert _on(ae, device)
    n, d = 20, X.shape[1]
    assert _is_float32_array(ae.sample(n, random_state=0), (n, d))
    np.testing.assert_array_equal(ae.sample(n, random_state=0),
                                  ae.sample(n, random_state=0))
    scores = ae.score_samples(X[:n])
    assert isinstance(scores, np.ndarray) and scores.shape == (n,)
    assert np.isfinite(scores).all()
    assert _is_float32_array(np.asarray(ae.estimate_score(X[:n]),
                                        dtype=np.float32), (n, d))
    if hasattr(ae, "transform"):
        Z = ae.transform(X[:n])
        assert _is_float32_array(ae.inverse_transform(Z), (n, d))
    if hasattr(ae, "estimate_hessian"):
        H = ae.estimate_hessian(X[:3])
        assert H.shape == (3, d, d) and np.isfinite(H).all()
    if hasattr(ae, "partial_fit"):
        ae.partial_fit(X)
        assert ae.n_iter_ == 3 and _on(ae, device)
    # A pickle round trip keeps the model where it was and its answers.
    loaded = pickle.loads(pickle.dumps(ae))
    assert _on(loaded, device)
    np.testing.assert_array_equal(loaded.score_samples(X[:n]),
                                  ae.score_samples(X[:n]))


@pytest.fixture(scope="module", params=DEVICES)
def fitted(request, X):
    """A denoising autoencoder and a VAE fitted on ``request.param``."""
    kw = dict(max_epochs=3, device=request.param, random_state=0)
    return (request.param,
            DenoisingAutoencoder(hidden_layer_sizes=(32, 8), loss="bce",
                                 **kw).fit(X),
            VariationalAutoencoder(hidden_layer_sizes=(32, 4), loss="bce",
                                   **kw).fit(X))


@pytest.mark.parametrize("settings", [
    {}, {"output": "mean"}, {"method": "mh"}, {"init": "prior"},
    {"init": "vae"}, {"match_moments": True}, {"step_fraction": 0.5},
    {"lam": "auto"}, {"precision": "bfloat16"}],
    ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "defaults")
def test_sampler_settings_on_the_device(fitted, settings, X):
    device, dae, vae = fitted
    # The denoising autoencoder's matched lam, unless the case sets one.
    settings = {"lam": 0.02, **settings}
    ae = vae if settings.get("init") == "prior" else dae
    if settings.get("init") == "vae":
        settings["init"] = FrozenEstimator(vae)
    sampler = ReinjectionSampler(FrozenEstimator(ae), n_steps=3, burn_in=1,
                                 random_state=0, **settings)
    # lam="auto", moment matching and a generator as init need fit.
    sampler.fit(X)
    a = sampler.sample(64)
    assert _is_float32_array(a, (64, X.shape[1]))
    np.testing.assert_array_equal(a, sampler.sample(64))
    chunks = list(sampler.iter_samples(64))
    assert _is_float32_array(np.concatenate(chunks), (64, X.shape[1]))
    chains = sampler.sample_chains(4)
    assert isinstance(chains, np.ndarray) and np.isfinite(chains).all()


@pytest.mark.parametrize("device", DEVICES)
def test_annealed_multiscale_sampling_on_the_device(device, X):
    msdae = MultiScaleDenoisingAutoencoder(
        hidden_layer_sizes=(32,), n_noise_levels=4, max_epochs=2, device=device,
        random_state=0).fit(X)
    sampler = ReinjectionSampler(msdae, random_state=0)
    a = sampler.sample(32)
    assert _is_float32_array(a, (32, X.shape[1]))
    np.testing.assert_array_equal(a, sampler.sample(32))
    level = msdae.noise_levels_[0]
    assert np.isfinite(msdae.estimate_score(X[:5], noise_level=level)).all()


@pytest.mark.parametrize("device", DEVICES)
def test_a_user_module_is_sampled_on_the_device(device, X):
    d = X.shape[1]
    net = torch.nn.Sequential(torch.nn.Linear(d, 8), torch.nn.ReLU(),
                              torch.nn.Linear(8, d), torch.nn.Sigmoid())
    ae = ModuleAutoencoder(net, lam=0.05, device=device).fit(X)
    a = ReinjectionSampler(ae, lam=0.05, random_state=0).sample(16)
    assert _is_float32_array(a, (16, d))


@pytest.mark.parametrize("device", DEVICES)
def test_distiller_with_every_network_on_the_device(device, digits):
    X, _, y, _ = digits
    net = dict(max_epochs=3, device=device, random_state=0)
    distiller = SyntheticDistiller(
        SoftTargetClassifier(**net),
        ReinjectionSampler(DenoisingAutoencoder(loss="bce", **net)),
        SoftTargetClassifier(**net), n_samples=500, random_state=0).fit(X, y)
    assert _on(distiller.student_, device)
    proba = distiller.predict_proba(X[:10])
    assert isinstance(proba, np.ndarray) and proba.shape == (10, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert 0.0 <= distiller.student_agreement_ <= 1.0


@pytest.mark.parametrize("memory", ["per_task", "shared"])
@pytest.mark.parametrize("device", DEVICES)
def test_pseudo_rehearsal_on_the_device(device, memory, digits):
    X, _, y, _ = digits
    first, second = y < 5, y >= 5
    clf = PseudoRehearsalClassifier(
        ReinjectionSampler(VariationalAutoencoder(max_epochs=2),
                           init="prior", n_steps=2, burn_in=0),
        SoftTargetClassifier(max_epochs=2), memory=memory, device=device,
        random_state=0)
    clf.partial_fit(X[first], y[first], classes=np.arange(10))
    clf.partial_fit(X[second], y[second])
    assert _on(clf.classifier_, device)
    assert clf.predict(X[:10]).shape == (10,)


@pytest.mark.parametrize("device", DEVICES)
def test_fit_resample_on_the_device(device):
    X, y = make_classification(n_samples=300, n_features=6, weights=[0.9],
                               random_state=0)
    sampler = ReinjectionSampler(
        DenoisingAutoencoder(max_epochs=2, device=device), random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [np.sum(y == 0)] * 2
    assert np.isfinite(X_res).all() and X_res.shape[1] == 6


@pytest.mark.parametrize("device", DEVICES[1:])
def test_metrics_give_the_same_numbers_on_every_device(device):
    """The metrics on a device against the same metrics on the CPU.

    CUDA only: on the CPU both sides are the same computation. Not yet
    run on a GPU; the margins allow float32 sums taken in another order
    and have not been measured there.
    """
    rng = np.random.RandomState(0)
    A = rng.randn(300, 5).astype(np.float32)
    B = (rng.randn(200, 5) + 0.3).astype(np.float32)
    H = rng.randn(150, 5).astype(np.float32)
    on = {"device": device}
    np.testing.assert_allclose(metrics.mmd2_unbiased(A, B, **on),
                               metrics.mmd2_unbiased(A, B), rtol=1e-4)
    np.testing.assert_allclose(metrics.energy_distance(A, B, **on),
                               metrics.energy_distance(A, B), rtol=1e-4)
    prdc = metrics.precision_recall_density_coverage(A, B, **on)
    assert prdc == pytest.approx(
        metrics.precision_recall_density_coverage(A, B), rel=1e-4)
    for fn in (metrics.distance_to_closest_record,
               metrics.nearest_neighbor_distance_ratio):
        np.testing.assert_allclose(fn(B, A, **on), fn(B, A), rtol=1e-4,
                                   atol=1e-6)
    assert metrics.closer_to_training_share(B, A, H, **on) == \
        metrics.closer_to_training_share(B, A, H)
