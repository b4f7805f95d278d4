"""Plain PyTorch building blocks (no scikit-learn imports here)."""

from ._losses import (ReconstructionLoss, SoftCrossEntropy,
                      reconstruction_loss, soft_cross_entropy)
from ._modules import (ACTIVATIONS, MLPAutoencoder, MLPClassifierModule,
                       materialize_)

__all__ = ["ACTIVATIONS", "MLPAutoencoder", "MLPClassifierModule",
           "ReconstructionLoss", "SoftCrossEntropy", "materialize_",
           "reconstruction_loss", "soft_cross_entropy"]
