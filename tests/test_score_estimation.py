"""Score and Hessian estimates, the contractive autoencoder, toy data."""

import numpy as np
import pytest
import torch
from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR

from sklearn_reinject import (ContractiveAutoencoder, DenoisingAutoencoder,
                              LossyAutoencoder)
from sklearn_reinject.datasets import (IsotropicGaussianMixture,
                                       make_curve_manifold, make_spiral)
from sklearn_reinject.nn import (ACTIVATIONS, MLPAutoencoder,
                                 chain_jacobian_frobenius_sq,
                                 jacobian_frobenius_sq, materialize_)

MIXTURE = IsotropicGaussianMixture([[-1.0, -1.0], [1.0, 1.0], [1.0, -1.0]],
                                   stds=0.4)


def _cosine(a, b):
    return np.sum(a * b, 1) / (np.linalg.norm(a, axis=1)
                               * np.linalg.norm(b, axis=1))


def _annealed(epochs):
    return [LRScheduler(policy=CosineAnnealingLR, T_max=epochs)]


@pytest.fixture(scope="module")
def mixture_dae():
    X = MIXTURE.sample(10000, random_state=0)
    return DenoisingAutoencoder(
        hidden_layer_sizes=(64, 64), noise_std=0.2, max_epochs=30, lr=3e-3,
        batch_size=64, callbacks=_annealed(30), device="cpu",
        random_state=0).fit(X)


def test_dae_score_matches_true_score(mixture_dae):
    """Bar: mean cosine >= 0.9 and magnitude within a factor of 2.

    Measured with seeds 0, 1, 2: mean cosine 0.992, 0.988, 0.989; median
    norm ratio 0.81 each time. A DAE estimates the score of the density
    smoothed by its noise (Tweedie's formula), which near a mode is
    ``s**2 / (s**2 + sigma**2) = 0.8`` times the true score here; against
    that smoothed density the ratio is close to 1.
    """
    X = MIXTURE.sample(1000, random_state=1)
    est = mixture_dae.estimate_score(X)  # scale = noise_std**2
    true = MIXTURE.score(X)
    cos = _cosine(est, true)
    ratio = np.linalg.norm(est, axis=1) / np.linalg.norm(true, axis=1)
    assert cos.mean() >= 0.95
    assert 0.7 < np.median(ratio) < 0.9
    smoothed = IsotropicGaussianMixture(MIXTURE.means,
                                        stds=np.sqrt(0.4 ** 2 + 0.2 ** 2))
    ratio_s = np.linalg.norm(est, axis=1) / np.linalg.norm(
        smoothed.score(X), axis=1)
    assert 0.9 < np.median(ratio_s) < 1.1


def test_hessian_estimate_is_jacobian_minus_identity(mixture_dae):
    X = MIXTURE.sample(5, random_state=2).astype(np.float32)
    H = mixture_dae.estimate_hessian(X)
    assert H.shape == (5, 2, 2)
    # Central differences of r give the same matrix (eps small enough to
    # stay inside one linear piece of the ReLU network almost always).
    eps = 1e-3
    for i in range(2):
        dx = np.zeros(2, dtype=np.float32)
        dx[i] = eps
        col = (mixture_dae.reconstruct(X + dx)
               - mixture_dae.reconstruct(X - dx)) / (2 * eps)
        np.testing.assert_allclose(H[:, :, i],
                                   (col - np.eye(2)[:, i]) / 0.04,
                                   atol=0.05)


def test_hessian_estimate_has_the_right_sign(mixture_dae):
    # Near a mode, log p is concave: both Hessians are negative definite.
    X = MIXTURE.means.astype(np.float32)
    H_est = mixture_dae.estimate_hessian(X)
    H_true = MIXTURE.hessian(X)
    assert (np.linalg.eigvalsh(H_true) < 0).all()
    assert (np.linalg.eigvalsh((H_est + H_est.transpose(0, 2, 1)) / 2)
            < 0).all()


def test_mixture_score_and_hessian_match_finite_differences():
    X = MIXTURE.sample(20, random_state=3)
    eps = 1e-5
    for i in range(2):
        dx = np.zeros(2)
        dx[i] = eps
        fd = (MIXTURE.log_pdf(X + dx) - MIXTURE.log_pdf(X - dx)) / (2 * eps)
        np.testing.assert_allclose(MIXTURE.score(X)[:, i], fd, rtol=1e-5,
                                   atol=1e-6)
        fd_h = (MIXTURE.score(X + dx) - MIXTURE.score(X - dx)) / (2 * eps)
        np.testing.assert_allclose(MIXTURE.hessian(X)[:, :, i], fd_h,
                                   rtol=1e-4, atol=1e-5)


def test_mixture_log_pdf_integrates_to_one():
    g = np.linspace(-4, 4, 401)
    xx, yy = np.meshgrid(g, g)
    p = np.exp(MIXTURE.log_pdf(np.column_stack([xx.ravel(), yy.ravel()])))
    assert p.sum() * (g[1] - g[0]) ** 2 == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("method", ["exact", "projection"])
def test_jacobian_frobenius_matches_explicit_jacobian(method):
    gen = torch.Generator().manual_seed(0)
    W1, W2 = torch.randn(5, 7, generator=gen), torch.randn(7, 4, generator=gen)

    def fn(x):
        return torch.tanh(x @ W1) @ W2

    x = torch.randn(3, 5, generator=gen)
    J = torch.stack([torch.autograd.functional.jacobian(
        lambda r: fn(r[None])[0], row) for row in x])
    expected = J.pow(2).sum(dim=(1, 2))
    got = jacobian_frobenius_sq(fn, x, method=method, n_projections=20000,
                                generator=torch.Generator().manual_seed(0),
                                create_graph=False)
    # The projection estimate is unbiased; 20,000 draws put it within ~2%.
    tol = 1e-5 if method == "exact" else 0.03
    torch.testing.assert_close(got, expected, rtol=tol, atol=1e-5)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("output_activation", ["identity", "sigmoid"])
def test_chain_jacobian_matches_the_exact_penalty(activation,
                                                  output_activation):
    """The forward-carried Jacobian equals the batched-backward one.

    Values and the gradients they give the weights, for every named
    activation (closed-form derivatives and the jvp fallback alike).
    """
    gen = torch.Generator().manual_seed(0)
    module = materialize_(MLPAutoencoder(
        6, (16, 8, 3), activation=activation,
        output_activation=output_activation), gen).train()
    x = torch.randn(20, 6, generator=gen)
    grads = []
    for penalty in (
            lambda: jacobian_frobenius_sq(module.reconstruct, x),
            lambda: chain_jacobian_frobenius_sq(
                module.reconstruction_chain(), x)):
        module.zero_grad()
        value = penalty()
        value.mean().backward()
        grads.append((value.detach(),
                      [torch.zeros_like(p) if p.grad is None else p.grad.clone()
                       for p in module.parameters()]))
    (exact, exact_grads), (chain, chain_grads) = grads
    torch.testing.assert_close(chain, exact, rtol=1e-5, atol=1e-6)
    for got, expected in zip(chain_grads, exact_grads):
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-6)


def test_chain_jacobian_differentiates_other_activations_in_forward_mode():
    """A module without a closed form (Mish) goes through one jvp."""
    gen = torch.Generator().manual_seed(0)
    layers = [torch.nn.Linear(5, 7), torch.nn.Mish(), torch.nn.Linear(7, 5)]
    for layer in layers[::2]:
        materialize_(layer, gen)
    x = torch.randn(12, 5, generator=gen)
    chain = torch.nn.Sequential(*layers)
    torch.testing.assert_close(chain_jacobian_frobenius_sq(layers, x),
                               jacobian_frobenius_sq(chain, x),
                               rtol=1e-5, atol=1e-6)


def test_chain_jacobian_needs_a_linear_layer():
    with pytest.raises(ValueError, match="at least one"):
        chain_jacobian_frobenius_sq([torch.nn.Tanh()], torch.ones(2, 3))


def test_contractive_penalty_contracts():
    X = MIXTURE.sample(2000, random_state=0)
    kwargs = dict(hidden_layer_sizes=(32, 32), activation="tanh",
                  max_epochs=20, device="cpu", random_state=0)
    plain = LossyAutoencoder(**kwargs).fit(X)
    rcae = ContractiveAutoencoder(contraction=0.1, **kwargs).fit(X)
    assert rcae.jacobian_method_ == "exact"

    def frob(ae):
        return jacobian_frobenius_sq(
            ae.module_.reconstruct, torch.from_numpy(X[:500]).float(),
            create_graph=False).mean().item()

    # Measured: 1.51 (plain) against 0.98 (contraction 0.1).
    assert frob(rcae) < 0.8 * frob(plain)


def test_contractive_projection_used_for_wide_inputs(digits):
    rcae = ContractiveAutoencoder(hidden_layer_sizes=(16,), max_epochs=2,
                                  device="cpu", random_state=0).fit(
        digits[0][:200])
    assert rcae.jacobian_method_ == "projection"
    assert np.isfinite(rcae.loss_curve_).all()
    assert rcae.default_lam() == pytest.approx(0.02)


def test_rcae_score_points_towards_modes():
    X = MIXTURE.sample(4000, random_state=0)
    rcae = ContractiveAutoencoder(
        hidden_layer_sizes=(64, 64), contraction=0.04, max_epochs=30,
        lr=3e-3, batch_size=64, callbacks=_annealed(30), device="cpu",
        random_state=0).fit(X)
    Xq = MIXTURE.sample(1000, random_state=1)
    cos = _cosine(rcae.estimate_score(Xq), MIXTURE.score(Xq))
    # Measured: 0.967.
    assert cos.mean() > 0.9


def test_spiral_and_curve_manifold():
    X, t = make_spiral(500, random_state=0)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 0.04 * t)
    assert (t >= 3).all() and (t <= 12).all()
    X10, t10 = make_curve_manifold(300, noise=0.0, random_state=0)
    again, _ = make_curve_manifold(300, noise=0.0, random_state=0)
    np.testing.assert_array_equal(X10, again)
    assert X10.shape == (300, 10) and np.abs(X10).max() <= 1.0
    noisy, _ = make_curve_manifold(300, noise=0.1, random_state=0)
    assert np.std(noisy - X10) == pytest.approx(0.1, rel=0.05)
    with pytest.raises(ValueError, match="'n_samples' parameter"):
        make_spiral(0)
