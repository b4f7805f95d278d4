"""The random-generator lower bound: Gaussian noise."""

from numbers import Real

import numpy as np
from sklearn.utils.validation import validate_data

from ..utils._compat import Interval, _fit_context
from ..utils._constants import CHUNK_ROWS
from ._base import BaseSampler


class GaussianNoiseSampler(BaseSampler):
    """Samples ``N(mean, std**2 I)`` in the data's dimension.

    The "random generator" of Solinas et al. (2020, Table I): a teacher
    labelling pure noise gives the lower bound that a useful generator must
    beat. It has the sampler API of
    :class:`~sklearn_reinject.ReinjectionSampler`.

    Parameters
    ----------
    mean : float, default=0.0
        Mean of every feature.
    std : float, default=1.0
        Standard deviation of every feature.
    sampling_strategy : float, str, dict or callable, default="auto"
        Used by :meth:`fit_resample` only, with imbalanced-learn's
        over-sampling forms; see
        :class:`~sklearn_reinject.ReinjectionSampler`.
    random_state : int, RandomState instance or None, default=None
        Seeds the samples.

    Attributes
    ----------
    n_features_in_ : int
        Number of features of the data passed to :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during :meth:`fit`, when ``X`` has string
        column names.
    sampling_strategy_ : OrderedDict
        Set by :meth:`fit_resample`: the number of rows added to each
        resampled class.

    See Also
    --------
    ReinjectionSampler : Sampling by iterating an autoencoder with noise.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_reinject import GaussianNoiseSampler
    >>> sampler = GaussianNoiseSampler(random_state=0).fit(np.zeros((5, 3)))
    >>> sampler.sample(4).shape
    (4, 3)
    """

    _parameter_constraints: dict = {
        **BaseSampler._parameter_constraints,
        "mean": [Real],
        "std": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, *, mean=0.0, std=1.0, sampling_strategy="auto",
                 random_state=None):
        self.mean = mean
        self.std = std
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Record the number of features of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data; only its shape is used (it is still validated).
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted sampler.
        """
        validate_data(self, X, dtype=np.float32)
        return self

    def _n_features(self):
        return self.n_features_in_

    def _iter_chunks(self, n_samples, seed):
        gen = np.random.default_rng(seed)
        for start in range(0, n_samples, CHUNK_ROWS):
            n = min(CHUNK_ROWS, n_samples - start)
            chunk = gen.standard_normal((n, self.n_features_in_),
                                        dtype=np.float32)
            yield self.mean + self.std * chunk
