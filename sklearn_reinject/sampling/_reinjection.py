"""Reinjection sampling: iterate an autoencoder with Gaussian noise."""

import concurrent.futures
import functools
import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from ..exceptions import ChainDivergenceError, SamplingWarning
from ..utils._compat import HasMethods, Interval, StrOptions, _fit_context
from ..utils._device import PRECISIONS, autocast
from ..utils._random import MAX_SEED, draw_seeds, torch_generator
from ..utils._warnings import warn_at_caller
from ..utils._threads import (cpu_worker_count, even_bounds,
                              single_threaded_pool)
from ._base import BaseSampler

#: Working-memory budget of one chunk, in float32 values (64 MiB).
CHUNK_VALUES = 1 << 24
#: On a CPU, a chunk's walks are split into at most this many blocks, each
#: with its own random stream, and run by single-threaded workers.
MAX_CPU_BLOCKS = 64
#: ... each block holding at least this many values (one walk at least).
MIN_BLOCK_VALUES = 4096
#: Rows of training data kept for ``init="data"``.
MAX_INIT_ROWS = 10_000
#: A warning is raised when more than this share of the values of the first
#: chunk's final states lies outside the data's range widened by its width on each side (by the
#: median feature's width for constant features).
OUT_OF_RANGE_SHARE = 0.01
#: lam="auto": share of X held out from the autoencoder's training, the
#: most rows held out (and sampled per candidate), and the candidates, as
#: multiples of the autoencoder's matched ``default_lam()``.
CALIBRATION_FRACTION = 0.1
CALIBRATION_MAX_ROWS = 2000
CALIBRATION_GRID = np.geomspace(1 / 64, 4, 9)
#: Sampled values beyond this magnitude mean a diverging chain: their
#: squares overflow float32, so no metric or model could use them.
MAX_ABS_VALUE = 1e18


def _within_bounds(kept):
    """Whether every value is finite and within ``MAX_ABS_VALUE``.

    One pass over the tensor (NaN fails both comparisons).
    """
    lo, hi = torch.aminmax(kept)
    return bool((lo >= -MAX_ABS_VALUE) & (hi <= MAX_ABS_VALUE))


def _unwrap(autoencoder):
    """The autoencoder inside a ``FrozenEstimator``, or the object itself."""
    if isinstance(autoencoder, FrozenEstimator):
        return autoencoder.estimator
    return autoencoder


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True


def run_walks(reconstruct, x0, n_steps, burn_in, lam, generator, output,
              out=None, block=None, anneal=()):
    """Run reinjection walks from ``x0``; return the kept states.

    ``x_{t+1} = r(x_t) + sqrt(lam) * eps_t`` for ``t = 0 .. n_steps - 1``.
    The states of steps ``burn_in + 1 .. n_steps`` are kept: the noise-free
    means ``r(x_t)`` when ``output == "mean"``, the noisy states otherwise.
    Runs with no host synchronisation (the caller enters
    ``inference_mode`` and checks finiteness once on the result). States
    and noise keep ``x0``'s dtype even when ``reconstruct`` returns a lower
    precision (autocast). ``out``, a tensor of the result's shape, dtype
    and device, receives the kept states instead of a new allocation; it
    may be a view whose rows of each step are contiguous.

    ``generator`` is one ``torch.Generator`` for all walks, or a sequence
    of them with ``block`` given: walks ``k * block`` to
    ``(k + 1) * block - 1`` then draw their noise from ``generator[k]``,
    so a block's noise does not depend on which other walks run with it.

    ``anneal``, a sequence of ``(reconstruct_i, lam_i)`` pairs, runs
    ``n_steps`` reinjections with each pair first, in order, keeping
    nothing: the noise levels of annealed reinjection above the last one,
    which ``reconstruct`` and ``lam`` then run as above.

    Parameters
    ----------
    reconstruct : callable
        ``r``: maps a (n_walks, n_features) tensor to one of the same shape.
    x0 : torch.Tensor of shape (n_walks, n_features)
        The walks' starts.
    n_steps : int
        Reinjections of the kept walk (and of each annealing level).
    burn_in : int
        Leading steps of the kept walk that are not kept.
    lam : float
        Noise variance of the kept walk's reinjections.
    generator : torch.Generator or sequence of torch.Generator
        Source of the noise; see above.
    output : {"state", "mean"}
        What is kept of each step.
    out : torch.Tensor, default=None
        Receives the kept states.
    block : int, default=None
        Walks per generator when ``generator`` is a sequence.
    anneal : sequence of (callable, float), default=()
        Earlier levels of annealed reinjection.

    Returns
    -------
    kept : torch.Tensor of shape (n_steps - burn_in, n_walks, n_features)
    """
    n_walks, n_features = x0.shape
    kept = out if out is not None else torch.empty(
        (n_steps - burn_in, n_walks, n_features), dtype=x0.dtype,
        device=x0.device)
    std = math.sqrt(lam)
    x = x0
    noise = torch.empty_like(x0)
    if isinstance(generator, torch.Generator):
        streams = [(noise, generator)]
    else:
        if block is None or len(generator) != math.ceil(n_walks / block):
            raise ValueError(
                f"{len(generator)} generators do not cover {n_walks} walks "
                f"in blocks of {block}.")
        streams = [(noise[k * block:(k + 1) * block], gen)
                   for k, gen in enumerate(generator)]
    for level_reconstruct, level_lam in anneal:
        level_std = math.sqrt(level_lam)
        for _ in range(n_steps):
            mean = level_reconstruct(x)
            for part, gen in streams:
                part.normal_(generator=gen)
            x = (mean.add_(noise, alpha=level_std)
                 if mean.dtype == noise.dtype
                 else torch.add(mean, noise, alpha=level_std))
    for t in range(n_steps):
        mean = reconstruct(x)
        for part, gen in streams:
            part.normal_(generator=gen)
        if output == "state" and t >= burn_in:
            # Write the new state straight into its kept slot.
            x = torch.add(mean, noise, alpha=std, out=kept[t - burn_in])
            continue
        if t >= burn_in:
            kept[t - burn_in].copy_(mean)
        # r(x) is a fresh tensor: add the noise in place, unless it came in
        # a lower precision (autocast) and must be promoted to the state's.
        x = (mean.add_(noise, alpha=std) if mean.dtype == noise.dtype
             else torch.add(mean, noise, alpha=std))
    return kept


def _run_walks_worker(reconstruct, x0, generators, out, *, n_steps, burn_in,
                      lam, output, precision, block, anneal=()):
    """Run walks on a worker thread; return whether all kept states are sane.

    The check (finite, within ``MAX_ABS_VALUE``) runs here,
    single-threaded, so that the calling thread starts no OpenMP team of
    its own while the workers are busy.
    """
    # Inference and autocast modes are per thread: enter them here.
    with torch.inference_mode():
        with autocast(x0.device, precision):
            run_walks(reconstruct, x0, n_steps, burn_in, lam, generators,
                      output, out=out, block=block, anneal=anneal)
        return _within_bounds(out)


def run_mh_walks(reconstruct, x0, n_steps, burn_in, lam, generator,
                 score_scale, n_integration_points=2, proposal="reinject",
                 step_size=None):
    """Metropolis-Hastings walks with an energy from the estimated score.

    The score is ``s(x) = (r(x) - x) / score_scale``. The energy difference
    between the state ``x`` and a proposal ``y`` is the line integral of
    the score, discretised by the midpoint rule on ``n_integration_points``
    points: ``E(y) - E(x) ~ -(1/n) sum_i s(x_i) . (y - x)``. A proposal is
    accepted with probability ``min(1, exp(E(x) - E(y)) q(x|y) / q(y|x))``.

    ``proposal="reinject"`` proposes ``y = r(x) + sqrt(lam) eps`` (not
    symmetric: ``q(y|x) = N(y; r(x), lam I)``, so the ratio includes the
    Hastings correction); ``"gaussian"`` proposes ``y = x + step_size eps``
    (symmetric). Network evaluations per step and walk: ``n`` for the
    integral, plus one (``r(y)``) for the reinjection proposal.

    Returns
    -------
    kept : torch.Tensor of shape (n_steps - burn_in, n_walks, n_features)
    accepted : torch.Tensor of shape (n_walks,)
        Accepted proposals per walk.
    """
    n_walks, n_features = x0.shape
    device, dtype = x0.device, x0.dtype
    kept = torch.empty((n_steps - burn_in, n_walks, n_features),
                       dtype=dtype, device=device)
    accepted = torch.zeros(n_walks, dtype=dtype, device=device)
    n = int(n_integration_points)
    nodes = ((torch.arange(n, device=device, dtype=dtype) + 0.5) / n)
    noise_std = math.sqrt(lam) if proposal == "reinject" else float(step_size)
    x = x0
    r_x = reconstruct(x) if proposal == "reinject" else None
    for t in range(n_steps):
        eps = torch.randn(x.shape, generator=generator, device=device,
                          dtype=dtype)
        if proposal == "reinject":
            y = r_x + noise_std * eps
        else:
            y = x + noise_std * eps
        delta = y - x
        points = x[None] + nodes[:, None, None] * delta[None]
        flat = points.reshape(-1, n_features)
        score = (reconstruct(flat) - flat).reshape(n, n_walks, n_features)
        # -(E(y) - E(x)) = mean_i s(x_i) . (y - x)
        log_alpha = (score.mean(0) * delta).sum(1) / score_scale
        if proposal == "reinject":
            r_y = reconstruct(y)
            log_alpha = log_alpha + (
                ((y - r_x) ** 2).sum(1) - ((x - r_y) ** 2).sum(1)) / (2 * lam)
        u = torch.rand(n_walks, generator=generator, device=device,
                       dtype=dtype)
        accept = torch.log(u) < log_alpha
        accepted += accept.to(dtype)
        x = torch.where(accept[:, None], y, x)
        if proposal == "reinject":
            r_x = torch.where(accept[:, None], r_y, r_x)
        if t >= burn_in:
            kept[t - burn_in] = x
    return kept, accepted


class ReinjectionSampler(BaseSampler):
    """Sample from an autoencoder by reinjecting its output with noise.

    Each walk starts from ``init`` and iterates

    ``x_{t+1} = r(x_t) + sqrt(lam) * eps_t``,  ``eps_t ~ N(0, I)``,

    a discretised Langevin chain: for an autoencoder trained with
    regularisation ``lam``, ``r(x) = x + (lam / 2) grad log p(x) + o(lam)``
    (Solinas et al., 2020, eq. 6-7). A ``lam`` different from the training
    one samples the tempered density ``p(x) ** (lam_true / lam)`` (eq. 8),
    which is why ``lam`` is worth searching with
    :class:`~sklearn.model_selection.GridSearchCV` and :meth:`score`.

    Following the paper's restart heuristic (its supplementary Algorithm 1),
    many short walks of ``n_steps`` reinjections are run and every state
    after ``burn_in`` is kept, ``n_steps - burn_in`` per walk. The paper's
    supplement writes the noise as ``lam * eps``; its main text and this
    class use ``sqrt(lam) * eps``: pass ``lam**2`` to reproduce the former.

    All walks of a chunk run as one batch on the autoencoder's device,
    under ``torch.inference_mode``, with random numbers drawn there.
    Chunks have a fixed size, so working memory does not grow with
    ``n_samples``; :meth:`iter_samples` streams them.

    On a CPU, each chunk's walks are split into at most 64 blocks with
    random streams of their own, run by ``torch.get_num_threads()`` worker
    threads that each use one intra-op thread, so that the Gaussian draws,
    serial in PyTorch, run on every core; the next chunk runs while the
    last one is checked and handed over. The samples of a ``random_state``
    do not depend on the number of threads. The autoencoder's
    ``reconstruct`` is then called from several threads at once, which
    PyTorch modules in eval mode allow.

    Parameters
    ----------
    autoencoder : estimator
        A :class:`~sklearn_reinject.LossyAutoencoder`,
        :class:`~sklearn_reinject.DenoisingAutoencoder` or any estimator of
        this package with a ``module_.reconstruct``. If it is fitted, or
        wrapped in :class:`sklearn.frozen.FrozenEstimator`, it is used as is
        and :meth:`sample` works without :meth:`fit`; otherwise :meth:`fit`
        trains a clone of it.
    lam : float or "auto", default=0.1
        Noise variance of each reinjection. ``"auto"`` calibrates it in
        :meth:`fit` (Solinas et al., 2020, Section III-A): 10% of ``X``
        (at most 2,000 rows, drawn from ``random_state``) is held out from
        the autoencoder's training,
        and of the candidates ``default_lam() * geomspace(1/64, 4, 9)``
        the one whose samples have the smallest MMD² to the held-out rows
        is kept as ``lam_``. A fitted or frozen autoencoder is calibrated
        on up to 2,000 rows of the ``X`` given to :meth:`fit`, which
        should then be rows it was not trained on. The cost is nine
        sampling calls of at most 2,000 rows and their MMD², a few seconds
        on MNIST on 2 CPU cores. Without :meth:`fit`, ``"auto"`` means the
        autoencoder's matched ``default_lam()`` (``2 * noise_std**2`` for a
        DAE).
    n_steps : int, default=10
        Reinjections per walk.
    burn_in : int, default=2
        Leading states of each walk that are discarded; must be smaller than
        ``n_steps``.
    n_chains : int, default=None
        Walks run together in one batch. ``None`` sizes the batch from a
        64 MiB working-memory budget (and never more walks than needed).
        On a CPU, the next batch runs while the last one is handed over,
        so two are held at a time.
    init : {"normal", "uniform", "data", "prior"}, default="normal"
        Start of each walk: ``N(0, I)``, ``U(0, 1)``, random rows of the
        data passed to :meth:`fit` (at most 10,000 are kept), or, for a
        :class:`~sklearn_reinject.VariationalAutoencoder`, its ancestral
        samples (decoded ``z ~ N(0, I)``), which reinjection then refines;
        for a :class:`~sklearn_reinject.MultiScaleDenoisingAutoencoder`,
        ``N(data_mean_, sigma_1**2 I)``, where annealed walks should start.
    output : {"state", "mean"}, default="state"
        What each kept step contributes: the chain's state ``x_{t+1}``
        itself (the Langevin chain's marginal), or ``r(x_t)``, the
        noise-free mean of the transition. ``"mean"`` is the final
        denoising step of score-based samplers: the walk runs on noisy
        states as before, and each kept state is returned passed once
        through the autoencoder, which for a denoiser is Tweedie's
        denoised estimate of the clean point behind it. It removes the
        pixel noise of std ``sqrt(lam)`` and pulls samples towards the
        modes. It can help when the samples train a classifier (MNIST
        students on the benchmarks page: deep AE 0.948 to 0.968; from a
        VAE's prior it made no difference, 0.9675 both) and with a
        :class:`~sklearn_reinject.MultiScaleDenoisingAutoencoder`, whose
        smallest-noise denoiser barely blurs (about 5% lower MMD² on a
        Gaussian mixture). It hurts distribution distances when the
        denoiser was trained at large noise, which blurs (MNIST MMD² of
        the Table I DAEs, pre-activation noise 0.5 and salt-and-pepper
        0.1: shallow 0.066 to 0.073, deep 0.163 to 0.272).
    method : {"reinject", "mh"}, default="reinject"
        ``"reinject"`` runs the chain above. ``"mh"`` is the corrected
        sampler: each step proposes a move and accepts it with the
        Metropolis-Hastings probability, the energy difference being the
        line integral of the autoencoder's score estimate
        ``(r(x) - x) / (default_lam() / 2)`` (Alain & Bengio, 2014,
        Section 3.4). ``output`` does not apply: states are kept.
    schedule : {"auto", "constant", "annealed"}, default="auto"
        ``"constant"`` runs every step with ``lam``. ``"annealed"`` needs an
        autoencoder with a ladder of noise levels ``sigma_1 > ... >
        sigma_L`` (:class:`~sklearn_reinject.MultiScaleDenoisingAutoencoder`):
        each walk first runs ``n_steps`` reinjections through the denoiser
        of each level above the last, with ``lam * (sigma_i / sigma_L)**2``,
        then ``n_steps`` at the last level with ``lam``, of which the steps
        after ``burn_in`` are kept: annealed Langevin dynamics (Song &
        Ermon, 2019), ``n_noise_levels * n_steps`` network evaluations per
        walk. With ``output="mean"`` the kept states are passed through the
        smallest-noise denoiser, Tweedie's denoised estimate. ``"auto"``
        anneals when the autoencoder has noise levels and ``method`` is
        ``"reinject"``.
    proposal : {"reinject", "gaussian"}, default="reinject"
        MH proposal: a reinjection step ``r(x) + sqrt(lam) eps`` (with the
        Hastings correction for its asymmetry) or a symmetric random walk
        ``x + step_size eps``.
    step_size : float, default=None
        Std of the Gaussian proposal; ``None`` means ``sqrt(lam)``.
    precision : {"float32", "bfloat16", "float16"}, default="float32"
        Arithmetic of the network during sampling. ``"bfloat16"`` and
        ``"float16"`` run it under :class:`torch.autocast` (matrix products
        in that dtype); states, noise and samples stay float32. Pays where
        the hardware has fast low-precision matrix units: GPUs, and CPUs with
        AVX-512 BF16 or AMX for ``"bfloat16"`` (float16 on a CPU is slow).
        See the performance page for measured speed and sample quality.
    n_integration_points : int, default=2
        Points of the midpoint rule for the energy difference (MH only);
        each costs one network evaluation per step and walk. At an equal
        number of evaluations, more steps with few points mixed better than
        few steps with many points on the package's mixture tests.
    sampling_strategy : "auto" or dict, default="auto"
        Used by :meth:`fit_resample` only: ``"auto"`` raises every class to
        the majority count; a dict maps labels to target counts.
    random_state : int, RandomState instance or None, default=None
        Seeds the walks and the order of the samples. Also seeds the
        autoencoder clone that :meth:`fit` trains, unless the autoencoder
        has its own ``random_state``.
    verbose : int, default=0
        If positive, show a progress bar over chunks while sampling.

    Attributes
    ----------
    autoencoder_ : estimator
        The fitted autoencoder used for sampling (set by :meth:`fit`).
    n_features_in_ : int
        Number of features of the data.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during :meth:`fit`, when ``X`` has string
        column names.
    lam_ : float
        The ``lam`` that sampling uses: ``lam`` itself, or the calibrated
        value for ``lam="auto"``.
    lam_grid_ : ndarray of shape (9,)
        With ``lam="auto"``: the candidates of the calibration.
    lam_scores_ : ndarray of shape (9,)
        With ``lam="auto"``: the MMD² of each candidate's samples to the
        held-out rows (``inf`` where the chains diverged).
    init_data_ : ndarray of shape (n_init, n_features)
        Only with ``init="data"``: up to 10,000 **rows of the training
        data**, kept so that walks can start from them. They travel with
        every pickle of the sampler (and of a
        :class:`~sklearn_reinject.SyntheticDistiller` holding it). With any
        other ``init`` the sampler keeps no training row.
    acceptance_rate_ : float
        With ``method="mh"``: share of accepted proposals over all walks of
        the last :meth:`sample` or :meth:`iter_samples` call.
    walk_acceptance_rates_ : ndarray of shape (n_walks,)
        With ``method="mh"``: the acceptance rate of each walk of that call.
    network_evaluations_per_step_ : int
        Autoencoder evaluations per walk and step: 1 for reinjection,
        ``n_integration_points`` (+1 with the reinjection proposal) for MH.

    See Also
    --------
    GaussianNoiseSampler : The random-generator lower bound.
    SyntheticDistiller : Trains a student on the samples.

    Notes
    -----
    :meth:`fit_resample` trains one autoencoder per resampled class, each a
    clone of ``autoencoder``'s parameters, even when a fitted or frozen one
    was given: a single shared autoencoder cannot be asked for one class.

    References
    ----------
    .. [1] R. Solinas et al., "Generalization of iterative sampling in
       autoencoders", ICMLA 2020.
    .. [2] G. Alain and Y. Bengio, "What regularized auto-encoders learn from
       the data-generating distribution", JMLR 15, 2014.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_reinject import DenoisingAutoencoder, ReinjectionSampler
    >>> X = load_digits().data / 16.0
    >>> ae = DenoisingAutoencoder(hidden_layer_sizes=(32,), max_epochs=2,
    ...                           device="cpu", random_state=0).fit(X)
    >>> ReinjectionSampler(ae, lam=0.05, random_state=0).sample(100).shape
    (100, 64)
    """

    _parameter_constraints: dict = {
        **BaseSampler._parameter_constraints,
        "autoencoder": [HasMethods(["fit"])],
        "lam": [Interval(Real, 0, None, closed="neither"),
                StrOptions({"auto"})],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "burn_in": [Interval(Integral, 0, None, closed="left")],
        "n_chains": [Interval(Integral, 1, None, closed="left"), None],
        "init": [StrOptions({"normal", "uniform", "data", "prior"})],
        "output": [StrOptions({"mean", "state"})],
        "method": [StrOptions({"reinject", "mh"})],
        "schedule": [StrOptions({"auto", "constant", "annealed"})],
        "proposal": [StrOptions({"reinject", "gaussian"})],
        "step_size": [Interval(Real, 0, None, closed="neither"), None],
        "n_integration_points": [Interval(Integral, 1, None, closed="left")],
        "precision": [StrOptions(set(PRECISIONS))],
        "verbose": ["verbose"],
    }

    def __init__(self, autoencoder, *, lam=0.1, n_steps=10, burn_in=2,
                 n_chains=None, init="normal", output="state",
                 method="reinject", schedule="auto", proposal="reinject",
                 step_size=None, n_integration_points=2, precision="float32",
                 sampling_strategy="auto", random_state=None, verbose=0):
        self.autoencoder = autoencoder
        self.lam = lam
        self.n_steps = n_steps
        self.burn_in = burn_in
        self.n_chains = n_chains
        self.init = init
        self.output = output
        self.method = method
        self.schedule = schedule
        self.proposal = proposal
        self.step_size = step_size
        self.n_integration_points = n_integration_points
        self.precision = precision
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.verbose = verbose

    def _anneal_levels(self, ae, lam):
        """The ``(reconstruct, lam)`` pairs of the levels above the last.

        Empty for the constant schedule. With ``noise_levels_`` ``sigma_1 >
        ... > sigma_L``, level ``i`` reinjects with ``lam * (sigma_i /
        sigma_L)**2``, through the denoiser of that level.
        """
        levels = getattr(ae, "noise_levels_", None)
        if self.schedule == "annealed" and levels is None:
            raise ValueError(
                "schedule='annealed' walks down a ladder of noise levels, "
                f"which {type(ae).__name__} does not have; use a "
                "MultiScaleDenoisingAutoencoder or schedule='constant'.")
        if self.schedule == "constant" or levels is None:
            return []
        if self.method == "mh":
            if self.schedule == "annealed":
                raise ValueError(
                    "schedule='annealed' is not available with method='mh'.")
            return []
        module, last = ae.module_, float(levels[-1])
        return [(functools.partial(module.denoise, level=i),
                 lam * (float(sigma) / last) ** 2)
                for i, sigma in enumerate(levels[:-1])]

    def _check_params(self):
        if self.burn_in >= self.n_steps:
            raise ValueError(
                f"The 'burn_in' parameter must be smaller than 'n_steps' "
                f"({self.n_steps}) so that each walk keeps a state. Got "
                f"burn_in={self.burn_in!r} instead.")

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit a clone of the autoencoder on ``X``, or adopt a fitted one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted sampler.
        """
        self._check_params()
        X = validate_data(self, X, dtype=np.float32)
        ae = _unwrap(self.autoencoder)
        if self.lam == "auto":
            X, X_cal = self._calibration_split(X, ae)
        if isinstance(self.autoencoder, FrozenEstimator) or _is_fitted(ae):
            if not _is_fitted(ae):
                raise NotFittedError(
                    "The 'autoencoder' parameter is a FrozenEstimator around "
                    "an unfitted autoencoder; fit it before freezing.")
            if ae.n_features_in_ != X.shape[1]:
                raise ValueError(
                    f"X has {X.shape[1]} features, but the fitted "
                    f"autoencoder expects {ae.n_features_in_}.")
            self.autoencoder_ = ae
        else:
            ae = clone(ae)
            if "random_state" in ae.get_params() and \
                    ae.get_params()["random_state"] is None:
                ae.set_params(random_state=draw_seeds(self.random_state, 1)[0])
            self.autoencoder_ = ae.fit(X)
        for name in ("lam_grid_", "lam_scores_"):
            if hasattr(self, name):
                delattr(self, name)
        if self.lam == "auto":
            self._calibrate_lam(X_cal)
        else:
            self.lam_ = float(self.lam)
        if self.init == "data":
            # The only place where the sampler keeps training rows, because
            # the user asked for walks that start from them.
            rows = X
            if len(X) > MAX_INIT_ROWS:
                keep = np.random.RandomState(0).choice(
                    len(X), MAX_INIT_ROWS, replace=False)
                rows = X[np.sort(keep)]
            self.init_data_ = np.array(rows, dtype=np.float32, copy=True)
        elif hasattr(self, "init_data_"):
            # A refit with another init drops the rows of an earlier fit.
            del self.init_data_
        return self

    def __sklearn_is_fitted__(self):
        return hasattr(self, "autoencoder_") or _is_fitted(
            _unwrap(self.autoencoder))

    def _fitted_autoencoder(self):
        if hasattr(self, "autoencoder_"):
            return self.autoencoder_
        return _unwrap(self.autoencoder)

    def _n_features(self):
        return self._fitted_autoencoder().n_features_in_

    def _per_class_clone(self):
        return clone(self).set_params(autoencoder=clone(_unwrap(
            self.autoencoder)))

    def _warn_if_out_of_range(self, kept, ae, lam):
        """Warn when samples leave the training data's range by far.

        Only for a ``lam`` above the autoencoder's matched ``default_lam()``.

        Checked on the final states of the first chunk's walks only, so
        that it costs a small fraction of one step.
        """
        if not hasattr(ae, "data_min_"):
            return
        lo = torch.as_tensor(ae.data_min_, device=kept.device)
        hi = torch.as_tensor(ae.data_max_, device=kept.device)
        # Constant features (blank pixels) get the median feature's width.
        width = (hi - lo).clamp_min(float(np.median(ae.data_max_
                                                    - ae.data_min_)))
        last = kept[-1]  # the walks' final states stand for the chunk
        outside = ((last < lo - width) | (last > hi + width)).float().mean()
        share = float(outside)
        # Below the matched value, the chain's own noise is what it should
        # be; small training sets have narrow ranges that states may leave.
        if share > OUT_OF_RANGE_SHARE and lam > ae.default_lam():
            warn_at_caller(
                f"{share:.1%} of sampled values lie outside the training "
                "data's range widened by its width on each side: lam="
                f"{lam:g} looks far too large for this data (the "
                f"autoencoder's matched value is {ae.default_lam():g}).",
                SamplingWarning)

    def _lam(self):
        if self.lam != "auto":
            return float(self.lam)
        if hasattr(self, "lam_"):
            return self.lam_
        # A fitted autoencoder sampled without fit: nothing to calibrate on.
        return float(self._fitted_autoencoder().default_lam())

    def _calibration_split(self, X, ae):
        """Rows to train on and rows to calibrate ``lam`` on.

        A fitted (or frozen) autoencoder is calibrated on all of ``X``,
        which should then hold rows it was not trained on. Otherwise a
        held-out slice of ``X`` is kept from the autoencoder's training.
        """
        prefit = isinstance(self.autoencoder, FrozenEstimator) or \
            _is_fitted(ae)
        if prefit:
            return X, X[:CALIBRATION_MAX_ROWS]
        n_cal = min(CALIBRATION_MAX_ROWS,
                    max(2, int(len(X) * CALIBRATION_FRACTION)))
        if len(X) - n_cal < 1:
            raise ValueError(
                "lam='auto' calibrates lam on a held-out slice of X "
                f"({CALIBRATION_FRACTION:.0%}, at least 2 rows), which "
                f"X with n_samples = {len(X)} cannot spare. Pass a float "
                "lam.")
        rng = np.random.RandomState(draw_seeds(self.random_state, 2)[1])
        order = rng.permutation(len(X))
        return X[np.sort(order[n_cal:])], X[np.sort(order[:n_cal])]

    def _calibrate_lam(self, X_cal):
        """Choose ``lam`` by the MMD² of samples to held-out rows.

        Candidates: ``default_lam()`` times a geometric grid from 1/64 to 4;
        every candidate samples ``len(X_cal)`` rows with the same seed
        (common random numbers), and the one with the smallest unbiased
        MMD² (median-heuristic bandwidth on ``X_cal``) wins.
        """
        from ..metrics import median_heuristic, mmd2_unbiased

        centre = float(self._fitted_autoencoder().default_lam())
        grid = centre * CALIBRATION_GRID
        bandwidth = median_heuristic(X_cal, random_state=0)
        scores = []
        for lam in grid:
            self.lam_ = float(lam)
            with warnings.catch_warnings():
                # Candidates far above the matched value are expected to
                # stray; the calibration is what rules them out.
                warnings.simplefilter("ignore", SamplingWarning)
                try:
                    X_syn = self.sample(len(X_cal), random_state=0)
                except ChainDivergenceError:
                    scores.append(np.inf)
                    continue
            scores.append(mmd2_unbiased(X_syn, X_cal, bandwidth=bandwidth))
        scores = np.asarray(scores)
        if not np.isfinite(scores).any():
            raise ChainDivergenceError(
                "Every lam candidate of the calibration diverged (from "
                f"{grid[0]:g} to {grid[-1]:g}): check the autoencoder.")
        self.lam_grid_ = grid
        self.lam_scores_ = scores
        self.lam_ = float(grid[np.argmin(scores)])

    def _chunk_walks(self, n_walks_total, n_features):
        if self.n_chains is not None:
            return min(self.n_chains, n_walks_total)
        per_walk = n_features * (self.n_steps - self.burn_in + 3)
        return max(1, min(n_walks_total, CHUNK_VALUES // per_walk))

    def _init_walks(self, n_walks, n_features, generator, device, init_rng):
        if self.init == "normal":
            return torch.randn((n_walks, n_features), generator=generator,
                               device=device)
        if self.init == "uniform":
            return torch.rand((n_walks, n_features), generator=generator,
                              device=device)
        if self.init == "prior":
            ae = self._fitted_autoencoder()
            if not hasattr(ae, "_decode_prior"):
                raise ValueError(
                    "init='prior' decodes a draw from the autoencoder's "
                    f"prior, which {type(ae).__name__} does not have; use a "
                    "VariationalAutoencoder, a MultiScaleDenoisingAutoencoder "
                    "or another init.")
            return ae._decode_prior(n_walks, generator)
        if not hasattr(self, "init_data_"):
            raise NotFittedError(
                "init='data' starts walks from training rows: call "
                "fit(X) first.")
        idx = init_rng.randint(len(self.init_data_), size=n_walks)
        return torch.from_numpy(self.init_data_[idx]).to(device)

    def sample_chains(self, n_walks, random_state=None):
        """Run walks and return their kept states in walk order.

        For chain diagnostics (:func:`~sklearn_reinject.metrics.
        autocorrelation`, :func:`~sklearn_reinject.metrics.
        effective_sample_size`): no shuffling, one row per walk.

        Parameters
        ----------
        n_walks : int
            Number of walks.
        random_state : int, RandomState instance or None, default=None
            Seed for this call; ``None`` uses the ``random_state`` parameter.

        Returns
        -------
        chains : ndarray of shape (n_walks, n_steps - burn_in, n_features)
            The kept states of each walk, in step order.
        """
        n_walks, rng = self._start(n_walks, random_state, "n_walks")
        self._validate_params()
        self._check_params()
        # Chunks share one buffer: copy each before running the next.
        return np.concatenate([
            k.permute(1, 0, 2).to("cpu", copy=True).numpy()
            for k in self._run_chunks(n_walks, rng)])

    def _iter_chunks(self, n_samples, rng):
        self._validate_params()
        self._check_params()
        n_walks_total = math.ceil(n_samples / (self.n_steps - self.burn_in))
        n_features = self._n_features()
        for kept in self._run_chunks(n_walks_total, rng):
            yield kept.reshape(-1, n_features).cpu().numpy()

    def _start_cpu_blocks(self, reconstruct, x0, lam, generator, kept,
                          pool, anneal=()):
        """Start one chunk's walks on the CPU, block by block.

        The walks are split into at most ``MAX_CPU_BLOCKS`` blocks, each
        drawing its noise from its own generator seeded from
        ``generator``. Contiguous runs of blocks go to single-threaded
        workers, one per intra-op thread (see ``utils._threads``): noise
        generation, serial within a block, then runs on every core. The
        blocks do not depend on the number of workers, so neither do the
        samples, up to the rounding of the network's matrix products.

        ``pool`` is the worker pool of an earlier chunk of the same call, or
        None. Returns the pool (None while one worker suffices) and the
        futures of the blocks, each giving whether its kept states are all
        finite; with one worker, the walks have run on this thread and the
        one future is done.
        """
        n_walks, n_features = x0.shape
        block = max(math.ceil(n_walks / MAX_CPU_BLOCKS),
                    math.ceil(MIN_BLOCK_VALUES / n_features))
        n_blocks = math.ceil(n_walks / block)
        seeds = torch.randint(MAX_SEED, (n_blocks,), generator=generator)
        streams = [torch_generator(seed) for seed in seeds.tolist()]
        run = functools.partial(
            _run_walks_worker, reconstruct, n_steps=self.n_steps,
            burn_in=self.burn_in, lam=lam, output=self.output,
            precision=self.precision, block=block, anneal=anneal)
        n_workers = cpu_worker_count(n_blocks)
        if n_workers == 1:
            done = concurrent.futures.Future()
            done.set_result(run(x0, streams, kept))
            return pool, [done]
        if pool is None:
            pool = single_threaded_pool(n_workers)
        bounds = even_bounds(n_blocks, n_workers)
        futures = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            rows = slice(a * block, b * block)
            futures.append(pool.submit(run, x0[rows], streams[a:b],
                                       kept[:, rows]))
        return pool, futures

    def _run_chunks(self, n_walks_total, rng):
        """Yield kept-state tensors (steps, walks, features) chunk by chunk.

        The callers (``_iter_chunks``, ``sample_chains``) validate first.
        """
        ae = self._fitted_autoencoder()
        if hasattr(self, "n_features_in_") and \
                self.n_features_in_ != ae.n_features_in_:
            raise ValueError(
                f"The sampler was fitted on {self.n_features_in_} features "
                f"but its autoencoder has {ae.n_features_in_}.")
        module, device = ae.module_, ae.device_
        n_features = ae.n_features_in_
        lam = self._lam()
        chunk = self._chunk_walks(n_walks_total, n_features)
        walk_seed, init_seed = draw_seeds(rng, 2)
        generator = torch_generator(walk_seed, device)
        init_rng = np.random.RandomState(init_seed)
        starts = range(0, n_walks_total, chunk)
        if self.verbose:
            from tqdm.auto import tqdm
            starts = tqdm(starts, desc="reinjection", unit="chunk")
        module.eval()
        mh = self.method == "mh"
        anneal = self._anneal_levels(ae, lam)
        if mh:
            score_scale = float(ae.default_lam()) / 2
            step_size = (math.sqrt(lam) if self.step_size is None
                         else float(self.step_size))
            acceptance = []
        self.network_evaluations_per_step_ = (
            self.n_integration_points + (self.proposal == "reinject")
            if mh else 1)
        on_cpu = torch.device(device).type == "cpu"
        # Full chunks reuse buffers (no fresh pages to fault in per chunk):
        # every consumer copies a chunk before asking for the next. When
        # CPU workers run the walks, the next chunk runs on them while this
        # thread checks and hands over the last one: two buffers alternate.
        buffers = [None, None]
        pool = pending = None
        try:
            for i, start in enumerate(starts):
                n_walks = min(chunk, n_walks_total - start)
                futures = []
                with torch.inference_mode():
                    x0 = self._init_walks(n_walks, n_features, generator,
                                          device, init_rng)
                    if mh:
                        # Only the network's arithmetic runs at lower
                        # precision; the walks' states stay float32.
                        with autocast(device, self.precision):
                            kept, accepted = run_mh_walks(
                                module.reconstruct, x0, self.n_steps,
                                self.burn_in, lam, generator, score_scale,
                                self.n_integration_points, self.proposal,
                                step_size)
                        acceptance.append(
                            (accepted / self.n_steps).cpu().numpy())
                    else:
                        # A second buffer once chunks run on workers.
                        slot = i % 2 if pool is not None else 0
                        if n_walks < chunk:
                            kept = torch.empty(
                                (self.n_steps - self.burn_in, n_walks,
                                 n_features), device=device)
                        else:
                            if buffers[slot] is None:
                                buffers[slot] = torch.empty(
                                    (self.n_steps - self.burn_in, chunk,
                                     n_features), device=device)
                            kept = buffers[slot]
                        if on_cpu:
                            pool, futures = self._start_cpu_blocks(
                                module.reconstruct, x0, lam, generator, kept,
                                pool, anneal)
                        else:
                            with autocast(device, self.precision):
                                run_walks(module.reconstruct, x0,
                                          self.n_steps, self.burn_in, lam,
                                          generator, self.output, out=kept,
                                          anneal=anneal)
                if pending is not None:
                    yield self._finish_chunk(*pending, ae, lam)
                    pending = None
                if mh:
                    rates = np.concatenate(acceptance)
                    self.walk_acceptance_rates_ = rates
                    self.acceptance_rate_ = float(rates.mean())
                if not all(future.done() for future in futures):
                    pending = (kept, futures, start == 0)
                else:
                    yield self._finish_chunk(kept, [], start == 0, ae, lam)
            if pending is not None:
                yield self._finish_chunk(*pending, ae, lam)
        finally:
            if pool is not None:
                # An abandoned call waits for its running blocks and drops
                # the queued ones.
                pool.shutdown(cancel_futures=True)

    def _finish_chunk(self, kept, futures, first, ae, lam):
        """Wait for a chunk's blocks, check it, and return it.

        Yielded outside inference mode: the caller's code runs between
        chunks and must not create inference tensors.
        """
        # Let every worker finish writing before any error is raised.
        concurrent.futures.wait(futures)
        with torch.inference_mode():
            # One host synchronisation per chunk, not per step: one
            # min/max reduction (workers reduce their own blocks).
            sane = (all([future.result() for future in futures])
                    if futures else _within_bounds(kept))
            if not sane:
                overflow = (" float16 overflows above 65504: try "
                            "precision='bfloat16' or 'float32'."
                            if self.precision == "float16" else "")
                what = ("NaN or inf" if not bool(torch.isfinite(kept).all())
                        else f"values beyond {MAX_ABS_VALUE:g} in magnitude")
                raise ChainDivergenceError(
                    f"Reinjection chains diverged to {what} with "
                    f"lam={lam!r}. Lower 'lam' (the autoencoder's matched "
                    f"value is {ae.default_lam():g}), or check that the "
                    "autoencoder was trained on data of this scale."
                    + overflow)
            if first:
                self._warn_if_out_of_range(kept, ae, lam)
        return kept
