"""Plain PyTorch building blocks (no scikit-learn imports here)."""

from ._losses import (DenoisingScoreMatchingLoss, NegativeELBO,
                      ReconstructionLoss, SoftCrossEntropy, gaussian_kl,
                      negative_elbo, reconstruction_loss, soft_cross_entropy)
from ._jacobian import (batch_jacobian, chain_jacobian_frobenius_sq,
                        jacobian_frobenius_sq)
from ._modules import (ACTIVATIONS, MLPAutoencoder, MLPClassifierModule,
                       NoiseConditionalDenoiser, VAEModule, materialize_)

__all__ = ["ACTIVATIONS", "MLPAutoencoder", "MLPClassifierModule",
           "DenoisingScoreMatchingLoss", "NegativeELBO",
           "NoiseConditionalDenoiser", "VAEModule", "gaussian_kl",
           "negative_elbo",
           "ReconstructionLoss", "SoftCrossEntropy", "batch_jacobian",
           "chain_jacobian_frobenius_sq",
           "jacobian_frobenius_sq", "materialize_",
           "reconstruction_loss", "soft_cross_entropy"]
