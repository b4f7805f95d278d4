"""The multi-scale denoising autoencoder and annealed reinjection."""

import pickle

import numpy as np
import pytest
import torch
from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR

from sklearn_reinject import (DenoisingAutoencoder,
                              MultiScaleDenoisingAutoencoder,
                              ReinjectionSampler)
from sklearn_reinject.datasets import IsotropicGaussianMixture
from sklearn_reinject.metrics import mmd2_unbiased
from sklearn_reinject.nn import NoiseConditionalDenoiser, materialize_

MIXTURE = IsotropicGaussianMixture([[-1.0, -1.0], [1.0, 1.0], [1.0, -1.0]],
                                   stds=0.4)


@pytest.fixture(scope="module")
def mixture_msdae():
    X = MIXTURE.sample(10000, random_state=0)
    return MultiScaleDenoisingAutoencoder(
        hidden_layer_sizes=(64, 64), n_noise_levels=4, sigma_max=1.0,
        sigma_min=0.1, max_epochs=30, lr=3e-3, batch_size=64,
        callbacks=[LRScheduler(policy=CosineAnnealingLR, T_max=30)],
        device="cpu", random_state=0).fit(X)


def test_levels_are_geometric_from_sigma_max_to_sigma_min(mixture_msdae):
    np.testing.assert_allclose(mixture_msdae.noise_levels_,
                               np.geomspace(1.0, 0.1, 4))
    assert mixture_msdae.default_lam() == pytest.approx(2 * 0.1 ** 2)


def test_score_at_each_level_matches_the_smoothed_mixture(mixture_msdae):
    """Cosine >= 0.9 at points more than one smoothed std from a centre.

    Measured with training seeds 0, 1, 2: mean cosine 0.991 to 0.999 at
    every level, median norm ratio 0.99 to 1.06.
    """
    rng = np.random.RandomState(1)
    for sigma in mixture_msdae.noise_levels_:
        points = MIXTURE.sample(2000, random_state=1) + sigma * rng.randn(
            2000, 2)
        std = np.sqrt(0.4 ** 2 + sigma ** 2)
        smoothed = IsotropicGaussianMixture(MIXTURE.means, stds=std)
        far = np.min(np.linalg.norm(points[:, None] - MIXTURE.means[None],
                                    axis=2), axis=1) > std
        est = mixture_msdae.estimate_score(points[far], noise_level=sigma)
        true = smoothed.score(points[far])
        cos = np.sum(est * true, 1) / (np.linalg.norm(est, axis=1)
                                       * np.linalg.norm(true, axis=1))
        ratio = np.linalg.norm(est, axis=1) / np.linalg.norm(true, axis=1)
        assert far.sum() > 500
        assert cos.mean() >= 0.9, sigma
        assert 0.8 < np.median(ratio) < 1.25, sigma


def test_final_denoising_step_keeps_the_mixture(mixture_msdae):
    """Annealed walks, kept states against their smallest-level denoising.

    Measured (mean MMD² of sampling seeds 0-2, training seeds 0, 1, 2):
    denoised/raw = 1.042, 1.037, 1.030, raw 0.0014 to 0.0020; over seeds
    0-9: 1.022, 1.013, 0.996. The smallest-level denoiser barely blurs, and
    a mixture that fills the plane has no off-data direction for it to
    remove noise from, so the final step neither helps nor hurts here (on
    data near a curve it helps: the test below).
    """
    real = MIXTURE.sample(4000, random_state=5)

    def mmd(output):
        return np.mean([mmd2_unbiased(ReinjectionSampler(
            mixture_msdae, lam=mixture_msdae.default_lam(), output=output,
            random_state=seed).sample(4000), real) for seed in range(3)])

    raw, denoised = mmd("state"), mmd("mean")
    assert denoised < 1.1 * raw
    # Both close to fresh data: the annealed chains sample the mixture.
    assert raw < 0.003


def test_small_steps_stop_short_on_a_low_dimensional_mixture(mixture_msdae):
    """``step_fraction=0.05`` walks stop short on a low-dimensional mixture.

    On MNIST, annealed walks at ``step_fraction=0.05`` came closer to
    held-out images than full steps; here, with 10 steps per level, they
    do not travel far enough from their start. Measured (mean MMD² of
    sampling seeds 0-2, matched lam): 0.0013 at 1, 0.0032 at 0.2, 0.0128
    at 0.05. So the sampler's default stays ``step_fraction=1``.
    """
    real = MIXTURE.sample(4000, random_state=5)

    def mmd(eta):
        return np.mean([mmd2_unbiased(ReinjectionSampler(
            mixture_msdae, lam=mixture_msdae.default_lam(),
            step_fraction=eta, random_state=seed).sample(4000), real)
            for seed in range(3)])

    assert ReinjectionSampler(mixture_msdae).step_fraction == 1.0
    assert mmd(0.05) > 3 * mmd(1.0)


def _circle(n_samples, seed, radial_std=0.01):
    """Points near the unit circle: a 1-D manifold in the plane."""
    rng = np.random.RandomState(seed)
    angle = rng.uniform(0, 2 * np.pi, n_samples)
    radius = 1 + radial_std * rng.randn(n_samples)
    return np.c_[radius * np.cos(angle), radius * np.sin(angle)]


def test_final_denoising_step_projects_states_back_onto_the_data():
    """On data near a manifold, the final step lowers MMD² against it.

    The states of the smallest level carry noise of std about
    ``sigma_min = 0.1`` across the circle, ten times the data's own
    radial spread (0.01); the smallest-level denoiser takes it back out.
    MMD² uses a kernel as wide as that noise (a median-distance kernel,
    about 1.4 here, cannot see it). Measured over training seeds 0-4 and
    sampling seeds 0-2: denoised/raw 0.037 to 0.127; radial std of the
    states 0.141 to 0.145, of the denoised samples 0.017 to 0.031.
    """
    msdae = MultiScaleDenoisingAutoencoder(
        hidden_layer_sizes=(64, 64), n_noise_levels=4, sigma_max=1.0,
        sigma_min=0.1, max_epochs=30, lr=3e-3, batch_size=64,
        callbacks=[LRScheduler(policy=CosineAnnealingLR, T_max=30)],
        device="cpu", random_state=0).fit(_circle(10000, seed=0))
    held_out = _circle(4000, seed=1)
    samples = {output: ReinjectionSampler(
        msdae, lam=msdae.default_lam(), output=output,
        random_state=0).sample(4000) for output in ("state", "mean")}
    raw, denoised = (mmd2_unbiased(samples[output], held_out, bandwidth=0.1)
                     for output in ("state", "mean"))
    assert denoised < 0.25 * raw
    radial_std = {output: np.linalg.norm(s, axis=1).std()
                  for output, s in samples.items()}
    assert radial_std["state"] > 0.12
    assert radial_std["mean"] < 0.04


def test_preconditioning_uses_each_features_std():
    """``c_skip = s**2 / (sigma**2 + s**2)`` with each feature's own std.

    With the network's output at zero, the denoised estimate is ``c_skip
    * x``; with the linear path at the identity and the hidden layers'
    output at zero, it is ``c_skip * x + c_out * c_in * x``.
    """
    stds = np.array([2.0, 0.5, 0.0])
    X = np.random.RandomState(0).randn(400, 3) * stds + [1.0, -1.0, 0.5]
    ae = MultiScaleDenoisingAutoencoder(
        hidden_layer_sizes=(8,), n_noise_levels=3, sigma_max=1.0,
        sigma_min=0.1, max_epochs=1, device="cpu", random_state=0).fit(X)
    # The constant feature gets the floor, 5% of the root mean variance.
    np.testing.assert_allclose(ae.data_std_[:2], X.std(axis=0)[:2],
                               rtol=1e-5)
    assert ae.data_std_[2] == pytest.approx(0.05 * ae.sigma_data_)
    module = NoiseConditionalDenoiser(3, (8,), ae.noise_levels_,
                                      sigma_data=ae.data_std_)
    materialize_(module, torch.Generator().manual_seed(0))
    s2 = ae.data_std_.astype(np.float64) ** 2
    x = torch.tensor([[3.0, -2.0, 1.0]])
    with torch.no_grad():
        module.out.weight.zero_()
        module.out.bias.zero_()
        module.linear.weight.zero_()
        for level, sigma in enumerate(ae.noise_levels_):
            c_skip = s2 / (sigma ** 2 + s2)
            np.testing.assert_allclose(module.denoise(x, level).numpy()[0],
                                       c_skip * x.numpy()[0], rtol=1e-5)
        module.linear.weight.copy_(torch.eye(3))
        for level, sigma in enumerate(ae.noise_levels_):
            total = np.sqrt(sigma ** 2 + s2)
            expected = (s2 / total ** 2 + sigma * np.sqrt(s2) / total ** 2
                        ) * x.numpy()[0]
            np.testing.assert_allclose(module.denoise(x, level).numpy()[0],
                                       expected, rtol=1e-5)


def test_linear_path_has_the_rank_of_the_first_hidden_layer():
    levels = [1.0, 0.1]
    narrow = NoiseConditionalDenoiser(3, (8, 8), levels)
    assert tuple(narrow.linear.weight.shape) == (3, 3)
    wide = NoiseConditionalDenoiser(20, (8, 8), levels)
    assert [tuple(layer.weight.shape) for layer in wide.linear] == [
        (8, 20), (20, 8)]
    materialize_(wide, torch.Generator().manual_seed(0))
    assert wide.denoise(torch.zeros(5, 20), 0).shape == (5, 20)


def test_denoised_estimates_stay_in_the_data_range(mixture_msdae):
    low, high = mixture_msdae.data_min_, mixture_msdae.data_max_
    far = np.array([[50.0, -50.0], [0.0, 100.0], [-1.0, -1.0]])
    for sigma in mixture_msdae.noise_levels_:
        rec = mixture_msdae.reconstruct(far, noise_level=sigma)
        assert np.all(rec >= low) and np.all(rec <= high), sigma
    # Walks with a lam far above the matched one stay in the range too:
    # every kept mean is a clipped denoised estimate.
    samples = ReinjectionSampler(mixture_msdae, lam=4.0, output="mean",
                                 random_state=0).sample(200)
    assert np.all(samples >= low) and np.all(samples <= high)
    restored = pickle.loads(pickle.dumps(mixture_msdae))
    np.testing.assert_array_equal(restored.reconstruct(far), rec)


def test_annealed_walks_run_every_level(mixture_msdae, monkeypatch):
    calls = []
    module = mixture_msdae.module_
    original = type(module).denoise

    def counting(self, x, level):
        calls.append(level)
        return original(self, x, level)

    monkeypatch.setattr(type(module), "denoise", counting)
    ReinjectionSampler(mixture_msdae, lam=0.02, n_steps=3, burn_in=1,
                       random_state=0).sample(8)
    # 3 steps at each level; the last level is the module's reconstruct.
    assert [lv for lv in calls if lv < 3] == [0] * 3 + [1] * 3 + [2] * 3
    assert calls.count(3) == 3
    calls.clear()
    ReinjectionSampler(mixture_msdae, lam=0.02, n_steps=3, burn_in=1,
                       schedule="constant", random_state=0).sample(8)
    assert set(calls) == {3}


def test_reconstruct_and_noise_level_errors(mixture_msdae):
    X = MIXTURE.sample(5, random_state=3)
    assert mixture_msdae.reconstruct(X).shape == (5, 2)
    np.testing.assert_allclose(
        mixture_msdae.reconstruct(X, noise_level=1.0),
        X + mixture_msdae.estimate_score(X, noise_level=1.0), atol=1e-5)
    with pytest.raises(ValueError, match="noise_level.*Got 0.3"):
        mixture_msdae.estimate_score(X, noise_level=0.3)
    with pytest.raises(ValueError, match="sigma_max"):
        MultiScaleDenoisingAutoencoder(sigma_max=0.001, device="cpu").fit(X)


def test_sigma_max_extent_is_the_largest_distance_between_rows():
    from sklearn.metrics.pairwise import euclidean_distances

    X = MIXTURE.sample(300, random_state=4).astype(np.float32)
    kwargs = dict(hidden_layer_sizes=(4,), n_noise_levels=3, max_epochs=1,
                  device="cpu", random_state=0)
    extent = MultiScaleDenoisingAutoencoder(sigma_max="extent",
                                            **kwargs).fit(X)
    auto = MultiScaleDenoisingAutoencoder(**kwargs).fit(X)
    largest = euclidean_distances(X.astype(np.float64)).max()
    np.testing.assert_allclose(extent.noise_levels_[0], largest, rtol=1e-6)
    # "auto" divides the same distance by sqrt(n_features).
    np.testing.assert_allclose(auto.noise_levels_[0],
                               largest / np.sqrt(2), rtol=1e-6)
    np.testing.assert_allclose(extent.noise_levels_[-1], 0.01)
    with pytest.raises(ValueError, match="'sigma_max'.*'extent'.*Got 'max'"):
        MultiScaleDenoisingAutoencoder(sigma_max="max", device="cpu").fit(X)


def test_schedule_errors(mixture_msdae):
    dae = DenoisingAutoencoder(hidden_layer_sizes=(4,), max_epochs=1,
                               device="cpu").fit(MIXTURE.sample(50))
    with pytest.raises(ValueError, match="schedule='annealed'.*Denoising"):
        ReinjectionSampler(dae, schedule="annealed").sample(5)
    with pytest.raises(ValueError, match="method='mh'"):
        ReinjectionSampler(mixture_msdae, schedule="annealed",
                           method="mh").sample(5)
    with pytest.raises(ValueError, match="schedule"):
        ReinjectionSampler(mixture_msdae, schedule="cosine").sample(5)


def test_sample_repeats_with_a_seed_and_pickles(mixture_msdae):
    a = mixture_msdae.sample(20, random_state=0)
    b = pickle.loads(pickle.dumps(mixture_msdae)).sample(20, random_state=0)
    np.testing.assert_array_equal(a, b)
