"""Dataset readers (local files only)."""

from ._mnist import (DATA_ENV, DatasetFileError, load_fashion_mnist,
                     load_idx, load_mnist)

__all__ = ["DATA_ENV", "DatasetFileError", "load_fashion_mnist", "load_idx",
           "load_mnist"]
