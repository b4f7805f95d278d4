"""Denoising MLP autoencoder."""

from numbers import Real

import torch

from ..utils._compat import Interval
from ..utils._constants import DEFAULT_LAM, round_lam
from ._base import BaseAutoencoder


def corrupt(x, generator, noise_std, salt_pepper_prob, salt_pepper_values):
    """Gaussian input noise, then salt-and-pepper replacement."""
    if noise_std > 0:
        x = x + noise_std * torch.randn(x.shape, generator=generator,
                                        device=x.device, dtype=x.dtype)
    if salt_pepper_prob > 0:
        u = torch.rand(x.shape, generator=generator, device=x.device)
        low, high = salt_pepper_values
        hit = u < salt_pepper_prob
        # Half of the hit entries become `low`, half `high`.
        use_high = u < salt_pepper_prob / 2
        x = torch.where(hit, torch.where(use_high, high, low).to(x.dtype), x)
    return x


class DenoisingAutoencoder(BaseAutoencoder):
    """MLP autoencoder trained to reconstruct clean inputs from corrupted ones.

    Corruption is applied during training only. Three kinds are offered and
    can be combined, as in Solinas et al. (2020, Table I):

    - Gaussian input noise of std ``noise_std``;
    - Gaussian noise of std ``preact_noise_std`` on the pre-activation of the
      first encoder layer;
    - salt-and-pepper: each feature is replaced, with probability
      ``salt_pepper_prob``, by ``salt_pepper_values[0]`` or
      ``salt_pepper_values[1]`` with equal chance.

    With Gaussian input noise of std ``sigma``, ``(r(x) - x) / sigma**2``
    estimates ``grad log p(x)`` as ``sigma -> 0`` (Alain & Bengio, 2014), so
    the natural sampling value is ``lam = 2 * sigma**2``
    (:meth:`default_lam`).

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(128, 32)
        Encoder widths; the last entry is the code size.
    activation : str or torch.nn.Module subclass, default="relu"
        Activation of the hidden layers; see :class:`LossyAutoencoder`.
    output_activation : str or torch.nn.Module subclass, default="auto"
        Activation of the reconstruction; ``"auto"`` is ``"sigmoid"`` for
        ``loss="bce"`` and ``"identity"`` for ``loss="mse"``.
    loss : {"mse", "bce", "auto"}, default="mse"
        Reconstruction loss against the clean input.
        ``"auto"`` is ``"bce"`` for data in [0, 1] and ``"mse"``
        otherwise (``loss_``).
    noise_std : float, default=0.1
        Std of the Gaussian noise added to the input.
    preact_noise_std : float, default=0.0
        Std of the Gaussian noise added to the first layer's pre-activation.
    salt_pepper_prob : float, default=0.0
        Probability that a feature is replaced by a salt or pepper value.
    salt_pepper_values : tuple of two floats, default=(0.0, 1.0)
        The pepper (low) and salt (high) replacement values.
    max_epochs : int or "auto", default="auto"
        Passes over the training data. ``"auto"`` is 50 epochs, or more on
        small data so that training takes at least 500 gradient steps
        (``ceil(500 / ceil(n_samples / batch_size))`` epochs; 500 epochs
        for a class of 100 rows, which 50 epochs would give 50 steps).
    batch_size : int, default=128
        Mini-batch size.
    lr : float, default=1e-3
        Learning rate.
    optimizer : str or torch.optim.Optimizer subclass, default="adam"
        Optimiser; see :class:`LossyAutoencoder`.
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
        Where to train and run; resolved in :meth:`fit`.
    precision : {"float32", "bfloat16", "float16"}, default="float32"
        Arithmetic of training. ``"bfloat16"`` and ``"float16"`` train with
        mixed precision: the forward pass and loss run under
        :class:`torch.autocast` while weights and optimiser state stay
        float32; ``"float16"`` also scales the loss against gradient
        underflow (:class:`torch.amp.GradScaler`). Inference
        (:meth:`transform` and the like) runs in float32.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and corruption noise.
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
    loss_ : {"bce", "mse"}
        The loss trained with: ``loss``, or its choice for ``"auto"``.
    module_ : MLPAutoencoder
        The trained torch module, in eval mode, on ``device_``.
    device_ : torch.device
        The device the module lives on.
    history_ : skorch.History
        skorch's record of the training epochs.
    loss_curve_ : list of float
        Mean training loss of each epoch (on corrupted inputs).
    n_iter_ : int
        Number of epochs run (one per :meth:`partial_fit` call).
    n_samples_seen_ : int
        Number of rows trained on: those of :meth:`fit`, or the sum over
        the :meth:`partial_fit` calls since the first.
    data_min_ : ndarray of shape (n_features,)
        Each feature's smallest training value (samplers use the range to
        flag chains that leave it). Each entry is a value of some training
        row; see "What a fitted model keeps" in the user guide.
    data_max_ : ndarray of shape (n_features,)
        Each feature's largest training value.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during :meth:`fit`, when ``X`` has string
        column names.

    See Also
    --------
    LossyAutoencoder : Without corruption.

    References
    ----------
    .. [1] P. Vincent et al., "Extracting and composing robust features with
       denoising autoencoders", ICML 2008.
    .. [2] G. Alain and Y. Bengio, "What regularized auto-encoders learn from
       the data-generating distribution", JMLR 15, 2014.
    .. [3] R. Solinas et al., "Generalization of iterative sampling in
       autoencoders", ICMLA 2020.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_reinject import DenoisingAutoencoder
    >>> X = load_digits().data / 16.0
    >>> dae = DenoisingAutoencoder(hidden_layer_sizes=(32,), noise_std=0.2,
    ...                            max_epochs=2, device="cpu", random_state=0)
    >>> dae.fit(X).default_lam()
    0.08
    """

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "noise_std": [Interval(Real, 0, None, closed="left")],
        "preact_noise_std": [Interval(Real, 0, None, closed="left")],
        "salt_pepper_prob": [Interval(Real, 0, 1, closed="both")],
        "salt_pepper_values": [tuple, list],
    }

    def __init__(self, *, hidden_layer_sizes=(128, 32), activation="relu",
                 output_activation="auto", loss="mse", noise_std=0.1,
                 preact_noise_std=0.0, salt_pepper_prob=0.0,
                 salt_pepper_values=(0.0, 1.0), max_epochs="auto", batch_size=128,
                 lr=1e-3, optimizer="adam", weight_decay=0.0, callbacks=None,
                 validation_fraction=None,
                 device="auto", precision="float32", random_state=None,
                 verbose=0,
                 **kwargs):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.noise_std = noise_std
        self.preact_noise_std = preact_noise_std
        self.salt_pepper_prob = salt_pepper_prob
        self.salt_pepper_values = salt_pepper_values
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

    def _check_params(self, X):
        super()._check_params(X)
        values = self.salt_pepper_values
        if len(values) != 2 or not all(
                isinstance(v, Real) and abs(v) < float("inf") for v in values):
            raise ValueError(
                "The 'salt_pepper_values' parameter must be a pair of finite "
                f"numbers (low, high). Got {values!r} instead.")

    def _preact_noise_std(self):
        return self.preact_noise_std

    def _corrupt_fn(self, generator):
        noise_std, prob = float(self.noise_std), float(self.salt_pepper_prob)
        if noise_std == 0 and prob == 0:
            return None
        values = tuple(torch.tensor(float(v), device=generator.device)
                       for v in self.salt_pepper_values)

        def fn(x):
            return corrupt(x, generator, noise_std, prob, values)

        return fn

    def default_lam(self):
        """``2 * noise_std**2`` when trained with Gaussian input noise.

        Matching ``r(x) - x = sigma**2 * score`` (Alain & Bengio, 2014) with
        ``r(x) - x = (lam / 2) * score`` (Solinas et al., 2020, eq. 6) gives
        ``lam = 2 * sigma**2``. Without input noise, ``0.1``.

        Returns
        -------
        lam : float
            The matched sampling ``lam``.
        """
        if self.noise_std > 0:
            return round_lam(2.0 * float(self.noise_std) ** 2)
        return DEFAULT_LAM
