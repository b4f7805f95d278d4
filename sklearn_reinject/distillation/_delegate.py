"""Prediction by the classifier a meta-estimator has trained, and its log."""

import numpy as np
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ._student import SoftTargetClassifier


def _inner_has(attr):
    """Whether the inner classifier (fitted, given or default) has ``attr``."""
    def check(self):
        fitted = getattr(self, self._inner_fitted, None)
        given = getattr(self, self._inner_param)
        est = fitted if fitted is not None else (
            given if given is not None else SoftTargetClassifier())
        return hasattr(est, attr)

    return check


class InnerClassifierMixin:
    """``predict``, ``predict_proba`` and ``predict_log_proba`` delegated.

    For meta-estimators whose predictions are those of one classifier
    they train: the parameter ``_inner_param`` (``None`` standing for a
    :class:`SoftTargetClassifier`), fitted as ``_inner_fitted``.
    """

    _inner_param = "classifier"
    _inner_fitted = "classifier_"

    def _log(self, message):
        """Print one progress line, when ``verbose`` asks for it."""
        if self.verbose:
            print(f"[{type(self).__name__}] {message}", flush=True)

    def _fitted_inner(self, X):
        """The trained classifier and ``X`` validated for it."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float32, reset=False)
        return getattr(self, self._inner_fitted), X

    def predict(self, X):
        """Predict classes with the trained classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        inner, X = self._fitted_inner(X)
        return inner.predict(X)

    @available_if(_inner_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the trained classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, in ``classes_`` order.
        """
        inner, X = self._fitted_inner(X)
        return inner.predict_proba(X)

    @available_if(_inner_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities from the trained classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, in ``classes_`` order.
        """
        inner, X = self._fitted_inner(X)
        return inner.predict_log_proba(X)
