"""Autoencoder estimators (skorch underneath)."""

from ._base import BaseAutoencoder
from ._contractive import ContractiveAutoencoder
from ._denoising import DenoisingAutoencoder
from ._lossy import LossyAutoencoder
from ._multiscale import MultiScaleDenoisingAutoencoder
from ._variational import VariationalAutoencoder

__all__ = ["BaseAutoencoder", "ContractiveAutoencoder",
           "DenoisingAutoencoder", "LossyAutoencoder",
           "MultiScaleDenoisingAutoencoder", "VariationalAutoencoder"]
