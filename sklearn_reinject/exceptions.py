"""Exceptions of sklearn-reinject.

Each one also derives from the built-in or scikit-learn exception that a user
would already catch, following skorch's ``NotInitializedError``.
"""

from sklearn.exceptions import NotFittedError

__all__ = ["ReinjectError", "ChainDivergenceError", "TrainingDivergedError",
           "SamplingWarning", "NotFittedError"]


class ReinjectError(Exception):
    """Base class of the package's own exceptions."""


class ChainDivergenceError(ReinjectError, FloatingPointError):
    """A sampling chain produced NaN or infinite values.

    Raised instead of returning non-finite samples. The usual cause is a
    ``lam`` far too large for the data's scale, or an autoencoder whose
    reconstruction is not contractive.
    """


class TrainingDivergedError(ReinjectError, FloatingPointError):
    """The training loss became NaN or infinite, or no epoch finished."""


class SamplingWarning(UserWarning):
    """Samples look wrong without being non-finite.

    Raised as a warning when many samples fall far outside the range of the
    training data, the sign of a ``lam`` far too large for the data; and
    when walks start from ``N(0, I)`` or ``U(0, 1)`` while the autoencoder
    was trained on features that spread far wider or sit far away, which
    the walks may never reach.
    """
