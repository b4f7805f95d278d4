"""Reconstruction-contractive autoencoder (RCAE)."""

from numbers import Integral, Real

from ..nn import chain_jacobian_frobenius_sq, jacobian_frobenius_sq
from ..utils._compat import Interval, StrOptions
from ..utils._constants import round_lam
from ._base import BaseAutoencoder

#: ``jacobian="auto"`` is exact up to this many features.
EXACT_MAX_FEATURES = 32


class ContractiveAutoencoder(BaseAutoencoder):
    """Autoencoder penalised by the Jacobian of its whole reconstruction.

    Minimises ``loss(r(x), x) + contraction * ||d r(x) / d x||_F**2``, the
    reconstruction-contractive autoencoder (RCAE) of Alain & Bengio (2014).
    Its Theorem 2: as ``contraction -> 0`` the optimal reconstruction
    satisfies ``r(x) - x = contraction * grad log p(x) + o(contraction)``,
    so :meth:`estimate_score` divides by ``contraction`` and the matched
    sampling value is ``lam = 2 * contraction`` (:meth:`default_lam`). The
    theorem holds for the squared-error loss, the default here.

    The squared Frobenius norm is computed exactly when
    ``n_features_in_ <= 32``, by carrying the Jacobian forward through the
    layers with the activations (``n_features_in_`` tangent directions,
    then one ordinary backward pass), and otherwise by the unbiased
    random-projection estimate ``E ||J^T v||**2`` with ``v ~ N(0, I)``,
    one extra backward pass per projection (``jacobian="auto"``). Either
    can be forced.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(128, 32)
        Encoder widths; the last entry is the code size.
    activation : str or torch.nn.Module subclass, default="tanh"
        Hidden activation. A smooth one keeps the penalty's gradient
        informative (ReLU networks have piecewise-constant Jacobians).
    output_activation : str or torch.nn.Module subclass, default="auto"
        Activation of the reconstruction.
    loss : {"mse", "bce", "auto"}, default="mse"
        Reconstruction loss.
        ``"auto"`` is ``"bce"`` for data in [0, 1] and ``"mse"``
        otherwise (``loss_``).
    contraction : float, default=0.01
        Weight of the Jacobian penalty (``sigma**2`` in Alain & Bengio).
    jacobian : {"auto", "exact", "projection"}, default="auto"
        How the penalty is computed; see above.
    n_projections : int, default=1
        Random projections per sample for ``jacobian="projection"``.
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
        Where to train and run; resolved in :meth:`fit`.
    precision : {"float32", "bfloat16", "float16"}, default="float32"
        Arithmetic of training. ``"bfloat16"`` and ``"float16"`` train with
        mixed precision: the forward pass and loss run under
        :class:`torch.autocast` while weights and optimiser state stay
        float32; ``"float16"`` also scales the loss against gradient
        underflow (:class:`torch.amp.GradScaler`). Inference
        (:meth:`transform` and the like) runs in float32.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and projections.
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
    jacobian_method_ : str
        ``"exact"`` or ``"projection"``, as resolved in :meth:`fit`.
    history_ : skorch.History
        skorch's record of the training epochs.
    loss_curve_ : list of float
        Mean training loss (penalty included) of each epoch.
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

    References
    ----------
    .. [1] G. Alain and Y. Bengio, "What regularized auto-encoders learn from
       the data-generating distribution", JMLR 15, 2014.
    .. [2] S. Rifai et al., "Contractive auto-encoders: explicit invariance
       during feature extraction", ICML 2011.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_reinject import ContractiveAutoencoder
    >>> X = np.random.RandomState(0).randn(200, 2)
    >>> rcae = ContractiveAutoencoder(hidden_layer_sizes=(16,), max_epochs=2,
    ...                               device="cpu", random_state=0).fit(X)
    >>> rcae.jacobian_method_, rcae.default_lam()
    ('exact', 0.02)
    """

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "contraction": [Interval(Real, 0, None, closed="left")],
        "jacobian": [StrOptions({"auto", "exact", "projection"})],
        "n_projections": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, hidden_layer_sizes=(128, 32), activation="tanh",
                 output_activation="auto", loss="mse", contraction=0.01,
                 jacobian="auto", n_projections=1, max_epochs="auto",
                 batch_size=128, lr=1e-3, optimizer="adam", weight_decay=0.0,
                 callbacks=None,
                 validation_fraction=None, device="auto",
                 precision="float32", random_state=None, verbose=0,
                 **kwargs):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.contraction = contraction
        self.jacobian = jacobian
        self.n_projections = n_projections
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

    def _set_data_attributes(self, X):
        super()._set_data_attributes(X)
        if self.jacobian == "auto":
            self.jacobian_method_ = ("exact" if X.shape[1] <= EXACT_MAX_FEATURES
                                     else "projection")
        else:
            self.jacobian_method_ = self.jacobian

    def _penalty_fn(self, generator):
        weight = float(self.contraction)
        if weight == 0:
            return None
        method, n_proj = self.jacobian_method_, int(self.n_projections)

        def penalty(module, x):
            if method == "exact":
                return weight * chain_jacobian_frobenius_sq(
                    module.reconstruction_chain(), x).mean()
            return weight * jacobian_frobenius_sq(
                module.reconstruct, x, method=method, n_projections=n_proj,
                generator=generator).mean()

        return penalty

    def default_lam(self):
        """``2 * contraction``: the sampling ``lam`` matched to training.

        Returns
        -------
        lam : float
            ``2 * contraction``, or ``0.1`` without contraction.
        """
        if self.contraction > 0:
            return round_lam(2.0 * float(self.contraction))
        return super().default_lam()
