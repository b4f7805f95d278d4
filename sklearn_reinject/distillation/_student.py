"""An MLP classifier that learns from hard labels or probability rows."""

from numbers import Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import BaseTorchMLP
from ..nn import MLPClassifierModule, SoftCrossEntropy
from ..utils._batching import batched_apply
from ..utils._compat import Interval, _fit_context
from ..utils._constants import BLOCK_ROWS


class SoftTargetClassifier(ClassifierMixin, BaseTorchMLP):
    """MLP classifier trained by skorch on labels or on soft targets.

    ``fit(X, y)`` accepts either class labels of shape ``(n_samples,)`` or a
    probability matrix of shape ``(n_samples, n_classes)`` (rows summing to
    one), such as a teacher's ``predict_proba``. It minimises the
    cross-entropy between the targets and ``softmax(logits / temperature)``,
    scaled by ``temperature**2`` (Hinton et al., 2015); predictions use
    ``temperature=1``. This makes it the default student of
    :class:`~sklearn_reinject.SyntheticDistiller`, and a good teacher too.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Widths of the hidden layers.
    activation : str or torch.nn.Module subclass, default="relu"
        Hidden activation; see :class:`~sklearn_reinject.LossyAutoencoder`.
    temperature : float, default=1.0
        Distillation temperature used in training.
    max_epochs : int or "auto", default="auto"
        Passes over the training data. ``"auto"`` is 20 epochs, or more on
        small data so that training takes at least 500 gradient steps
        (``ceil(500 / ceil(n_samples / batch_size))`` epochs: 250 for
        iris's 150 rows, which 20 epochs would give 40 steps, too few to
        learn it). :meth:`partial_fit` runs one epoch whatever the value.
    batch_size : int, default=128
        Mini-batch size.
    lr : float, default=1e-3
        Learning rate.
    optimizer : str or torch.optim.Optimizer subclass, default="adam"
        Optimiser.
        As in skorch, ``set_params`` (or a parameter grid) routes
        ``optimizer__<param>`` to it (``optimizer__momentum=0.9`` with
        ``"sgd"``, ``optimizer__betas=(0.9, 0.99)``; it overrides ``lr``
        and ``weight_decay``) and ``callbacks__<name>__<param>`` to the
        callback of that name (``callbacks__print_log=None`` removes
        one). ``get_params`` and ``clone`` keep them.
        Optimisers with a fused kernel (Adam, AdamW, SGD, Adagrad) use it
        on the CPU and CUDA unless ``optimizer__fused`` or
        ``optimizer__foreach`` says otherwise.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimiser.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks.
    validation_fraction : float or None, default=None
        Share of the rows that :meth:`fit` holds out (at random, seeded by
        ``random_state``) to score every epoch: skorch's ``valid_loss`` in
        ``history_``, the training objective on those rows with their
        noise redrawn the same at every epoch, which callbacks such as
        ``EarlyStopping()`` and ``Checkpoint()`` monitor. The held-out rows
        are not trained on and not kept. ``None`` trains on every row.
        :meth:`partial_fit` ignores it, as scikit-learn's
        ``MLPClassifier`` ignores ``early_stopping`` there.
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Where to train and predict; resolved in :meth:`fit`.
    precision : {"float32", "bfloat16", "float16"}, default="float32"
        Arithmetic of training. ``"bfloat16"`` and ``"float16"`` train with
        mixed precision: the forward pass and loss run under
        :class:`torch.autocast` while weights and optimiser state stay
        float32; ``"float16"`` also scales the loss against gradient
        underflow (:class:`torch.amp.GradScaler`). Inference
        (:meth:`predict` and the like) runs in float32.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation and shuffling.
    verbose : int, default=0
        1: print a line per epoch; 2 and more: also a progress bar over the
        batches.

    **kwargs : dict
        skorch's routed parameters, as :class:`skorch.NeuralNet` takes them:
        ``optimizer__<param>`` to the optimiser's constructor,
        ``callbacks__<name>__<param>`` to a callback and
        ``callbacks__<name>=None`` to remove one. ``get_params``,
        ``set_params`` and ``clone`` treat them as parameters. Any other
        name is refused at :meth:`fit`, with the declared parameter it
        resembles.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (``arange(n_classes)`` for probability targets unless
        ``classes`` is passed to :meth:`fit`).
    module_ : MLPClassifierModule
        The trained torch module.
    device_ : torch.device
        The device the module lives on.
    history_ : skorch.History
        skorch's record of the training epochs.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    n_iter_ : int
        Number of epochs run.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during :meth:`fit`, when ``X`` has string
        column names.

    References
    ----------
    .. [1] G. Hinton, O. Vinyals and J. Dean, "Distilling the knowledge in a
       neural network", 2015.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_reinject import SoftTargetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SoftTargetClassifier(max_epochs=5, device="cpu",
    ...                            random_state=0).fit(X / 16, y)
    >>> clf.predict_proba(X[:2] / 16).shape
    (2, 10)
    """

    _parameter_constraints: dict = {
        **BaseTorchMLP._parameter_constraints,
        "temperature": [Interval(Real, 0, None, closed="neither")],
    }

    #: SyntheticDistiller passes probability rows to estimators with this.
    _accepts_soft_targets = True

    #: ``max_epochs="auto"`` on large data: the 20 passes of the former
    #: integer default, which large data keeps (a student of 10,000
    #: synthetic samples still takes 1,580 steps).
    _auto_min_epochs = 20

    def __init__(self, *, hidden_layer_sizes=(100,), activation="relu",
                 temperature=1.0, max_epochs="auto", batch_size=128, lr=1e-3,
                 optimizer="adam", weight_decay=0.0, callbacks=None,
                 validation_fraction=None,
                 device="auto", precision="float32", random_state=None,
                 verbose=0,
                 **kwargs):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.temperature = temperature
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.callbacks = callbacks
        self.validation_fraction = validation_fraction
        self.device = device
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose
        self._set_routed(kwargs)

    def _build_module(self, n_features):
        return MLPClassifierModule(n_features, len(self.classes_),
                                   self._hidden_layer_sizes, self.activation)

    def _make_criterion(self):
        return SoftCrossEntropy(temperature=float(self.temperature))

    def _targets(self, X, y, classes, reset):
        """Validated ``X`` and probability-row targets ``Y``."""
        y_arr = np.asarray(y) if not hasattr(y, "iloc") else y
        # A column vector is a label vector to scikit-learn, unless the
        # caller names its single class: then it is a one-class soft target.
        soft = getattr(y_arr, "ndim", 1) == 2 and (
            y_arr.shape[1] > 1 or classes is not None)
        if soft:
            X, Y = validate_data(self, X, y, dtype=np.float32, reset=reset,
                                 multi_output=True, y_numeric=True)
            Y = self._check_soft_targets(np.asarray(Y, dtype=np.float32))
            if reset:
                self.classes_ = (np.arange(Y.shape[1]) if classes is None
                                 else np.asarray(classes))
            if len(self.classes_) != Y.shape[1]:
                raise ValueError(
                    f"The 'classes' parameter has {len(self.classes_)} "
                    f"labels but y has {Y.shape[1]} columns.")
            return X, Y
        X, y = validate_data(self, X, y, dtype=np.float32, reset=reset)
        check_classification_targets(y)
        if reset:
            self.classes_ = np.unique(y if classes is None else classes)
        unknown = np.setdiff1d(y, self.classes_)
        if len(unknown):
            raise ValueError(
                f"y contains labels {unknown.tolist()} that are not in "
                f"classes_ {self.classes_.tolist()}.")
        codes = np.searchsorted(self.classes_, y)
        return X, np.eye(len(self.classes_), dtype=np.float32)[codes]

    def partial_fit(self, X, y, classes=None):
        """One epoch over ``(X, y)``, continuing from the current weights.

        The first call builds the network (pass ``classes`` for labels that
        may not all appear in the first batch); later calls continue with
        the same optimiser state, also after pickling and loading. With
        ``batch_size >= len(X)`` one call is one gradient step, which is how
        an online student learns from fresh synthetic mini-batches.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or soft targets whose rows are probabilities.
        classes : array-like of shape (n_classes,), default=None
            All class labels; used by the first call only.

        Returns
        -------
        self : object
            The updated classifier.
        """
        return self._partial_fit_epochs(X, y, classes, epochs=1)

    def _partial_fit_epochs(self, X, y, classes, epochs):
        """``epochs`` calls of :meth:`partial_fit` on the same rows, at once.

        The same updates (one shuffled pass per epoch, the optimiser's
        state carried over) without validating the rows and entering
        skorch at every epoch: :class:`~sklearn_reinject.
        PseudoRehearsalClassifier` trains on each task this way.
        """
        if not hasattr(self, "module_"):
            self._validate_params()
            X, Y = self._targets(X, y, classes, reset=True)
            self._check_params(X)
            return self._train(X, Y, epochs=epochs)
        X, Y = self._targets(X, y, None, reset=False)
        return self._continue(X, Y, epochs=epochs)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, classes=None):
        """Train on class labels or on probability rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or soft targets whose rows are probabilities.
        classes : array-like of shape (n_classes,), default=None
            Labels of the columns of soft targets. Ignored for labels.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        X, Y = self._targets(X, y, classes, reset=True)
        self._check_params(X)
        return self._train(X, Y)

    @staticmethod
    def _check_soft_targets(Y):
        if (Y < 0).any() or not np.allclose(Y.sum(axis=1), 1.0, atol=1e-3):
            raise ValueError(
                "Soft targets y must be probability rows: non-negative and "
                f"summing to 1. Got row sums in [{Y.sum(axis=1).min():g}, "
                f"{Y.sum(axis=1).max():g}] and minimum {Y.min():g}.")
        return Y

    def _logits(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float32, reset=False)
        # Fixed-shape blocks: a row's probabilities are the same alone or
        # in a batch (on CPUs whose matrix kernels depend on the number of
        # rows, such as Intel's with AMX, they differed at float32 rounding).
        return batched_apply(self.module_, X, self.device_,
                             batch_size=BLOCK_ROWS, pad=True)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            ``softmax(logits)`` (temperature 1), in ``classes_`` order.
        """
        logits = torch.from_numpy(self._logits(X)).double()
        return torch.softmax(logits, dim=1).numpy()

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities.
        """
        logits = torch.from_numpy(self._logits(X)).double()
        return torch.log_softmax(logits, dim=1).numpy()

    def predict(self, X):
        """Most probable class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        logits = self._logits(X)
        return self.classes_[np.argmax(logits, axis=1)]
