"""What a sampler needs from an autoencoder, and an adapter for torch modules.

:class:`~sklearn_reinject.ReinjectionSampler` samples any fitted object
that meets :class:`ReinjectableAutoencoder`. Every autoencoder of this
package does; :class:`ModuleAutoencoder` makes any ``torch.nn.Module`` that
maps a batch to its reconstruction meet it too.
"""

import copy
from numbers import Real
from typing import Protocol, runtime_checkable

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import validate_data

from .._base import DeviceModuleMixin
from ..utils._batching import to_tensor
from ..utils._compat import Interval, _fit_context
from ..utils._device import resolve_device
from ..utils._validation import record_data_summary

#: Members a sampler reads or calls; all of them are required.
REQUIRED = ("n_features_in_", "device_", "reconstruct_tensor", "default_lam")


@runtime_checkable
class ReinjectableAutoencoder(Protocol):
    """The contract between a sampler and a fitted autoencoder.

    A sampler may read and call only these members. Required:

    - ``n_features_in_`` (int): the width of a row.
    - ``device_`` (:class:`torch.device`): where the network runs; the
      sampler draws its noise and keeps its walks there.
    - ``reconstruct_tensor(x)``: ``r(x)`` for a float32 tensor of shape
      ``(n, n_features_in_)`` on ``device_``, returning a tensor of the same
      shape (a lower precision is accepted under autocast). The sampler
      calls it under :func:`torch.inference_mode`, possibly from several
      threads at once on a CPU, so it must not change any state: the
      network is in eval mode.
    - ``default_lam()``: the sampling ``lam`` matched to the training (used
      by ``lam="auto"`` without :meth:`fit`, as the centre of the
      calibration grid, as the score scale ``default_lam() / 2`` of
      ``method="mh"``, and by the range warning).

    Optional, each enabling one feature:

    - ``data_min_``, ``data_max_`` (arrays of shape ``(n_features_in_,)``):
      the training data's range; samples far outside it raise a
      :class:`~sklearn_reinject.exceptions.SamplingWarning`.
    - ``sample_prior_tensor(n, generator)``: ``n`` starting points drawn
      with the :class:`torch.Generator` ``generator`` on ``device_``, for
      ``init="prior"``.
    - ``noise_levels_`` (decreasing array) and ``denoise_tensor(x,
      level)``, the denoiser of ``noise_levels_[level]``: for
      ``schedule="annealed"``.

    To be fitted by :meth:`ReinjectionSampler.fit`, the object is also a
    scikit-learn estimator (``fit``, ``get_params``); a fitted one is used
    as is.
    """

    n_features_in_: int
    device_: torch.device

    def reconstruct_tensor(self, x):
        """``r(x)`` of a tensor on ``device_``."""

    def default_lam(self):
        """The matched sampling ``lam``."""


def check_reinjectable(autoencoder):
    """Raise a clear error unless ``autoencoder`` meets the protocol."""
    missing = [name for name in REQUIRED if not hasattr(autoencoder, name)]
    if missing:
        raise TypeError(
            f"{type(autoencoder).__name__} cannot be sampled: it lacks "
            f"{', '.join(missing)} (see ReinjectableAutoencoder). Wrap a "
            "torch module in ModuleAutoencoder.")
    return autoencoder


class ModuleAutoencoder(DeviceModuleMixin, BaseEstimator):
    """A torch autoencoder trained elsewhere, made sampleable by reinjection.

    Adapts any :class:`torch.nn.Module` whose ``forward`` maps a batch of
    rows to their reconstructions to the
    :class:`~sklearn_reinject.sampling.ReinjectableAutoencoder` protocol,
    so that :class:`~sklearn_reinject.ReinjectionSampler` can sample it.
    :meth:`fit` does not train: it checks the module on ``X`` and records
    the width and range of the data.

    Parameters
    ----------
    module : torch.nn.Module
        The trained autoencoder; ``module(x)`` must return ``r(x)`` with
        the shape of ``x``. :meth:`fit` works on a copy in eval mode on
        ``device``; the module passed in is left as it is.
    lam : float, default=0.1
        The noise variance the module was trained with, if known (for a
        denoising autoencoder with Gaussian noise of std ``sigma``,
        ``2 * sigma**2``): what ``default_lam()`` returns.
    device : str or torch.device, default="cpu"
        Where the network runs: ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or
        ``"auto"``.

    Attributes
    ----------
    module_ : torch.nn.Module
        The copy of ``module`` that sampling calls.
    device_ : torch.device
        The device of ``module_``.
    n_features_in_ : int
        Number of features of ``X``.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during :meth:`fit`, when ``X`` has string
        column names.
    data_min_, data_max_ : ndarray of shape (n_features,)
        Per-feature range of ``X`` (for the sampler's range warning).

    See Also
    --------
    ReinjectionSampler : Samples any object that meets the protocol.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sklearn_reinject import ReinjectionSampler
    >>> from sklearn_reinject.sampling import ModuleAutoencoder
    >>> X = np.random.RandomState(0).rand(100, 4).astype(np.float32)
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.Tanh(),
    ...                           torch.nn.Linear(2, 4))
    >>> ae = ModuleAutoencoder(net, lam=0.05).fit(X)
    >>> ReinjectionSampler(ae, lam=0.05, random_state=0).sample(3).shape
    (3, 4)
    """

    _parameter_constraints: dict = {
        "module": [torch.nn.Module],
        "lam": [Interval(Real, 0, None, closed="neither")],
        "device": [str, torch.device],
    }

    def __init__(self, module, *, lam=0.1, device="cpu"):
        self.module = module
        self.lam = lam
        self.device = device

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the module on ``X`` and record the data's width and range.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data of the kind the module was trained on.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted adapter.
        """
        X = validate_data(self, X, dtype=np.float32)
        device = resolve_device(self.device)
        module = copy.deepcopy(self.module).to(device).eval()
        with torch.inference_mode():
            out = module(to_tensor(X[:2], device))
        if not isinstance(out, torch.Tensor) or out.shape != (
                min(len(X), 2), X.shape[1]):
            got = (tuple(out.shape) if isinstance(out, torch.Tensor)
                   else type(out).__name__)
            raise ValueError(
                "The 'module' parameter must map a batch of shape (n, "
                f"{X.shape[1]}) to its reconstruction of the same shape. "
                f"Got {got} for a batch of shape {(min(len(X), 2), X.shape[1])}.")
        self.module_, self.device_ = module, torch.device(device)
        record_data_summary(self, X)
        return self

    def reconstruct_tensor(self, x):
        """Return ``module_(x)``, the reconstructions of a batch on ``device_``.

        Parameters
        ----------
        x : torch.Tensor of shape (n_samples, n_features)
            The batch.

        Returns
        -------
        r_x : torch.Tensor of shape (n_samples, n_features)
        """
        return self.module_(x)

    def default_lam(self):
        """The ``lam`` parameter: the module's matched sampling ``lam``.

        Returns
        -------
        lam : float
            ``lam``.
        """
        return float(self.lam)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.non_deterministic = False
        return tags
