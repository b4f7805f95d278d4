"""Denoising autoencoder trained over a ladder of noise levels."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import BaseTorchMLP
from ..nn import NoiseConditionalDenoiser, DenoisingScoreMatchingLoss
from ._base import ReconstructTensorMixin, sample_by_reinjection
from ..utils._batching import batched_apply
from ..utils._compat import Interval, StrOptions, _fit_context
from ..utils._constants import round_lam
from ..utils._validation import record_data_summary

#: Rows used to measure the data's spread for ``sigma_max="auto"`` and
#: ``"extent"``.
_SPREAD_ROWS = 1000
#: Smallest per-feature std of the preconditioning, as a share of the
#: data's root mean variance.
_STD_FLOOR = 0.05


class MultiScaleDenoisingAutoencoder(ReconstructTensorMixin, BaseTorchMLP):
    """Denoising autoencoder over many noise levels, for annealed reinjection.

    A denoising autoencoder trained with Gaussian noise of std ``sigma``
    estimates the score of the data smoothed at ``sigma``:
    ``(r(x) - x) / sigma**2`` (Alain & Bengio, 2014; Vincent, 2011). This
    estimator trains one network for a geometric ladder of noise levels
    ``sigma_1 > ... > sigma_L``, told which level it denoises, by denoising
    score matching (Song & Ermon, 2019). Wrapped in
    :class:`~sklearn_reinject.ReinjectionSampler`, it is
    sampled by *annealed* reinjection: ``n_steps`` reinjections at each
    level from the largest down, with a noise variance proportional to the
    level's, which is annealed Langevin dynamics; the last level's steps
    are kept, and ``output="mean"`` returns them passed through the
    smallest-noise denoiser (Tweedie's denoised estimate).

    The network is an MLP with the preconditioning of Karras et al. (2022):
    ``r(x, sigma) = c_skip x + c_out F(c_in x, sigma)``, with coefficients
    set by ``sigma`` and each feature's std so that the network's input
    and target have unit variance at every level and in every feature;
    the level enters as a learned bias of the first hidden layer, and
    ``F`` has a linear path beside its hidden layers, one linear map shared
    by the levels, which carries much of the linear part of each level's
    denoiser (the Wiener filter). Denoised estimates
    (``reconstruct``, ``estimate_score``, the sampler's steps) are clipped
    to the training data's per-feature range ``[data_min_, data_max_]``,
    where the exact denoiser, a posterior mean, always lies: without it,
    annealed walks can drift far outside the data at the small levels.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(256, 256)
        Widths of the hidden layers.
    activation : str or torch.nn.Module subclass, default="relu"
        Hidden activation; see :class:`LossyAutoencoder`.
    n_noise_levels : int, default=10
        Number of noise levels ``L``.
    sigma_max : float, "auto" or "extent", default="auto"
        Largest noise std. ``"extent"``: the largest distance between two
        rows of the training data (on a subsample of 1,000 rows), Song and
        Ermon's (2020) choice, so that at the top level the Gaussians
        around any two rows overlap. ``"auto"``: that distance divided by
        ``sqrt(n_features)``, so that the largest noise moves a point about
        as far as the data's own extent per feature. On MNIST (validation
        split, two seeds; benchmarks page), ``"extent"`` with
        ``n_noise_levels=17`` (the default ladder's ratio between levels)
        and the sampler's ``step_fraction=0.05`` sampled closer to
        held-out images than the defaults (MMD² 0.018 and 0.021 against
        0.025) and over more digits; with full steps it was no better
        (0.049 against 0.048) on one seed and worse (0.089 against 0.046)
        on the other, so it is not the default.
    sigma_min : float, default=0.01
        Smallest noise std: the level of the final denoising step.
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
        Arithmetic of training (mixed precision under :class:`torch.autocast`
        for the lower ones); inference runs in float32.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, the levels and the noise of
        training.
    verbose : int, default=0
        1: print a line per epoch; 2 and more: also a progress bar.

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
    noise_levels_ : ndarray of shape (n_noise_levels,)
        The noise stds, from the largest to the smallest.
    module_ : NoiseConditionalDenoiser
        The trained torch module, in eval mode, on ``device_``.
    device_ : torch.device
        The device the module lives on.
    history_ : skorch.History
        skorch's record of the training epochs.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    n_iter_ : int
        Number of epochs run.
    data_min_ : ndarray of shape (n_features,)
        Each feature's smallest training value (samplers use the range to
        flag chains that leave it). Each entry is a value of some training
        row; see "What a fitted model keeps" in the user guide.
    data_max_ : ndarray of shape (n_features,)
        Each feature's largest training value.
    sigma_data_ : float
        Root mean of the features' variances.
    data_std_ : ndarray of shape (n_features,)
        Each feature's standard deviation, at least ``0.05 *
        sigma_data_`` (a constant feature gets that floor): the
        preconditioning's per-feature data std.
    data_mean_ : ndarray of shape (n_features,)
        Each feature's mean over the training data: the centre of the
        walks' starting distribution with ``init="prior"``.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during :meth:`fit`, when ``X`` has string
        column names.

    See Also
    --------
    DenoisingAutoencoder : One noise level.
    ReinjectionSampler : Samples it by annealed reinjection.

    References
    ----------
    .. [1] Y. Song and S. Ermon, "Generative modeling by estimating
       gradients of the data distribution", NeurIPS 2019.
    .. [2] T. Karras, M. Aittala, T. Aila and S. Laine, "Elucidating the
       design space of diffusion-based generative models", NeurIPS 2022.
    .. [3] P. Vincent, "A connection between score matching and denoising
       autoencoders", Neural Computation 23, 2011.
    .. [4] G. Alain and Y. Bengio, "What regularized auto-encoders learn
       from the data-generating distribution", JMLR 15, 2014.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_reinject import MultiScaleDenoisingAutoencoder
    >>> X = load_digits().data / 16.0
    >>> ae = MultiScaleDenoisingAutoencoder(hidden_layer_sizes=(64,),
    ...                                     n_noise_levels=4, max_epochs=2,
    ...                                     device="cpu", random_state=0)
    >>> ae.fit(X).noise_levels_.round(3)
    array([0.58 , 0.15 , 0.039, 0.01 ])
    >>> ae.sample(5, random_state=0).shape
    (5, 64)
    """

    _parameter_constraints: dict = {
        **BaseTorchMLP._parameter_constraints,
        "n_noise_levels": [Interval(Integral, 1, None, closed="left")],
        "sigma_max": [Interval(Real, 0, None, closed="neither"),
                      StrOptions({"auto", "extent"})],
        "sigma_min": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, *, hidden_layer_sizes=(256, 256), activation="relu",
                 n_noise_levels=10, sigma_max="auto", sigma_min=0.01,
                 max_epochs="auto", batch_size=128, lr=1e-3, optimizer="adam",
                 weight_decay=0.0, callbacks=None,
                 validation_fraction=None, device="auto",
                 precision="float32", random_state=None, verbose=0,
                 **kwargs):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.n_noise_levels = n_noise_levels
        self.sigma_max = sigma_max
        self.sigma_min = sigma_min
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

    def _noise_levels(self, X):
        if self.sigma_max in ("auto", "extent"):
            rows = X
            if len(X) > _SPREAD_ROWS:
                rows = X[np.random.RandomState(0).choice(
                    len(X), _SPREAD_ROWS, replace=False)]
            rows = rows.astype(np.float64)
            sq = (rows ** 2).sum(1)
            d2 = sq[:, None] + sq[None, :] - 2 * rows @ rows.T
            top = float(np.sqrt(max(d2.max(), 0.0)))
            if self.sigma_max == "auto":
                top = top / float(np.sqrt(X.shape[1]))
            # Constant data has no spread: one level at sigma_min.
            top = max(top, float(self.sigma_min))
        else:
            top = float(self.sigma_max)
            if top < self.sigma_min:
                raise ValueError(
                    f"The 'sigma_max' parameter ({top!r}) must not be below "
                    f"'sigma_min' ({self.sigma_min!r}).")
        return np.geomspace(top, float(self.sigma_min), self.n_noise_levels)

    def _build_module(self, n_features):
        return NoiseConditionalDenoiser(n_features, self._hidden_layer_sizes,
                                        self.noise_levels_,
                                        sigma_data=self.data_std_,
                                        activation=self.activation,
                                        data_range=(self.data_min_,
                                                    self.data_max_))

    def _make_criterion(self):
        return DenoisingScoreMatchingLoss()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the denoiser on ``X`` at every noise level.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. Dense, finite.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted autoencoder.
        """
        X = validate_data(self, X, dtype=np.float32, ensure_min_samples=1)
        self._check_params(X)
        self.noise_levels_ = self._noise_levels(X)
        variances = record_data_summary(self, X)
        self.data_mean_ = self._feature_mean.astype(np.float32)
        # Each feature's std sets the network's preconditioning, floored
        # at a twentieth of the data's typical std (1.0 for constant data).
        self.sigma_data_ = float(np.sqrt(np.mean(variances)))
        if not self.sigma_data_ > 0:
            self.sigma_data_ = 1.0
        self.data_std_ = np.maximum(
            self._feature_std, _STD_FLOOR * self.sigma_data_).astype(
                np.float32)
        return self._train(X)

    def _level_index(self, noise_level):
        if noise_level is None:
            return len(self.noise_levels_) - 1
        if isinstance(noise_level, Real) and not isinstance(noise_level,
                                                            bool):
            hits = np.flatnonzero(np.isclose(self.noise_levels_,
                                             float(noise_level), rtol=1e-5))
            if len(hits):
                return int(hits[0])
        raise ValueError(
            "The 'noise_level' parameter must be None or one of "
            f"noise_levels_ {self.noise_levels_.tolist()}. Got "
            f"{noise_level!r} instead.")

    def _validated(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype=np.float32, reset=False)

    def reconstruct(self, X, noise_level=None):
        """Denoised estimate ``r(X)`` at a noise level.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Noisy input.
        noise_level : float, default=None
            One of ``noise_levels_``; ``None`` means the smallest.

        Returns
        -------
        X_rec : ndarray of shape (n_samples, n_features), dtype float32
            The denoised estimate.
        """
        X = self._validated(X)
        level = self._level_index(noise_level)
        return batched_apply(lambda xb: self.module_.denoise(xb, level), X,
                             self.device_)

    def estimate_score(self, X, noise_level=None):
        """Score of the data smoothed at ``noise_level``: ``(r(x) - x) / sigma**2``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points at which to estimate the score.
        noise_level : float, default=None
            One of ``noise_levels_``; ``None`` means the smallest.

        Returns
        -------
        score : ndarray of shape (n_samples, n_features), dtype float32
            The estimated ``grad log p_sigma(x)``.
        """
        X = self._validated(X)
        level = self._level_index(noise_level)
        sigma2 = float(self.noise_levels_[level]) ** 2
        return batched_apply(
            lambda xb: (self.module_.denoise(xb, level) - xb) / sigma2, X,
            self.device_)

    def score_samples(self, X):
        """Minus the squared change made by the smallest-noise denoiser.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``-||r(x) - x||**2`` at the smallest level, in float64; clean
            data the denoiser leaves alone scores near 0 (higher is better).
        """
        X = self._validated(X)

        def per_sample(xb):
            diff = self.module_.reconstruct(xb).double() - xb.double()
            return (diff ** 2).sum(1, keepdim=True)

        return -batched_apply(per_sample, X, self.device_,
                              out_dtype=np.float64).ravel()

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    # -- what the sampler needs (see ReinjectableAutoencoder) ---------------
    def denoise_tensor(self, x, level):
        """The denoised estimate at level index ``level``, of a tensor.

        :meth:`reconstruct_tensor` is the one at the smallest level.

        Parameters
        ----------
        x : torch.Tensor of shape (n_samples, n_features)
            Rows on ``device_``.
        level : int
            Index into ``noise_levels_``.

        Returns
        -------
        x_denoised : torch.Tensor of shape (n_samples, n_features)
        """
        return self.module_.denoise(x, level)

    def sample_prior_tensor(self, n, generator):
        """``n`` draws of ``N(data_mean_, sigma_1**2 I)`` on ``device_``.

        The data smoothed at the largest noise level, roughly: annealed
        walks that start there begin where the first denoiser was trained.

        Parameters
        ----------
        n : int
            Number of draws.
        generator : torch.Generator
            Generator on ``device_``.

        Returns
        -------
        X_start : torch.Tensor of shape (n, n_features)
        """
        mean = torch.as_tensor(self.data_mean_, device=self.device_)
        return mean + float(self.noise_levels_[0]) * torch.randn(
            (n, len(mean)), generator=generator, device=self.device_)

    def default_lam(self):
        """``2 * sigma_min**2``, the matched ``lam`` of the smallest level.

        In annealed reinjection, level ``i`` uses ``lam * (sigma_i /
        sigma_min)**2``.

        Returns
        -------
        lam : float
        """
        return round_lam(2.0 * float(self.noise_levels_[-1]) ** 2)

    def sample(self, n_samples=1, random_state=None):
        """Generate samples by annealed reinjection with default settings.

        Runs :class:`~sklearn_reinject.ReinjectionSampler` with
        ``lam=default_lam()``, ``init="prior"`` (walks start from
        ``N(data_mean_, sigma_1**2 I)``) and ``output="mean"`` (the final
        denoising step).

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
            input features when scikit-learn's ``transform_output`` config
            asks for pandas.
        """
        return sample_by_reinjection(self, n_samples, random_state,
                                     output="mean", init="prior")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
