import pickle

import numpy as np
import pytest
import torch

from sklearn_reinject import (GaussianNoiseSampler, LossyAutoencoder,
                              ReinjectionSampler, VariationalAutoencoder)
from sklearn_reinject.metrics import mmd2_unbiased
from sklearn_reinject.nn import gaussian_kl


@pytest.fixture(scope="module")
def vae(digits):
    return VariationalAutoencoder(hidden_layer_sizes=(64, 8), max_epochs=100,
                                  batch_size=32, device="cpu",
                                  random_state=0).fit(digits[0])


def test_gaussian_kl_matches_monte_carlo():
    gen = torch.Generator().manual_seed(0)
    mu = torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float64)
    logvar = torch.tensor([[0.3, -0.7, 0.0]], dtype=torch.float64)
    z = mu + torch.exp(0.5 * logvar) * torch.randn(
        (400_000, 3), generator=gen, dtype=torch.float64)
    log_q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).log_prob(
        z).sum(1)
    log_p = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(1)
    mc = (log_q - log_p).mean().item()
    assert gaussian_kl(mu, logvar).item() == pytest.approx(mc, abs=0.01)
    assert gaussian_kl(torch.zeros(1, 4), torch.zeros(1, 4)).item() == 0


def test_elbo_falls_and_score_ranks_data_above_noise(vae, digits):
    # Measured: 37.3 -> 24.4.
    assert vae.loss_curve_[-1] < 0.7 * vae.loss_curve_[0]
    noise = np.random.RandomState(0).rand(*digits[1].shape)
    assert vae.score(digits[1]) > vae.score(noise)


def test_transform_is_posterior_mean(vae, digits):
    X = digits[1][:10]
    Z = vae.transform(X)
    assert Z.shape == (10, 8)
    np.testing.assert_array_equal(Z, vae.transform(X))  # no sampling
    np.testing.assert_allclose(vae.inverse_transform(Z), vae.reconstruct(X),
                               atol=1e-6)


def test_ancestral_samples_resemble_digits(vae, digits):
    X_test = digits[1]
    a = vae.sample(1000, random_state=0)
    np.testing.assert_array_equal(a, vae.sample(1000, random_state=0))
    assert not np.allclose(a, vae.sample(1000, random_state=1))
    assert a.min() >= 0 and a.max() <= 1
    noise = GaussianNoiseSampler(random_state=0).fit(X_test).sample(1000)
    # Measured: 0.0375 against 0.141.
    assert mmd2_unbiased(a, X_test) < 0.5 * mmd2_unbiased(noise, X_test)


def test_reinjection_from_the_prior(vae, digits):
    """init="prior" starts walks at the VAE's ancestral samples.

    One noiseless step from there is r(decode(z)); it must match
    reconstructions of ancestral samples drawn directly, and not walks
    started from N(0, I). Measured MMD^2: 0.0005 against 0.0197.
    Refining decoded samples by reinjection does not bring them closer to
    the test digits here (MMD^2 0.039 after 3 steps of lam=0.01 from the
    prior, 0.023 from N(0, I)), so that is not asserted.
    """
    def one_step(init):
        return ReinjectionSampler(vae, lam=1e-8, init=init, n_steps=1,
                                  burn_in=0, output="mean",
                                  random_state=0).sample(1000)

    direct = vae.reconstruct(vae.sample(1000, random_state=1))
    mmd_prior = mmd2_unbiased(one_step("prior"), direct)
    mmd_normal = mmd2_unbiased(one_step("normal"), direct)
    assert mmd_prior < 0.2 * mmd_normal


def test_prior_init_needs_a_vae(digits):
    ae = LossyAutoencoder(hidden_layer_sizes=(8,), max_epochs=1,
                          device="cpu", random_state=0).fit(digits[0])
    with pytest.raises(ValueError, match="init='prior' decodes"):
        ReinjectionSampler(ae, init="prior").sample(5)


def test_beta_weights_the_kl(digits):
    X = digits[0][:400]
    kw = dict(hidden_layer_sizes=(32, 4), max_epochs=30, device="cpu",
              random_state=0)
    loose = VariationalAutoencoder(beta=0.1, **kw).fit(X)
    tight = VariationalAutoencoder(beta=5.0, **kw).fit(X)

    def kl(model):
        mu, logvar = model.module_.posterior(torch.from_numpy(X))
        return gaussian_kl(mu, logvar).mean().item()

    assert kl(tight) < kl(loose)


def test_pickle_round_trip(vae, digits):
    loaded = pickle.loads(pickle.dumps(vae))
    np.testing.assert_array_equal(loaded.transform(digits[1]),
                                  vae.transform(digits[1]))


def test_loss_auto_follows_the_data():
    rng = np.random.RandomState(0)
    unit = rng.rand(64, 5).astype(np.float32)
    params = dict(hidden_layer_sizes=(8, 2), max_epochs=1, device="cpu",
                  random_state=0)
    assert VariationalAutoencoder(**params).fit(unit).loss_ == "bce"
    vae = VariationalAutoencoder(**params).fit(unit * 4 - 2)
    assert vae.loss_ == "mse"
    assert np.isfinite(vae.score_samples(unit * 4 - 2)).all()
    # An explicit loss is kept, and refused where it cannot work.
    with pytest.raises(ValueError, match="loss='bce' needs X scaled"):
        VariationalAutoencoder(loss="bce", **params).fit(unit * 4 - 2)
