"""sklearn-reinject: synthetic data from trained autoencoders.

Any trained autoencoder, iterated with Gaussian noise, samples the density it
was trained on ("reinjection"); the samples can train new models without the
original data.
"""

from .autoencoder import (ContractiveAutoencoder, DenoisingAutoencoder,
                          LossyAutoencoder, MultiScaleDenoisingAutoencoder,
                          VariationalAutoencoder)
from .distillation import (PseudoRehearsalClassifier, SoftTargetClassifier,
                           SyntheticDistiller)
from .exceptions import (ChainDivergenceError, SamplingWarning,
                         TrainingDivergedError)
from .sampling import (GaussianNoiseSampler, ModuleAutoencoder,
                       ReinjectionSampler)

__version__ = "0.1.0"

__all__ = [
    "ChainDivergenceError",
    "ContractiveAutoencoder",
    "DenoisingAutoencoder",
    "GaussianNoiseSampler",
    "LossyAutoencoder",
    "ModuleAutoencoder",
    "MultiScaleDenoisingAutoencoder",
    "PseudoRehearsalClassifier",
    "ReinjectionSampler",
    "SamplingWarning",
    "SoftTargetClassifier",
    "SyntheticDistiller",
    "TrainingDivergedError",
    "VariationalAutoencoder",
    "__version__",
]
