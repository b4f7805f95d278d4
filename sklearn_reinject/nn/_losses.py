"""Losses (as torch modules, so that skorch can own them as criteria)."""

import torch
from torch import nn
from torch.nn import functional as F


def soft_cross_entropy(logits, target_proba, temperature=1.0):
    """Cross-entropy between probability rows and tempered student logits.

    ``H(p, softmax(logits / T)) * T**2``; the ``T**2`` factor keeps gradient
    magnitudes comparable across temperatures (Hinton et al., 2015). With
    one-hot targets and ``T = 1`` it is the ordinary cross-entropy.
    """
    log_q = F.log_softmax(logits / temperature, dim=-1)
    return -(target_proba * log_q).sum(dim=-1).mean() * temperature ** 2


def reconstruction_loss(output, target, loss):
    """Per-sample reconstruction loss, summed over features.

    ``output`` holds logits when ``loss == "bce"`` (the sigmoid is fused for
    numerical stability) and reconstructions when ``loss == "mse"``.
    Returns a tensor of shape ``(n_samples,)``.
    """
    if loss == "bce":
        per = F.binary_cross_entropy_with_logits(output, target,
                                                 reduction="none")
    else:
        per = (output - target) ** 2
    return per.sum(dim=-1)


class ReconstructionLoss(nn.Module):
    """Mean over the batch of :func:`reconstruction_loss`."""

    def __init__(self, loss="mse"):
        super().__init__()
        self.loss = loss

    def forward(self, output, target):
        return reconstruction_loss(output, target, self.loss).mean()


class SoftCrossEntropy(nn.Module):
    """:func:`soft_cross_entropy` as a module."""

    def __init__(self, temperature=1.0):
        super().__init__()
        self.temperature = temperature

    def forward(self, logits, target_proba):
        return soft_cross_entropy(logits, target_proba, self.temperature)


def gaussian_kl(mu, logvar):
    """``KL(N(mu, exp(logvar)) || N(0, I))`` per sample, in closed form."""
    return -0.5 * (1 + logvar - mu ** 2 - torch.exp(logvar)).sum(dim=-1)


def negative_elbo(output, mu, logvar, target, loss, beta=1.0):
    """Per-sample negative ELBO: reconstruction NLL + beta * KL.

    ``loss="bce"``: Bernoulli likelihood (``output`` holds logits);
    ``loss="mse"``: Gaussian likelihood of unit variance, whose negative
    log-likelihood is ``0.5 * ||x - output||**2`` up to a constant.
    """
    rec = reconstruction_loss(output, target, loss)
    if loss == "mse":
        rec = 0.5 * rec
    return rec + beta * gaussian_kl(mu, logvar)


class NegativeELBO(nn.Module):
    """Mean over the batch of :func:`negative_elbo`."""

    def __init__(self, loss="bce", beta=1.0):
        super().__init__()
        self.loss = loss
        self.beta = beta

    def forward(self, y_pred, target):
        output, mu, logvar = y_pred
        return negative_elbo(output, mu, logvar, target, self.loss,
                             self.beta).mean()


class DenoisingScoreMatchingLoss(nn.Module):
    """Denoising score matching over noise levels, preconditioned.

    ``y_pred = (F, target)`` from
    :class:`~sklearn_reinject.nn.NoiseConditionalDenoiser`; the loss is
    ``mean ||F - target||^2`` over rows, which weights each level's
    denoising error ``||denoise(x) - x_clean||^2`` by ``1 / c_out**2``
    (Karras et al., 2022).
    """

    def forward(self, y_pred, target):
        f, goal = y_pred
        return ((f.float() - goal.float()) ** 2).sum(1).mean()
