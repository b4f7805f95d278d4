"""The sampler-autoencoder protocol and the adapter for torch modules."""

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator
from sklearn.frozen import FrozenEstimator

from sklearn_reinject import (GaussianNoiseSampler, LossyAutoencoder,
                              ModuleAutoencoder, ReinjectionSampler)
from sklearn_reinject.datasets import IsotropicGaussianMixture
from sklearn_reinject.metrics import mmd2_unbiased
from sklearn_reinject.sampling import ReinjectableAutoencoder

from ._estimators import all_estimators

MIXTURE = IsotropicGaussianMixture([[-2.0, 0.0], [2.0, 0.0]], stds=0.3)


def _plain_torch_dae(seed=0, sigma=0.2, steps=1500):
    """A denoising autoencoder trained with a bare torch loop."""
    gen = torch.Generator().manual_seed(seed)
    X = torch.from_numpy(MIXTURE.sample(4000, random_state=seed)).float()
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64),
        torch.nn.ReLU(), torch.nn.Linear(64, 2))
    with torch.no_grad():
        for p in net.parameters():
            p.uniform_(-0.3, 0.3, generator=gen)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(steps):
        xb = X[torch.randint(len(X), (64,), generator=gen)]
        noisy = xb + sigma * torch.randn(xb.shape, generator=gen)
        loss = ((net(noisy) - xb) ** 2).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net, X.numpy()


def test_a_torch_module_trained_elsewhere_samples_its_density():
    net, X = _plain_torch_dae()
    ae = ModuleAutoencoder(net, lam=2 * 0.2 ** 2).fit(X)
    assert isinstance(ae, ReinjectableAutoencoder)
    real = MIXTURE.sample(4000, random_state=5)
    samples = ReinjectionSampler(ae, lam=ae.default_lam(),
                                 random_state=0).sample(4000)
    noise = GaussianNoiseSampler(random_state=0).fit(X).sample(4000)
    # Measured over training seeds 0-2 and sampling seeds 0-2: 0.009 to
    # 0.031 (0.020 for these seeds) against 0.138 for Gaussian noise.
    assert mmd2_unbiased(samples, real) < 0.3 * mmd2_unbiased(noise, real)
    # The user's module is left as it was: fit works on a copy.
    assert net.training and ae.module_ is not net


def test_adapter_around_a_package_module_samples_like_the_estimator():
    X = MIXTURE.sample(500, random_state=0)
    est = LossyAutoencoder(hidden_layer_sizes=(16, 2), loss="mse",
                           max_epochs=3, device="cpu", random_state=0).fit(X)
    # With loss="mse" the module's forward is r(x) itself.
    adapted = ModuleAutoencoder(est.module_, lam=0.1).fit(X)
    a = ReinjectionSampler(est, lam=0.1, random_state=3).sample(300)
    b = ReinjectionSampler(adapted, lam=0.1, random_state=3).sample(300)
    np.testing.assert_array_equal(a, b)


def test_sampler_fit_fits_an_unfitted_adapter():
    X = MIXTURE.sample(200, random_state=0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 2))
    sampler = ReinjectionSampler(ModuleAutoencoder(net, lam=0.05),
                                 lam=0.05, random_state=0).fit(X)
    assert sampler.sample(7).shape == (7, 2)
    frozen = ReinjectionSampler(FrozenEstimator(sampler.autoencoder_),
                                lam=0.05, random_state=0)
    assert frozen.sample(7).shape == (7, 2)


def test_adapter_rejects_a_module_that_changes_the_shape():
    X = MIXTURE.sample(20, random_state=0)
    with pytest.raises(ValueError, match="'module' parameter must map a "
                       r"batch of shape \(n, 2\).*Got \(2, 3\)"):
        ModuleAutoencoder(torch.nn.Linear(2, 3)).fit(X)
    with pytest.raises(ValueError, match="'module' parameter"):
        ModuleAutoencoder("not a module").fit(X)


def test_an_object_outside_the_protocol_gets_a_clear_error():
    class NoReconstruction(BaseEstimator):
        n_features_in_ = 2
        device_ = torch.device("cpu")

        def fit(self, X):
            return self

        def __sklearn_is_fitted__(self):
            return True

    with pytest.raises(TypeError, match="lacks reconstruct_tensor, "
                       "default_lam.*ModuleAutoencoder"):
        ReinjectionSampler(NoReconstruction()).sample(3)


@pytest.mark.parametrize(
    "autoencoder", [e for e in all_estimators()
                    if hasattr(e, "default_lam")],
    ids=lambda e: type(e).__name__)
def test_every_autoencoder_meets_the_protocol(autoencoder):
    X = np.random.RandomState(0).rand(40, 3).astype(np.float32)
    fitted = autoencoder.fit(X)
    assert isinstance(fitted, ReinjectableAutoencoder)
    x = torch.from_numpy(X[:5]).to(fitted.device_)
    with torch.inference_mode():
        assert fitted.reconstruct_tensor(x).shape == (5, 3)


def test_autoencoders_reach_the_samplers_through_one_door():
    import pathlib

    import sklearn_reinject.autoencoder as package

    root = pathlib.Path(package.__file__).parent
    doors = [(path.name, line.strip()) for path in sorted(root.glob("*.py"))
             for line in path.read_text().splitlines()
             if "sampling" in line and "import" in line]
    assert doors == [("_base.py",
                      "from ..sampling import ReinjectionSampler")]


@pytest.mark.parametrize("module", [
    torch.nn.Sequential(torch.nn.Tanh()),
    torch.nn.Sequential(torch.nn.Linear(2, 2)),
], ids=["no parameters", "linear"])
def test_adapter_pickles_and_samples_the_same(module):
    import pickle

    X = MIXTURE.sample(50, random_state=0)
    ae = ModuleAutoencoder(module, lam=0.05).fit(X)
    restored = pickle.loads(pickle.dumps(ae))
    assert str(restored.device_) == str(ae.device_) == "cpu"
    np.testing.assert_array_equal(
        ReinjectionSampler(ae, lam=0.05, random_state=0).sample(20),
        ReinjectionSampler(restored, lam=0.05, random_state=0).sample(20))
