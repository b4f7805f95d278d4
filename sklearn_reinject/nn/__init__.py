"""Plain PyTorch building blocks (no scikit-learn imports here)."""

from ._losses import (ReconstructionLoss, SoftCrossEntropy,
                      reconstruction_loss, soft_cross_entropy)
from ._jacobian import batch_jacobian, jacobian_frobenius_sq
from ._modules import (ACTIVATIONS, MLPAutoencoder, MLPClassifierModule,
                       materialize_)

__all__ = ["ACTIVATIONS", "MLPAutoencoder", "MLPClassifierModule",
           "ReconstructionLoss", "SoftCrossEntropy", "batch_jacobian",
           "jacobian_frobenius_sq", "materialize_",
           "reconstruction_loss", "soft_cross_entropy"]
