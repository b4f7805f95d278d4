"""Dataset readers (local files only) and toy problems."""

from ._mnist import (DATA_ENV, DatasetFileError, load_fashion_mnist,
                     load_idx, load_mnist)
from ._toy import IsotropicGaussianMixture, make_curve_manifold, make_spiral

__all__ = ["DATA_ENV", "DatasetFileError", "IsotropicGaussianMixture",
           "load_fashion_mnist", "load_idx", "load_mnist",
           "make_curve_manifold", "make_spiral"]
