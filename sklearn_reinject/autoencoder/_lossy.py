"""The plain (lossy, bottleneck) MLP autoencoder."""

from ._base import BaseAutoencoder


class LossyAutoencoder(BaseAutoencoder):
    """MLP autoencoder with a bottleneck, trained by skorch.

    The encoder has ``hidden_layer_sizes`` layers, the last being the code;
    the decoder mirrors it. Any such lossy autoencoder ``r`` trained on data
    of density ``p`` satisfies, to first order, ``r(x) = x + (lam / 2) *
    grad log p(x)``, so iterating it with Gaussian noise samples ``p``
    (:meth:`sample`, :class:`~sklearn_reinject.ReinjectionSampler`).

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(128, 32)
        Encoder widths; the last entry is the code size.
    activation : {"relu", "tanh", "sigmoid", "elu", "gelu", "leaky_relu", \
"softplus", "silu", "identity"} or torch.nn.Module subclass, default="relu"
        Activation of the hidden layers (the code layer included).
    output_activation : {"auto", "sigmoid", "identity", ...} or \
torch.nn.Module subclass, default="auto"
        Activation of the reconstruction. ``"auto"`` is ``"sigmoid"`` for
        ``loss="bce"`` and ``"identity"`` for ``loss="mse"``.
    loss : {"mse", "bce", "auto"}, default="mse"
        Reconstruction loss, summed over features and averaged over samples.
        ``"bce"`` (binary cross-entropy) needs ``X`` in [0, 1].
        ``"auto"`` is ``"bce"`` for data in [0, 1] and ``"mse"``
        otherwise (``loss_``).
    max_epochs : int or "auto", default="auto"
        Passes over the training data. ``"auto"`` is 50 epochs, or more on
        small data so that training takes at least 500 gradient steps
        (``ceil(500 / ceil(n_samples / batch_size))`` epochs; 500 epochs
        for a class of 100 rows, which 50 epochs would give 50 steps).
    batch_size : int, default=128
        Mini-batch size.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or \
torch.optim.Optimizer subclass, default="adam"
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
        Extra skorch callbacks (for example ``EarlyStopping`` on
        ``train_loss``), added to skorch's defaults.
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
        Where to train and run. ``"auto"`` picks CUDA when available. Resolved
        in :meth:`fit`.
    precision : {"float32", "bfloat16", "float16"}, default="float32"
        Arithmetic of training. ``"bfloat16"`` and ``"float16"`` train with
        mixed precision: the forward pass and loss run under
        :class:`torch.autocast` while weights and optimiser state stay
        float32; ``"float16"`` also scales the loss against gradient
        underflow (:class:`torch.amp.GradScaler`). Inference
        (:meth:`transform` and the like) runs in float32.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation and shuffling. With an int, ``fit`` is
        exactly repeatable on the CPU.
    verbose : int, default=0
        1: print a line per epoch (skorch's ``PrintLog``); 2 and more: also
        a progress bar over the batches (skorch's ``ProgressBar``).

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
        Mean training loss of each epoch.
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
    DenoisingAutoencoder : The same, trained on corrupted inputs.
    ReinjectionSampler : Sampling by iterating an autoencoder with noise.

    References
    ----------
    .. [1] G. Alain and Y. Bengio, "What regularized auto-encoders learn from
       the data-generating distribution", JMLR 15, 2014.
    .. [2] R. Solinas et al., "Generalization of iterative sampling in
       autoencoders", ICMLA 2020.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_reinject import LossyAutoencoder
    >>> X = load_digits().data / 16.0
    >>> ae = LossyAutoencoder(hidden_layer_sizes=(32,), loss="bce",
    ...                       max_epochs=2, device="cpu", random_state=0)
    >>> ae.fit(X).transform(X[:5]).shape
    (5, 32)
    >>> ae.sample(10, random_state=0).shape
    (10, 64)
    """

    def __init__(self, *, hidden_layer_sizes=(128, 32), activation="relu",
                 output_activation="auto", loss="mse", max_epochs="auto",
                 batch_size=128, lr=1e-3, optimizer="adam", weight_decay=0.0,
                 callbacks=None,
                 validation_fraction=None, device="auto",
                 precision="float32", random_state=None, verbose=0,
                 **kwargs):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
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
