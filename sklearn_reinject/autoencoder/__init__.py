"""Autoencoder estimators (skorch underneath)."""

from ._base import BaseAutoencoder
from ._denoising import DenoisingAutoencoder
from ._lossy import LossyAutoencoder

__all__ = ["BaseAutoencoder", "DenoisingAutoencoder", "LossyAutoencoder"]
