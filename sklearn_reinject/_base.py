"""The scikit-learn base of the skorch-backed estimators.

scikit-learn owns the public surface (parameters, validation, fitted
attributes); skorch owns the training loop (epochs, callbacks, history,
progress printing), through the net of ``_skorch.py``. The skorch net lives
only during ``fit``: afterwards the estimator keeps the trained ``module_``
and the ``history_``.
"""

import copy
import difflib
import inspect
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning

from ._skorch import OPTIMIZERS, RNG_STATE_KEY, _SliceLoader, _TrainingNet
from .exceptions import TrainingDivergedError
from .nn import ACTIVATIONS, materialize_
from .utils._batching import batched_apply, to_cpu, to_tensor
from .utils._compat import Interval, InvalidParameterError, StrOptions
from .utils._device import PRECISIONS, available_device, resolve_device
from .utils._random import draw_seeds, torch_generator
from .utils._warnings import warn_at_caller


def _is_module_class(obj):
    return isinstance(obj, type) and issubclass(obj, torch.nn.Module)


def _is_optimizer_class(obj):
    return isinstance(obj, type) and issubclass(obj, torch.optim.Optimizer)


def _fuses_by_default(optimizer, device, routed):
    """Whether ``optimizer`` runs PyTorch's fused kernel unless told not to.

    Adam, AdamW, SGD and Adagrad take ``fused=True`` on the CPU and CUDA:
    one kernel updates all of a parameter group's tensors, the same update
    up to float rounding, instead of a Python loop of element-wise
    operations per tensor (PyTorch's CPU default). The user's
    ``optimizer__fused`` or ``optimizer__foreach`` decides instead, and
    ``optimizer__differentiable``, which the fused kernel refuses, turns it
    off. ``benchmarks/bench_training.py`` measures the gain.
    """
    if any(f"optimizer__{name}" in routed
           for name in ("fused", "foreach", "differentiable")):
        return False
    if torch.device(device).type not in ("cpu", "cuda"):
        return False
    return "fused" in inspect.signature(optimizer).parameters


#: ``max_epochs="auto"``: at least this many epochs and gradient steps.
AUTO_MIN_EPOCHS = 50
AUTO_MIN_STEPS = 500

#: Prefixes of the parameters routed to skorch, as skorch spells them.
ROUTED_PREFIXES = ("optimizer__", "callbacks__")


class SkorchRoutingMixin:
    """skorch's ``optimizer__*`` and ``callbacks__*`` parameters.

    ``set_params(optimizer__momentum=0.9)`` goes to the optimiser's
    constructor and ``callbacks__<name>__<param>`` (or
    ``callbacks__<name>=None``, which removes a callback) to skorch's
    callbacks, as in :class:`skorch.NeuralNet`. The constructor takes them
    as keyword arguments beside its declared parameters, as skorch's does.
    Like skorch, it keeps any other keyword argument as a parameter too
    (``get_params``, ``set_params`` and ``clone`` see it) and refuses it at
    ``fit``, where scikit-learn validates parameters: scikit-learn's checks
    construct each estimator with every name of its signature, ``kwargs``
    included, and expect neither ``__init__`` nor ``set_params`` to raise.
    """

    def _set_routed(self, kwargs):
        """Keep ``__init__``'s keyword arguments (``_check_routed`` checks).

        They live in one private dict, not as attributes, so that an
        estimator built with them still sets no public attribute in
        ``__init__`` other than its declared parameters (scikit-learn's
        ``check_no_attributes_set_in_init``); reading
        ``est.optimizer__momentum`` still works (``__getattr__``).
        """
        self._routed_kwargs = dict(kwargs)

    def __getattr__(self, name):
        # Only reached when normal lookup fails: the routed parameters.
        routed = self.__dict__.get("_routed_kwargs", {})
        if name in routed:
            return routed[name]
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}")

    def _routed_params(self):
        """The routed parameters, and any other keyword of ``__init__``."""
        return dict(self.__dict__.get("_routed_kwargs", {}))

    def _unrouted_kwargs(self):
        """Keywords of ``__init__`` that are neither declared nor routed."""
        return tuple(key for key in self._routed_params()
                     if not key.startswith(ROUTED_PREFIXES))

    def get_params(self, deep=True):
        """Get parameters for this estimator, skorch's routed ones included.

        Parameters
        ----------
        deep : bool, default=True
            If True, will return the parameters for this estimator and
            contained subobjects that are estimators.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return {**super().get_params(deep=deep), **self._routed_params()}

    def set_params(self, **params):
        """Set parameters, skorch's ``optimizer__*`` and ``callbacks__*`` too.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            Estimator instance.
        """
        # A new dict: a shallow copy of this estimator keeps its own.
        routed = self._routed_params()
        for key in [k for k in params
                    if k.startswith(ROUTED_PREFIXES) or k in routed]:
            routed[key] = params.pop(key)
        self._routed_kwargs = routed
        return super().set_params(**params)

    def _check_routed(self, optimizer):
        """Refuse an ``optimizer__`` name that the optimiser does not take.

        And any keyword of ``__init__`` that is neither declared nor routed.
        """
        other = self._unrouted_kwargs()
        if other:
            hints = [f"{key!r} (did you mean {close[0]!r}?)" if close
                     else repr(key) for key in other
                     for close in [difflib.get_close_matches(
                         key, self._get_param_names(), n=1)]]
            raise InvalidParameterError(
                f"{type(self).__name__} got unexpected keyword argument(s) "
                f"{', '.join(hints)}. Besides its declared parameters it "
                "takes only skorch's routed ones, whose names start with "
                f"{' or '.join(map(repr, ROUTED_PREFIXES))} (for example "
                "optimizer__momentum=0.9).")
        signature = inspect.signature(optimizer)
        if any(p.kind == p.VAR_KEYWORD
               for p in signature.parameters.values()):
            return
        for key in self._routed_params():
            name = key[len("optimizer__"):]
            if key.startswith("optimizer__") and "__" not in name and \
                    name not in signature.parameters:
                raise ValueError(
                    f"The {key!r} parameter names {name!r}, which "
                    f"{optimizer.__name__} does not take (it takes "
                    f"{sorted(set(signature.parameters) - {'params'})}).")


class DeviceModuleMixin:
    """Pickles hold ``module_`` on the CPU; loading puts it back on its device.

    A model fitted on CUDA then loads and runs on a machine without CUDA
    (on the CPU). For estimators with a torch ``module_`` and a
    ``device_``.
    """

    def __getstate__(self):
        # BaseEstimator returns the instance's own __dict__ for classes
        # outside scikit-learn: edit a copy, or pickling (and so clone,
        # joblib.dump, a process pool) would change the live estimator.
        state = dict(super().__getstate__())
        module = state.get("module_")
        if module is not None and any(
                t.device.type != "cpu"
                for t in [*module.parameters(), *module.buffers()]):
            state["module_"] = copy.deepcopy(module).to("cpu")
        if "device_" in state:
            state["device_"] = str(state["device_"])
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "device_" in state:
            self.device_ = available_device(state["device_"])
            self.module_.to(self.device_)


class BaseTorchMLP(DeviceModuleMixin, SkorchRoutingMixin, BaseEstimator):
    """Parameters, device handling, training and pickling shared by the MLPs.

    Subclasses implement ``_build_module(n_features)`` (on the meta device),
    ``_make_criterion()`` and optionally ``_corrupt_fn(generator)`` and
    ``_penalty_fn(generator)``.
    """

    #: ``max_epochs="auto"``: the fewest epochs, however large the data.
    _auto_min_epochs = AUTO_MIN_EPOCHS

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None,
                                                      closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS)), callable],
        "max_epochs": [Interval(Integral, 1, None, closed="left"),
                       StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "callbacks": [list, None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "device": [str, torch.device],
        "precision": [StrOptions(set(PRECISIONS))],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # -- parameter checks that constraints cannot express ------------------
    def _check_params(self, X):
        """Raise a clear error for parameters the constraints let through.

        The one validation hook of each estimator: ``fit`` calls it after
        ``validate_data``; subclasses extend it and call ``super()``. It
        sets nothing: values derived from parameters are computed where
        they are used.
        """
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        if len(sizes) == 0 or not all(
                isinstance(s, Integral) and not isinstance(s, bool) and s >= 1
                for s in sizes):
            raise ValueError(
                "The 'hidden_layer_sizes' parameter must be a positive int or "
                f"a non-empty sequence of positive ints. Got "
                f"{self.hidden_layer_sizes!r} instead.")
        if not isinstance(self.activation, str) and not _is_module_class(
                self.activation):
            raise TypeError(
                "The 'activation' parameter must be one of "
                f"{sorted(ACTIVATIONS)} or a torch.nn.Module subclass. Got "
                f"{self.activation!r} instead.")
        if not isinstance(self.optimizer, str) and not _is_optimizer_class(
                self.optimizer):
            raise TypeError(
                "The 'optimizer' parameter must be one of "
                f"{sorted(OPTIMIZERS)} or a torch.optim.Optimizer subclass. "
                f"Got {self.optimizer!r} instead.")
        self._check_routed(self._optimizer_class())

    def _optimizer_class(self):
        return (OPTIMIZERS[self.optimizer] if isinstance(self.optimizer, str)
                else self.optimizer)

    @property
    def _hidden_layer_sizes(self):
        """``hidden_layer_sizes`` as a tuple of ints (checked by ``fit``)."""
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else sizes
        return tuple(int(s) for s in sizes)

    # -- training -----------------------------------------------------------
    def _train(self, X, y=None, epochs=None):
        """Build the module and train it on ``X`` (and ``y``) with skorch.

        Sets ``device_``, ``module_``, ``history_``, ``n_iter_`` and
        ``loss_curve_``. The skorch net is kept as ``_net`` (not pickled) so
        that ``partial_fit`` can continue with the optimiser's state.
        """
        device = resolve_device(self.device)
        # fit holds out validation rows; partial_fit (epochs=1) does not.
        validating = epochs is None and self.validation_fraction is not None
        init_seed, shuffle_seed, noise_seed, *valid_seed = draw_seeds(
            self.random_state, 4 if validating else 3)
        if validating:
            X, y, valid = self._hold_out(X, y, valid_seed[0], device)
        # Weights are drawn on the CPU so that a seed gives the same initial
        # network on every device.
        module = materialize_(self._build_module(X.shape[1]),
                              torch_generator(init_seed, "cpu")).to(device)
        self._training_seeds = (shuffle_seed, noise_seed)
        self._fit_epochs = self._resolve_max_epochs(len(X))
        net = self._make_net(module, device, valid if validating else None)
        net.initialize()
        self._check_callback_names(net)
        self._net = net
        self.device_ = device
        self.module_ = net.module_
        X_t = to_tensor(X, device)
        y_t = None if y is None else to_tensor(y, device)
        try:
            self._run_epochs(X_t, y_t, epochs)
        finally:
            # The net keeps no held-out row once fit is over; later
            # partial_fit calls train without validation.
            net.train_split = None
        self._check_training_outcome(
            self._fit_epochs if epochs is None else epochs, X)
        return self

    def _resolve_max_epochs(self, n_samples):
        """``max_epochs``, or for ``"auto"`` the epochs sized from the data.

        At least ``_auto_min_epochs`` epochs (``AUTO_MIN_EPOCHS`` unless a
        subclass says otherwise) and at least ``AUTO_MIN_STEPS`` gradient
        steps: a class of 100 rows gets 500 updates instead of 50, while
        large data sets keep ``_auto_min_epochs`` passes.
        """
        if self.max_epochs != "auto":
            return int(self.max_epochs)
        batches = -(-n_samples // self.batch_size)
        return max(self._auto_min_epochs, -(-AUTO_MIN_STEPS // batches))

    def _hold_out(self, X, y, seed, device):
        """Split off ``validation_fraction`` of the rows, at random.

        Returns the training rows and targets, and what the net needs to
        score the held-out ones: their dataset and the seed of the noise
        redrawn for them at every epoch.
        """
        from skorch.dataset import Dataset

        n = len(X)
        n_valid = max(1, int(round(self.validation_fraction * n)))
        if n_valid >= n:
            raise ValueError(
                f"validation_fraction={self.validation_fraction!r} of "
                f"{n} row(s) holds out {n_valid}, which leaves no row to "
                "train on; pass more rows or validation_fraction=None.")
        order = np.random.RandomState(seed % (2 ** 32)).permutation(n)
        valid, train = np.sort(order[:n_valid]), np.sort(order[n_valid:])
        dataset = Dataset(to_tensor(X[valid], device),
                          None if y is None else to_tensor(y[valid], device))
        return X[train], None if y is None else y[train], (dataset, seed)

    def _make_net(self, module, device, valid=None):
        """The skorch net that trains ``module`` (built, not initialised).

        ``valid``: the held-out dataset and noise seed of
        :meth:`_hold_out`, or ``None`` for no validation.
        """
        from skorch.helper import predefined_split

        shuffle_seed, noise_seed = self._training_seeds
        optimizer = self._optimizer_class()
        # One device generator drives all training noise (corruption,
        # pre-activation noise); it is dropped once training ends.
        noise_generator = torch_generator(noise_seed, device)
        shuffle_generator = torch_generator(shuffle_seed, "cpu")
        return _TrainingNet(
            module=module,
            criterion=self._make_criterion(),
            optimizer=optimizer,
            lr=self.lr,
            max_epochs=getattr(self, "_fit_epochs", self.max_epochs),
            batch_size=self.batch_size,
            iterator_train=_SliceLoader,
            iterator_train__shuffle=True,
            iterator_train__generator=shuffle_generator,
            train_split=None if valid is None else predefined_split(valid[0]),
            iterator_valid=_SliceLoader,
            callbacks=self._skorch_callbacks(),
            device=device,
            verbose=int(self.verbose),
            corrupt_fn=self._corrupt_fn(noise_generator),
            penalty_fn=self._penalty_fn(noise_generator),
            precision=self.precision,
            noise_generator=noise_generator,
            epoch_generators=[shuffle_generator, noise_generator],
            valid_noise=None if valid is None else self._valid_noise(
                valid[1], device),
            # The user's skorch arguments win over these defaults.
            **self._skorch_arguments(optimizer, device, valid is not None),
        )

    def _valid_noise(self, seed, device):
        """The held-out rows' noise: a generator and what it drives.

        The generator is re-seeded with ``seed`` at every epoch, so that
        every epoch scores the same corrupted rows.
        """
        generator = torch_generator(seed, device)
        return (generator, seed, self._corrupt_fn(generator),
                self._penalty_fn(generator))

    def _restore_net(self):
        """Rebuild the skorch net of an unpickled estimator.

        The module, the history and the optimiser's state (Adam's moments)
        come from the pickle, so that training continues exactly where it
        stopped.
        """
        net = self._make_net(self.module_, self.device_)
        net.initialize()
        net.history = self.history_
        state = getattr(self, "_optimizer_state", None)
        if state is not None:
            net.optimizer_.load_state_dict(state)
        self._net = net
        return net

    def _continue(self, X, y, epochs):
        """More epochs on new data with the same net and optimiser state."""
        if not hasattr(self, "_net"):
            self._restore_net()
        self._check_callback_names(self._net)
        done = self.n_iter_
        self._run_epochs(to_tensor(X, self.device_),
                         None if y is None else to_tensor(y, self.device_),
                         epochs)
        self._raise_if_diverged(X, first_epoch=done)
        return self

    def _run_epochs(self, X_t, y_t, epochs):
        net = self._net
        done = len(net.history)
        net.partial_fit(X_t, y_t, epochs=epochs)
        net.module_.eval()
        self.history_ = net.history
        curve = getattr(self, "loss_curve_", None)
        if done and curve is not None and len(curve) == done:
            # Continued training: only the new epochs are read, so a long
            # stream of partial_fit calls costs the same per call instead
            # of reading the whole history each time.
            curve.extend(float(net.history[i]["train_loss"])
                         for i in range(done, len(net.history)))
        else:
            self.loss_curve_ = [float(v)
                                for v in net.history[:, "train_loss"]]
        self.n_iter_ = len(self.loss_curve_)

    def _check_training_outcome(self, expected_epochs, X):
        if self.n_iter_ == 0:
            raise TrainingDivergedError(
                "Training stopped before the first epoch finished "
                "(interrupted); the estimator is not fitted.")
        self._raise_if_diverged(X)
        if self.n_iter_ < expected_epochs:
            if self._stopped_early():
                return
            warn_at_caller(
                f"Training was interrupted after {self.n_iter_} of "
                f"{expected_epochs} epochs; the estimator keeps the weights "
                "of the last finished epoch.", UserWarning)
        else:
            self._warn_if_loss_rose()

    def _stopped_early(self):
        """Whether one of skorch's ``EarlyStopping`` callbacks ended training.

        Stopping early is what the user asked for, as with scikit-learn's
        ``early_stopping``: no warning. Any other interruption (a
        ``KeyboardInterrupt``) warns.
        """
        from skorch.callbacks import EarlyStopping

        return any(isinstance(callback, EarlyStopping)
                   and callback.misses_ >= callback.patience
                   for _, callback in self._net.callbacks_)

    def _raise_if_diverged(self, X, first_epoch=0):
        """Refuse a non-finite loss from ``first_epoch`` on, on data ``X``."""
        finite = np.isfinite(self.loss_curve_[first_epoch:])
        if finite.all():
            return
        first = first_epoch + int(np.argmin(finite))
        when = ("in the first epoch" if first == 0 else
                f"in epoch {first + 1} of {self.n_iter_} (epoch {first}: "
                f"{self.loss_curve_[first - 1]:.4g})")
        raise TrainingDivergedError(
            f"The training loss became non-finite {when}. X's values span "
            f"{np.min(X):.4g} to {np.max(X):.4g}; if that is far from unit "
            "scale, standardise the features first (for example with "
            "sklearn.preprocessing.StandardScaler in a pipeline), otherwise "
            "lower 'lr'.")

    def _warn_if_loss_rose(self):
        """Warn when the last epochs are clearly worse than the ones before.

        Mini-batch noise makes exact convergence tests meaningless. The
        last window of ``k`` epochs (``k`` is 1, or 5% of the epochs on
        long runs, where one epoch of a small data set is a batch or two
        and its loss is noise) is compared with the best of the three
        windows before it. The rise must be more than 5% and, with windows
        of several epochs, more than three standard errors of the
        difference of the two windows' means: a plateau whose per-epoch
        loss scatters by 5 to 10% (a class of ten rows, one batch per
        epoch) is noise, not a rise.
        """
        k = max(1, self.n_iter_ // 20)
        if self.n_iter_ < 4 * k:
            return
        windows = np.asarray(self.loss_curve_[-4 * k:]).reshape(4, k)
        means = windows.mean(1)
        best = int(means[:-1].argmin())
        rise = means[-1] - means[best]
        if k > 1:
            noise = 3.0 * np.sqrt((windows[-1].var(ddof=1)
                                   + windows[best].var(ddof=1)) / k)
        else:
            noise = 0.0
        if means[-1] > 1.05 * means[best] and rise > noise:
            span = "epoch" if k == 1 else f"{k} epochs"
            warn_at_caller(
                f"The training loss rose in the last {span} (mean "
                f"{means[-1]:.4g} against {means[best]:.4g} before); "
                "consider a smaller 'lr'.", ConvergenceWarning)

    def _check_callback_names(self, net):
        """Refuse ``callbacks__<name>__<param>`` for a callback not there.

        skorch ignores them silently; a misspelt name would then change
        nothing without a word. Refuse too a callback that monitors a
        validation score where the net has no validation split.
        """
        names = {name for name, _ in net.callbacks_}
        validating = net.train_split is not None
        for name, callback in net.callbacks_:
            # skorch's EarlyStopping and Checkpoint monitor validation
            # scores by default, which a net without a validation split
            # never records: skorch would fail with a bare KeyError.
            monitor = getattr(callback, "monitor", None)
            if not validating and isinstance(monitor, str) and \
                    monitor.startswith("valid_"):
                raise ValueError(
                    f"Callback {name!r} monitors {monitor!r}, a validation "
                    "score, which only fit with validation_fraction "
                    "records (partial_fit trains without validation). "
                    "Pass validation_fraction, or monitor the training "
                    "loss: EarlyStopping(monitor='train_loss'), "
                    "Checkpoint(monitor='train_loss_best') or "
                    "Checkpoint(monitor=None).")
        for key in self._routed_params():
            if not key.startswith("callbacks__"):
                continue
            name = key.split("__")[1]
            if key.count("__") >= 2 and name not in names:
                raise ValueError(
                    f"The {key!r} parameter sets a parameter of callback "
                    f"{name!r}, which is not among this net's callbacks "
                    f"{sorted(names)}.")

    def _skorch_arguments(self, optimizer, device, validating=False):
        """skorch's routed arguments: these defaults, then the user's."""
        defaults = {"optimizer__weight_decay": self.weight_decay}
        routed = self._routed_params()
        if _fuses_by_default(optimizer, device, routed):
            defaults["optimizer__fused"] = True
        if not self.verbose and not any(
                key.startswith("callbacks__print_log") for key in routed):
            # skorch's PrintLog formats its table at every epoch, printed
            # or not: a tenth to a fifth of a small table's fit_resample,
            # which trains hundreds of one-batch epochs
            # (benchmarks/bench_small_fits.py). Silent, it has nothing to do.
            defaults["callbacks__print_log"] = None
        elif routed.get("callbacks__print_log", "kept") is not None:
            defaults["callbacks__print_log__keys_ignored"] = [RNG_STATE_KEY]
        if not validating and not any(
                key.startswith("callbacks__valid_loss") for key in routed):
            # The nets train without a validation split, so skorch's
            # valid_loss scoring never has a score to record; looking for
            # one in the history at every epoch costs 1 to 6% of a small
            # table's fit (benchmarks/bench_small_fits.py).
            defaults["callbacks__valid_loss"] = None
        return {**defaults, **routed}

    def _skorch_callbacks(self):
        callbacks = list(self.callbacks) if self.callbacks else []
        if self.verbose >= 2:
            # A per-batch progress bar on top of the per-epoch log lines.
            from skorch.callbacks import ProgressBar

            callbacks.append(ProgressBar())
        return callbacks or None

    # Hooks with neutral defaults.
    def _corrupt_fn(self, generator):
        return None

    def _penalty_fn(self, generator):
        return None

    # -- inference helpers ---------------------------------------------------
    def _apply(self, fn, X, batch_size=4096):
        return batched_apply(fn, X, self.device_, batch_size)

    # -- pickling -------------------------------------------------------------
    def __getstate__(self):
        state = super().__getstate__()
        # The skorch net is rebuilt on demand after loading; what it needs
        # beyond the module and the history is the optimiser's state, kept
        # so that partial_fit after unpickling continues Adam's moments
        # instead of restarting them.
        net = state.pop("_net", None)
        if net is not None:
            state["_optimizer_state"] = to_cpu(net.optimizer_.state_dict())
        return state
