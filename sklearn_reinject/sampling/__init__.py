"""Samplers: reinjection chains and the Gaussian-noise baseline."""

from ._base import BaseSampler
from ._noise import GaussianNoiseSampler
from ._reinjection import ReinjectionSampler, run_mh_walks, run_walks

__all__ = ["BaseSampler", "GaussianNoiseSampler", "ReinjectionSampler",
           "run_mh_walks", "run_walks"]
