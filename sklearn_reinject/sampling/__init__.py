"""Samplers: reinjection chains and the Gaussian-noise baseline.

``_kernels`` holds the walks as functions of tensors, ``_runner`` runs them
chunk by chunk on a device, ``_protocol`` writes down what a sampler needs
from an autoencoder, and ``_reinjection`` and ``_noise`` are the
estimators.
"""

from ._base import BaseSampler
from ._kernels import run_mh_walks, run_walks
from ._noise import GaussianNoiseSampler
from ._protocol import ModuleAutoencoder, ReinjectableAutoencoder
from ._reinjection import ReinjectionSampler

__all__ = ["BaseSampler", "GaussianNoiseSampler", "ModuleAutoencoder",
           "ReinjectableAutoencoder", "ReinjectionSampler", "run_mh_walks",
           "run_walks"]
