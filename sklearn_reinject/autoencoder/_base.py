"""Base class of the MLP autoencoder estimators."""

from numbers import Real

import numpy as np
import torch
from sklearn.base import (ClassNamePrefixFeaturesOutMixin,
                          OneToOneFeatureMixin, TransformerMixin)
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import BaseTorchMLP
from ..nn import ACTIVATIONS, MLPAutoencoder, ReconstructionLoss
from ..nn import batch_jacobian, reconstruction_loss
from ..utils._batching import batched_apply, to_tensor
from ..utils._compat import StrOptions, _fit_context, _get_output_config
from ..utils._constants import BLOCK_ROWS, DEFAULT_LAM
from ..utils._validation import data_summary, record_data_summary


def sample_by_reinjection(autoencoder, n_samples, random_state, **params):
    """``autoencoder.sample``: reinjection with the matched ``lam``.

    The one place where ``autoencoder/`` uses ``sampling/``: the samplers
    depend on the autoencoders only through the protocol written down in
    :class:`~sklearn_reinject.sampling.ReinjectableAutoencoder`, and the
    autoencoders reach the samplers only here. ``params`` go to
    :class:`~sklearn_reinject.ReinjectionSampler`.
    """
    from ..sampling import ReinjectionSampler

    check_is_fitted(autoencoder)
    sampler = ReinjectionSampler(autoencoder, lam=autoencoder.default_lam(),
                                 random_state=random_state, **params)
    return sampler.set_output(
        transform=sample_container(autoencoder)).sample(n_samples)


def sample_container(autoencoder):
    """``"pandas"`` or ``"default"``: what ``autoencoder.sample`` returns.

    The autoencoder's own ``set_output(transform=...)`` choice, else
    scikit-learn's ``transform_output`` config, as for ``transform``.
    """
    return _get_output_config("transform", autoencoder)["dense"]


def wrap_samples(autoencoder, X_new):
    """``X_new`` as :func:`sample_container` asks, named like the input."""
    if sample_container(autoencoder) != "pandas":
        return X_new
    import pandas as pd

    return pd.DataFrame(X_new, columns=OneToOneFeatureMixin.
                        get_feature_names_out(autoencoder))


class ReconstructTensorMixin:
    """``reconstruct_tensor``, the tensor-level ``r`` the samplers call."""

    def reconstruct_tensor(self, x):
        """``r(x)`` of a tensor on ``device_``, for the samplers.

        The tensor-level :meth:`reconstruct` of the
        :class:`~sklearn_reinject.sampling.ReinjectableAutoencoder`
        protocol: no validation, no copy to numpy. For a
        :class:`~sklearn_reinject.MultiScaleDenoisingAutoencoder`, the
        denoised estimate at the smallest noise level.

        Parameters
        ----------
        x : torch.Tensor of shape (n_samples, n_features)
            Rows on ``device_``.

        Returns
        -------
        r_x : torch.Tensor of shape (n_samples, n_features)
            ``module_.reconstruct(x)``.
        """
        return self.module_.reconstruct(x)


class BaseAutoencoder(ReconstructTensorMixin, ClassNamePrefixFeaturesOutMixin,
                      TransformerMixin, BaseTorchMLP):
    """Fit, transform, decode, score and sample for MLP autoencoders."""

    _parameter_constraints: dict = {
        **BaseTorchMLP._parameter_constraints,
        "output_activation": [StrOptions({"auto", *ACTIVATIONS}), callable],
        "loss": [StrOptions({"auto", "bce", "mse"})],
    }

    def _check_params(self, X):
        super()._check_params(X)
        out = self.output_activation
        if self.loss == "auto" and out not in ("auto", "sigmoid", "identity"):
            raise ValueError(
                "loss='auto' chooses 'bce' (sigmoid output) or 'mse' "
                "(identity output) from the data; pass the loss explicitly "
                f"with output_activation={out!r}.")
        if self.loss == "bce":
            if out not in ("auto", "sigmoid"):
                raise ValueError(
                    "loss='bce' needs output_activation='sigmoid' (or "
                    f"'auto'). Got output_activation={out!r} instead.")
            lo, hi = float(X.min()), float(X.max())
            if lo < 0 or hi > 1:
                raise ValueError(
                    "loss='bce' needs X scaled to [0, 1] (for example with "
                    f"MinMaxScaler). Got X with values in [{lo:g}, {hi:g}]; "
                    "use loss='mse' for unbounded data.")

    def _output_activation(self):
        if self.output_activation == "auto":
            return "sigmoid" if self.loss_ == "bce" else "identity"
        return self.output_activation

    def _build_module(self, n_features):
        return MLPAutoencoder(
            n_features, self._hidden_layer_sizes, activation=self.activation,
            output_activation=self._output_activation(),
            output_logits=self.loss_ == "bce",
            preact_noise_std=self._preact_noise_std())

    def _make_criterion(self):
        return ReconstructionLoss(loss=self.loss_)

    def _preact_noise_std(self):
        return 0.0

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder to reconstruct ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. Dense, finite; ``loss='bce'`` needs values in
            [0, 1].
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted autoencoder.
        """
        X = validate_data(self, X, dtype=np.float32, ensure_min_samples=1)
        self._check_params(X)
        self._set_data_attributes(X)
        return self._train(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One epoch over ``X``, continuing from the current weights.

        The first call (or the first after :meth:`fit`'s attributes were
        removed) builds the network as :meth:`fit` does; later calls
        continue with the same optimiser state, also after pickling and
        loading, so that data arriving in chunks, or too large to hold at
        once, trains the autoencoder without being kept. ``max_epochs`` is
        not used: each call is one shuffled pass over its rows.
        ``loss='auto'`` is resolved on the first call's rows. The range and
        per-feature summaries that samplers read (``data_min_``,
        ``data_max_``) cover every row seen; :meth:`fit` starts afresh.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows. Dense, finite; with ``loss_ == 'bce'`` in [0, 1].
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The updated autoencoder.
        """
        first = not hasattr(self, "module_")
        X = validate_data(self, X, dtype=np.float32, ensure_min_samples=1,
                          reset=first)
        self._check_params(X)
        if first:
            self._set_data_attributes(X)
            return self._train(X, epochs=1)
        return self._partial_fit_epochs(X, 1)

    def _partial_fit_epochs(self, X, epochs):
        """``epochs`` passes over validated rows, continuing training.

        The same updates as ``epochs`` calls of :meth:`partial_fit` on a
        fitted autoencoder, without validating ``X`` at each.
        """
        # One pass of summaries serves the range check and the merge.
        summary = data_summary(X)
        low, high = float(summary[0].min()), float(summary[1].max())
        if self.loss_ == "bce" and (low < 0 or high > 1):
            raise ValueError(
                f"This autoencoder was trained with loss='bce' (loss="
                f"{self.loss!r}), which needs X in [0, 1]. Got X with values "
                f"in [{low:g}, {high:g}].")
        self._merge_data_summary(len(X), *summary)
        return self._continue(X, None, epochs=epochs)

    def _merge_data_summary(self, n_new, min_new, max_new, mean_new,
                            var_new):
        """Extend the summaries of :func:`record_data_summary` to a chunk.

        The chunk's own summaries (:func:`data_summary`) and row count.
        """
        n_old = self.n_samples_seen_
        n = n_old + n_new
        delta = mean_new - self._feature_mean
        var = ((n_old * self._feature_std ** 2 + n_new * var_new) / n
               + n_old * n_new * delta ** 2 / n ** 2)
        self.data_min_ = np.minimum(self.data_min_, min_new)
        self.data_max_ = np.maximum(self.data_max_, max_new)
        self._feature_mean = self._feature_mean + delta * n_new / n
        self._feature_std = np.sqrt(var)
        self.n_samples_seen_ = n

    def _set_data_attributes(self, X):
        """Fitted attributes read off the data before training."""
        self._n_features_out = self._hidden_layer_sizes[-1]
        record_data_summary(self, X)
        self.n_samples_seen_ = len(X)
        self.loss_ = self.loss
        if self.loss == "auto":
            # A Bernoulli likelihood for data in [0, 1] (pixels), a Gaussian
            # one otherwise; an identity output can only go with "mse".
            in_unit = X.min() >= 0 and X.max() <= 1
            self.loss_ = "bce" if in_unit and \
                self.output_activation != "identity" else "mse"

    def _validated(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype=np.float32, reset=False)

    def transform(self, X):
        """Encode ``X`` into codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components), dtype float32
            Codes (the last hidden layer).
        """
        X = self._validated(X)
        return self._apply(self.module_.encode, X)

    def inverse_transform(self, X):
        """Decode codes back to data space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as returned by :meth:`transform`.

        Returns
        -------
        X_rec : ndarray of shape (n_samples, n_features), dtype float32
            Decoded data.
        """
        check_is_fitted(self)
        Z = self._check_codes(X)
        return self._apply(self.module_.decode, Z)

    def _check_codes(self, Z):
        Z = check_array(Z, dtype=np.float32, input_name="X")
        if Z.shape[1] != self._n_features_out:
            raise ValueError(
                f"X has {Z.shape[1]} features, but inverse_transform expects "
                f"codes with {self._n_features_out} features (the code size "
                f"of {type(self).__name__}).")
        return Z

    def reconstruct(self, X):
        """Return ``r(X)``, the reconstruction of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        X_rec : ndarray of shape (n_samples, n_features), dtype float32
            ``decode(encode(X))``.
        """
        X = self._validated(X)
        return self._apply(self.module_.reconstruct, X)

    def score_samples(self, X):
        """Minus the reconstruction loss of each sample (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``-loss(r(x), x)`` summed over features, with the estimator's
            ``loss``.
        """
        X = self._validated(X)
        if self.loss_ == "bce" and (X.min() < 0 or X.max() > 1):
            raise ValueError(
                "loss='bce' scores need X in [0, 1]. Got values in "
                f"[{X.min():g}, {X.max():g}].")

        def per_sample(xb):
            return self._per_sample_loss(xb)[:, None]

        # Fixed-shape blocks: a row scores the same alone or in a batch.
        return -batched_apply(per_sample, X, self.device_,
                              batch_size=BLOCK_ROWS,
                              out_dtype=np.float64, pad=True).ravel()

    def _per_sample_loss(self, xb):
        # Summed in float64 so that a row's score does not depend on the
        # batch it was computed in beyond float32 rounding of r(x).
        out = self.module_(xb).double()
        return reconstruction_loss(out, xb.double(), self.loss_)

    def score(self, X, y=None):
        """Minus the mean reconstruction loss on ``X`` (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : None
            Ignored.

        Returns
        -------
        score : float
            ``mean(score_samples(X))``.
        """
        return float(np.mean(self.score_samples(X)))

    # -- what the sampler needs ------------------------------------------------
    def default_lam(self):
        """The sampling ``lam`` matched to how this autoencoder was trained.

        Returns
        -------
        lam : float
            ``0.1`` unless a subclass knows better (a DAE trained with
            Gaussian input noise of std ``sigma`` returns ``2 * sigma**2``).
        """
        return DEFAULT_LAM

    def estimate_score(self, X, scale=None):
        """Estimate the score ``grad log p(x)`` as ``(r(x) - x) / scale``.

        For a regularised autoencoder, ``r(x) = x + (lam / 2) * grad log p(x)
        + o(lam)`` (Solinas et al., 2020, eq. 6), so the default scale is
        ``default_lam() / 2``. For a DAE with Gaussian input noise ``sigma``
        this is ``sigma**2`` (Alain & Bengio, 2014, Theorem 1); for the
        reconstruction-contractive autoencoder, its ``contraction``
        (Alain & Bengio, 2014, Theorem 2).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points at which to estimate the score.
        scale : float, default=None
            Divisor; ``None`` means ``default_lam() / 2``.

        Returns
        -------
        score : ndarray of shape (n_samples, n_features), dtype float32
            The estimated score.
        """
        scale = self._check_scale(scale)
        X = self._validated(X)
        return self._apply(lambda xb: (self.module_.reconstruct(xb) - xb)
                           / scale, X)

    def estimate_hessian(self, X, scale=None):
        """Estimate the Hessian of ``log p`` as ``(dr/dx - I) / scale``.

        Differentiating ``r(x) - x = scale * grad log p(x)`` gives the
        Jacobian of the reconstruction as an estimate of the Hessian of the
        log-density (Alain & Bengio, 2014, Section 3.3).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points at which to estimate the Hessian.
        scale : float, default=None
            Divisor; ``None`` means ``default_lam() / 2``, as in
            :meth:`estimate_score`.

        Returns
        -------
        hessian : ndarray of shape (n_samples, n_features, n_features)
            One matrix per row of ``X``, float32.
        """
        scale = self._check_scale(scale)
        X = self._validated(X)
        eye = torch.eye(X.shape[1], device=self.device_)
        out = []
        for start in range(0, len(X), 256):
            xb = to_tensor(X[start:start + 256], self.device_)
            J = batch_jacobian(self.module_.reconstruct, xb)
            out.append(((J.detach() - eye) / scale).cpu().numpy())
        return np.concatenate(out) if out else np.empty(
            (0, X.shape[1], X.shape[1]), dtype=np.float32)

    def _check_scale(self, scale):
        if scale is None:
            scale = self.default_lam() / 2
        if isinstance(scale, bool) or not isinstance(scale, Real) or \
                not scale > 0:
            raise ValueError(
                f"The 'scale' parameter must be a float > 0. Got {scale!r} "
                "instead.")
        return float(scale)

    def sample(self, n_samples=1, random_state=None):
        """Generate samples by reinjection with default settings.

        Runs :class:`~sklearn_reinject.ReinjectionSampler` with
        ``lam=default_lam()`` and its other defaults.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate.
        random_state : int, RandomState instance or None, default=None
            Seed of the chains.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Samples in random order; a pandas DataFrame named like the
            input features when ``set_output(transform="pandas")`` or
            scikit-learn's ``transform_output`` config asks for pandas.
        """
        return sample_by_reinjection(self, n_samples, random_state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.non_deterministic = False
        return tags
