"""The reinjection sampler: the estimator around the walks.

The walk arithmetic is in ``_kernels.py``, the chunked execution on a
device in ``_runner.py``, the calibration of ``lam="auto"`` in
``_calibration.py`` and the contract with the autoencoder in
``_protocol.py``; this module resolves the parameters into a
:class:`~._runner.WalkPlan` and hands it over.
"""

import copy
import functools
import inspect
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._compat import HasMethods, Interval, StrOptions, _fit_context
from ..exceptions import SamplingWarning
from ..utils._constants import DEFAULT_LAM, MOMENT_SAMPLES
from ..utils._device import PRECISIONS
from ..utils._random import draw_seeds
from ..utils._warnings import warn_at_caller
from ._base import BaseSampler
from ._calibration import calibrate_lam, calibration_split
from ._protocol import check_reinjectable
from ._runner import WalkPlan, chunk_walks, mh_chunks, reinjection_chunks

#: Rows of training data kept for ``init="data"``.
MAX_INIT_ROWS = 10_000

#: A feature whose training values spread more than this many times the
#: unit scale of the ``"normal"`` and ``"uniform"`` starts, or whose mean
#: lies more than this many units from their centre, is out of their
#: reach.
START_SCALE_RATIO = 3.0


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


def _seeded_sampler(generator):
    """``draw(n_samples, seed)``: rows of a fitted generator, seeded.

    The package's generators take ``sample(n_samples, random_state)``.
    scikit-learn's mixtures take no ``random_state`` (they draw from their
    own parameter) and return ``(X, labels)``: a shallow copy reseeded for
    each draw is sampled and the labels are dropped. Resolved once per
    sampling call, not per chunk.
    """
    if "random_state" in inspect.signature(generator.sample).parameters:
        def sample(n_samples, seed):
            return generator.sample(n_samples, random_state=seed)
    else:
        reseed = "random_state" in generator.get_params()

        def sample(n_samples, seed):
            gen = copy.copy(generator)
            if reseed:
                gen.set_params(random_state=seed)
            return gen.sample(n_samples)

    def draw(n_samples, seed):
        out = sample(n_samples, seed)
        return out[0] if isinstance(out, tuple) else out
    return draw


def _moment_map(source, target):
    """Per-feature ``(scale, offset)`` taking ``source``'s means and
    standard deviations onto ``target``'s (float64 statistics; a feature
    constant in ``source`` goes to ``target``'s mean)."""
    spread = source.std(axis=0, dtype=np.float64)
    scale = np.divide(target.std(axis=0, dtype=np.float64), spread,
                      out=np.zeros_like(spread), where=spread > 0)
    offset = (target.mean(axis=0, dtype=np.float64)
              - source.mean(axis=0, dtype=np.float64) * scale)
    return scale.astype(np.float32), offset.astype(np.float32)


def _fit_clone(estimator, X, seed):
    """Fit a clone of ``estimator`` on ``X``, seeding it when it is not."""
    estimator = clone(estimator)
    if estimator.get_params().get("random_state", 0) is None:
        estimator.set_params(random_state=seed)
    return estimator.fit(X)


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
    after ``burn_in`` is kept, ``n_steps - burn_in`` per walk: ``sample(n)``
    runs ``ceil(n / (n_steps - burn_in))`` walks and shuffles their states.
    Consecutive states of a walk are correlated, so a small request is a
    few neighbourhoods rather than independent draws (``sample(5)`` is one
    walk with the defaults); ``burn_in=n_steps - 1`` keeps one state per
    walk, as many walks as samples. The paper's
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
        Any autoencoder of this package, or any object that meets
        :class:`~sklearn_reinject.sampling.ReinjectableAutoencoder` (a
        torch module wrapped in
        :class:`~sklearn_reinject.sampling.ModuleAutoencoder`, for
        example). If it is fitted, or
        wrapped in :class:`sklearn.frozen.FrozenEstimator`, it is used as is
        and :meth:`sample` works without :meth:`fit`; otherwise :meth:`fit`
        trains a clone of it.
    lam : float or "auto", default=0.1
        Noise variance of each reinjection. ``"auto"`` calibrates it in
        :meth:`fit` (Solinas et al., 2020, Section III-A): 10% of ``X`` (at
        most 2,000 rows, drawn from ``random_state``) is held out from the
        autoencoder's training (and from ``scaler_``), and of the candidates
        ``default_lam() * geomspace(1/64, 4, 9)`` the one whose samples have
        the smallest MMD² to the held-out rows is kept as ``lam_``. The
        candidates' chain states are scored, with any ``output``: ``lam``
        sets the chain's noise, and the final denoising step of
        ``output="mean"`` is applied at the chosen value (scored on the
        denoised means, the smallest candidate wins when the walks start
        near the data, from a VAE's samples, their walks barely leaving
        their starts). To choose ``lam`` by the means themselves, search
        with :class:`~sklearn.model_selection.GridSearchCV` and
        :meth:`score`, which scores what :meth:`sample` returns: for
        Table I's deep AE walked from ``N(0, I)`` that search keeps a
        hotter ``lam`` (0.4 against 0.1), which trains better students.
        A fitted or frozen autoencoder is calibrated on up to 2,000 rows of
        the ``X`` given to :meth:`fit`, which should then be rows it was
        not trained on. The cost is nine sampling calls
        of at most 2,000 rows and their MMD², a few seconds on MNIST on 2
        CPU cores. Without :meth:`fit`, ``"auto"`` means the autoencoder's
        matched ``default_lam()`` (``2 * noise_std**2`` for a DAE).
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
    init : {"normal", "uniform", "data", "prior"} or estimator, \
            default="normal"
        Start of each walk: ``N(0, I)``, ``U(0, 1)``, random rows of the
        data passed to :meth:`fit` (at most 10,000 are kept), or, for a
        :class:`~sklearn_reinject.VariationalAutoencoder`, its ancestral
        samples (decoded ``z ~ N(0, I)``), which reinjection then refines;
        for a :class:`~sklearn_reinject.MultiScaleDenoisingAutoencoder`,
        ``N(data_mean_, sigma_1**2 I)``, where annealed walks should start.
        An estimator with ``sample(n_samples, random_state)`` (a
        :class:`~sklearn_reinject.VariationalAutoencoder`, a
        :class:`~sklearn.mixture.GaussianMixture`, another sampler) starts
        the walks from its samples, in the data's units: reinjection then
        refines another generator's samples with this autoencoder, for
        example a small-noise :class:`~sklearn_reinject.DenoisingAutoencoder`
        with a short walk and ``output="mean"`` (Tweedie's denoised
        estimate), which sharpens a VAE's blurred decodes. A fitted (or
        frozen) generator is used as is; otherwise :meth:`fit` trains a
        clone of it on the rows the autoencoder trains on (``init_``), and
        :meth:`fit_resample` one per class. On MNIST, a VAE's ancestral
        samples refined this way (``lam=0.02``, ``n_steps=2``,
        ``burn_in=1``) had MMD² 0.0025 against 0.0083 and a Fréchet
        distance of 6.4 against 19.0 to test images, and trained a student
        level with the VAE's own samples (0.9738 against 0.9742); a
        classifier two-sample test told them from real images more easily
        (AUC 0.857 against 0.793; benchmarks page). scikit-learn's mixtures,
        whose ``sample`` takes no ``random_state``, are sampled through a
        copy reseeded for each draw. ``"normal"`` and ``"uniform"`` suit
        walks in units near 1 (pixels in [0, 1], standardised features):
        sampling warns (:class:`~sklearn_reinject.exceptions.SamplingWarning`)
        when a feature of the autoencoder's training data had a standard
        deviation above 3 or a mean more than 3 from the start's centre,
        which such walks may never reach.
    output : {"state", "mean"}, default="state"
        What each kept step contributes: the chain's state ``x_{t+1}``
        itself (the Langevin chain's marginal), or ``r(x_t)``, the
        noise-free mean of the transition. ``"mean"`` is the final
        denoising step of score-based samplers: the walk runs on noisy
        states as before, and each kept state is returned passed once
        through the autoencoder, which for a denoiser is Tweedie's
        denoised estimate of the clean point behind it. It removes the
        pixel noise of std ``sqrt(lam)`` and pulls samples towards the
        modes. It can help when the samples train a classifier, most with
        a hotter chain than ``lam="auto"``, which scores the states, would
        choose; a ``GridSearchCV`` over ``lam`` by :meth:`score`, which
        scores the means, chooses it (MNIST students on the benchmarks
        page: deep AE at ``lam=0.1`` 0.939 to 0.969; at ``lam=0.4``, the
        search's choice, it trained the best synthetic students of Table
        I, 0.9792 on average over three seeds against 0.9766 for the
        states at ``lam=0.1`` (one student a seed; 0.9785 over five
        students a seed, short of the paper's 0.978 on one seed), and of the
        generator comparison from a VAE's prior, 0.9743, level with the
        VAE's ancestral samples; at the VAE's calibrated ``lam=0.025``
        it made no difference, 0.970 to 0.971). With a
        :class:`~sklearn_reinject.MultiScaleDenoisingAutoencoder`, whose
        smallest-noise denoiser barely blurs, it helps when the data lie
        near a lower-dimensional set, as images do: on points near a
        circle (radial std 0.01, ``sigma_min=0.1``) it takes the states'
        radial spread from 0.14 to 0.02 and MMD² at that scale to 0.03 to
        0.12 of the raw states' (5 trainings, 3 seeds each). On data that
        fill their space it neither helps nor hurts (MMD² on a
        two-dimensional Gaussian mixture within 4% of the raw states',
        over 3 trainings and 10 seeds). It hurts distribution distances when the
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
    step_fraction : float in (0, 1], default=1.0
        How far each reinjection moves towards ``r(x)``: ``x <- x + eta
        (r(x) - x) + sqrt(eta lam) eps`` with ``eta = step_fraction``, at
        every level of an annealed walk. ``1`` is reinjection as above, a
        Langevin step of size ``lam / 2`` in units of the score
        ``(r(x) - x) / (lam / 2)``; ``eta < 1`` takes a step ``eta`` times
        smaller with the noise that matches it. Smaller steps shrink the
        discretisation bias of the unadjusted chain and need more steps to
        travel as far. On a Gaussian with its ideal denoiser at ``sigma**2
        = v / 2``, the chain's variance is ``1.8 v`` at ``eta = 1`` and
        ``1.525 v`` at ``eta = 0.1``, against the smoothed density's
        ``1.5 v``. Annealed walks of a
        :class:`~sklearn_reinject.MultiScaleDenoisingAutoencoder` on MNIST
        came three times closer to held-out images (MMD² 0.068 against
        0.200) at ``eta = 0.05``, with the same number of network
        evaluations; on a two-dimensional mixture of three Gaussians (4
        levels from 1.0 to 0.1, the matched ``lam``) the same walks came
        ten times farther (MMD² 0.0128 against 0.0013), too short to
        travel from their start, so the default stays ``1``. Not
        available with ``method="mh"``.
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
    standardize : bool or "auto", default="auto"
        Whether :meth:`fit` trains the autoencoder on standardised features
        (:class:`~sklearn.preprocessing.StandardScaler`, kept as
        ``scaler_``): walks then run in that space, ``lam`` is a variance
        in units of each feature's standard deviation, and samples are
        mapped back to the data's units. Tabular features have different
        scales and units; a single ``lam`` in raw units would drown the
        small ones and miss the large ones. ``"auto"`` standardises when
        the sampler trains the autoencoder and ``X`` has values outside
        [0, 1] (pixels and min-max scaled data are left as they are);
        a fitted or frozen autoencoder is never standardised for, since it
        was trained in its own space (``True`` then raises).
    match_moments : bool or "auto", default="auto"
        Whether samples are mapped, feature by feature, onto the mean and
        standard deviation of the rows passed to :meth:`fit`. At the end
        of :meth:`fit` the sampler draws 10,000 samples (fixed seed),
        measures each feature's mean and spread, and from then on applies
        the affine map ``x -> (x - sample_mean) * data_std / sample_std +
        data_mean`` to every sample (two vectors, ``moment_scale_`` and
        ``moment_offset_``; no row is kept). It corrects the walks' drift
        and spread (on a 30-feature class, spreads off by a factor of up
        to 1.5 to 1.7 on the worst feature) and keeps their shape and
        correlations. :meth:`fit_resample` also matches each class's new
        rows as a set, so that their means and standard deviations are the
        class's exactly (moment-matched Monte Carlo: a class that needs few
        rows gets them from few, correlated walks); a feature constant in
        the data stays constant, and a class of a single row, which has no
        spread, gets copies of it (``False`` walks around it instead).
        ``"auto"`` matches
        when :meth:`fit` standardised the data (see ``standardize``):
        tables, and every class of :meth:`fit_resample` with values outside
        [0, 1]; images in [0, 1] and fitted autoencoders are left as they
        are. ``True`` needs :meth:`fit` (a sampler around a fitted
        autoencoder that was never fitted itself refuses to sample). On
        inner validation splits of the imbalanced benchmark (seven
        problems, two classifiers, five seeds;
        ``benchmarks/imbalanced_walk_length.py --compare moments``) it
        raised the mean balanced accuracy from 0.816 to 0.830 and brought
        the new rows closer to their class (energy distance) on all seven
        problems. On MNIST, ``True`` took a VAE-refining sampler's MMD² to
        test images from 0.0025 to 0.0004 and its linear two-sample AUC
        from 0.857 to 0.506, its student level (0.973); on a shallow DAE's
        noisy states it lowered MMD² as much with no better digits
        (Fréchet distance 79, student 0.957 to 0.940): those two measures
        mostly read the per-pixel moments that the map sets (benchmarks
        page).
    sampling_strategy : float, str, dict or callable, default="auto"
        Used by :meth:`fit_resample` only, with imbalanced-learn's
        over-sampling meaning: a float in (0, 1] is the ratio of minority
        to majority rows after resampling (binary ``y`` only); ``"auto"``
        or ``"not majority"`` raise every class but the majority to its
        count, ``"minority"`` only the smallest class, ``"not minority"``
        every class but it, ``"all"`` every class; a dict maps labels to
        target counts; a callable maps ``y`` to such a dict.
    n_jobs : int, default=None
        Classes whose autoencoders :meth:`fit_resample` trains at once,
        with :class:`joblib.Parallel` (``None`` means 1 unless in a
        :func:`joblib.parallel_config` context, ``-1`` all processors). The
        samples do not depend on it.
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
    init_ : estimator
        Only when ``init`` is an estimator: the fitted generator whose
        samples start the walks. It keeps what that generator keeps (a
        :class:`~sklearn.neighbors.KernelDensity` keeps every training
        row; a VAE or a Gaussian mixture keeps only parameters).
    lam_grid_ : ndarray of shape (9,)
        With ``lam="auto"``: the candidates of the calibration.
    lam_scores_ : ndarray of shape (9,)
        With ``lam="auto"``: the MMD² of each candidate's samples to the
        held-out rows (``inf`` where the chains diverged).
    scaler_ : StandardScaler
        Only when :meth:`fit` standardised (see ``standardize``): the
        features' means and standard deviations, over the rows the
        autoencoder was trained on (with ``lam="auto"``, not the held-out
        ones).
    moment_scale_ : ndarray of shape (n_features,)
        Only when ``match_moments`` applied at :meth:`fit`: per feature,
        the data's standard deviation over the samples' (in the walks'
        space; 0 where the samples did not vary; all ones, with an offset
        of zeros, after a warning that the walks diverged).
    moment_offset_ : ndarray of shape (n_features,)
        With ``moment_scale_``: samples ``x`` become ``x * moment_scale_ +
        moment_offset_`` (in the walks' space).
    sampling_strategy_ : OrderedDict
        Set by :meth:`fit_resample`: the number of rows added to each
        resampled class.
    init_data_ : ndarray of shape (n_init, n_features)
        Only with ``init="data"``: up to 10,000 **rows of the training
        data**, kept so that walks can start from them (standardised when
        ``scaler_`` is set; ``scaler_.inverse_transform`` gives them
        back). They travel with every pickle of the sampler (and of a
        :class:`~sklearn_reinject.SyntheticDistiller` holding it). With any
        other ``init`` the sampler keeps no training row.

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
        "init": [StrOptions({"normal", "uniform", "data", "prior"}),
                 HasMethods(["sample"])],
        "output": [StrOptions({"mean", "state"})],
        "method": [StrOptions({"reinject", "mh"})],
        "schedule": [StrOptions({"auto", "constant", "annealed"})],
        "step_fraction": [Interval(Real, 0, 1, closed="right")],
        "proposal": [StrOptions({"reinject", "gaussian"})],
        "step_size": [Interval(Real, 0, None, closed="neither"), None],
        "n_integration_points": [Interval(Integral, 1, None, closed="left")],
        "precision": [StrOptions(set(PRECISIONS))],
        "standardize": ["boolean", StrOptions({"auto"})],
        "match_moments": ["boolean", StrOptions({"auto"})],
        "verbose": ["verbose"],
    }

    def __init__(self, autoencoder, *, lam=DEFAULT_LAM, n_steps=10, burn_in=2,
                 n_chains=None, init="normal", output="state",
                 method="reinject", schedule="auto", step_fraction=1.0,
                 proposal="reinject", step_size=None, n_integration_points=2,
                 precision="float32", standardize="auto",
                 match_moments="auto", sampling_strategy="auto", n_jobs=None,
                 random_state=None, verbose=0):
        self.autoencoder = autoencoder
        self.lam = lam
        self.n_steps = n_steps
        self.burn_in = burn_in
        self.n_chains = n_chains
        self.init = init
        self.output = output
        self.method = method
        self.schedule = schedule
        self.step_fraction = step_fraction
        self.proposal = proposal
        self.step_size = step_size
        self.n_integration_points = n_integration_points
        self.precision = precision
        self.standardize = standardize
        self.match_moments = match_moments
        self.sampling_strategy = sampling_strategy
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # -- parameters --------------------------------------------------------
    def _check_params(self, X=None):
        """Validate the parameters; run by fit and by every sampling call.

        The sampler's one validation hook. A sampler around a fitted
        autoencoder samples without :meth:`fit`, and ``set_params`` may
        change it between calls: each call checks (``X`` is None then).
        """
        self._validate_params()
        if self.burn_in >= self.n_steps:
            raise ValueError(
                f"The 'burn_in' parameter must be smaller than 'n_steps' "
                f"({self.n_steps}) so that each walk keeps a state. Got "
                f"burn_in={self.burn_in!r} instead.")
        if self.method == "mh" and self.step_fraction != 1:
            raise ValueError(
                "The 'step_fraction' parameter applies to method='reinject' "
                "only: method='mh' proposes full reinjection steps (or "
                "Gaussian ones of std 'step_size'). Got "
                f"step_fraction={self.step_fraction!r} with method='mh'.")

    def _lam(self):
        if self.lam != "auto":
            return float(self.lam)
        if hasattr(self, "lam_"):
            return self.lam_
        # A fitted autoencoder sampled without fit: nothing to calibrate on.
        return float(self._fitted_autoencoder().default_lam())

    # -- fitting -----------------------------------------------------------
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
        prefit = self._prefit()
        if self.lam == "auto":
            X, X_cal = calibration_split(X, prefit, self.random_state)
        # The start generator, like the autoencoder, learns from the rows
        # the autoencoder trains on, in the data's units.
        self._fit_init_generator(X)
        # The scaler, like the autoencoder, sees only the rows it trains
        # on; the held-out rows are scored in its space.
        X = self._fit_scaler(X, prefit)
        if self.lam == "auto" and hasattr(self, "scaler_"):
            X_cal = self.scaler_.transform(X_cal).astype(np.float32,
                                                         copy=False)
        self.autoencoder_ = self._adopt_or_fit(X, prefit)
        # Before the calibration, whose walks start from these rows too.
        self._keep_init_rows(X)
        for name in ("lam_grid_", "lam_scores_"):
            if hasattr(self, name):
                delattr(self, name)
        if self.lam == "auto":
            self.lam_, self.lam_grid_, self.lam_scores_ = calibrate_lam(
                self._sample_for_calibration,
                self.autoencoder_.default_lam(), X_cal)
        else:
            self.lam_ = float(self.lam)
        self._fit_moments(X)
        return self

    def _fit_moments(self, X):
        """Measure the output's per-feature moments against ``X``'s.

        ``X`` is in the walks' space (standardised when ``scaler_`` is
        set); the map is stored as two vectors in that space.
        """
        for name in ("moment_scale_", "moment_offset_"):
            if hasattr(self, name):
                delattr(self, name)
        if not (self.match_moments is True or (
                self.match_moments == "auto" and hasattr(self, "scaler_"))):
            return
        draw = self._draw(MOMENT_SAMPLES, check_random_state(0),
                          data_space=False)
        draw = draw[np.isfinite(draw).all(axis=1)]
        if len(draw) < 2:
            warn_at_caller(
                "match_moments: the walks diverged (fewer than 2 of "
                f"{MOMENT_SAMPLES} samples are finite), so the samples are "
                "not mapped onto the data's moments. Lower 'lam'.",
                SamplingWarning)
            # The identity: sampling goes on, unmapped, as the warning says.
            n_features = X.shape[1]
            self.moment_scale_ = np.ones(n_features, dtype=np.float32)
            self.moment_offset_ = np.zeros(n_features, dtype=np.float32)
            return
        self.moment_scale_, self.moment_offset_ = _moment_map(draw, X)

    def _finish_class_rows(self, rows, X_class):
        # A class's new rows come from few walks when the class needs few
        # rows, and consecutive states of a walk are correlated: the set
        # is matched as a whole, so that its means and spreads are the
        # class's exactly (moment-matched Monte Carlo).
        if len(rows) < 2 or not self._moments_apply():
            return rows
        scale, offset = _moment_map(rows, X_class)
        return rows * scale + offset

    def _standardizes(self, X, prefit):
        """Whether :meth:`fit` on ``X`` trains in standardised units."""
        return self.standardize is True or (
            self.standardize == "auto" and not prefit and
            (X.min() < 0 or X.max() > 1))

    def _fit_scaler(self, X, prefit):
        """Standardise ``X`` when asked to; ``X`` in the walks' space."""
        if self.standardize is True and prefit:
            raise ValueError(
                "standardize=True trains the autoencoder on standardised "
                "features, but the 'autoencoder' parameter is already "
                "fitted (or frozen). Pass standardize='auto' or False, or "
                "an unfitted autoencoder.")
        if hasattr(self, "scaler_"):
            del self.scaler_
        if not self._standardizes(X, prefit):
            return X
        # Means and scales only: two vectors of statistics, no row.
        self.scaler_ = StandardScaler().fit(X)
        return self.scaler_.transform(X).astype(np.float32, copy=False)

    def _check_moments(self):
        if self.match_moments is True and not hasattr(self,
                                                      "moment_scale_"):
            raise NotFittedError(
                "match_moments=True maps samples onto the moments of the "
                "rows passed to fit, and this sampler has none: call "
                "fit(X) first (again after set_params(match_moments=True)),"
                " or pass match_moments='auto' or False.")

    def _moments_apply(self):
        """Whether samples go through the moment map of the last fit."""
        return self.match_moments is not False and hasattr(self,
                                                           "moment_scale_")

    def _to_data_space(self, X):
        """Walk-space samples as returned: moments matched, scale undone."""
        if self._moments_apply():
            X = X * self.moment_scale_ + self.moment_offset_
        if not hasattr(self, "scaler_"):
            return X
        return self.scaler_.inverse_transform(X).astype(np.float32,
                                                        copy=False)

    def _prefit(self):
        ae = _unwrap(self.autoencoder)
        if isinstance(self.autoencoder, FrozenEstimator) and \
                not _is_fitted(ae):
            raise NotFittedError(
                "The 'autoencoder' parameter is a FrozenEstimator around "
                "an unfitted autoencoder; fit it before freezing.")
        return _is_fitted(ae)

    def _adopt_or_fit(self, X, prefit):
        ae = _unwrap(self.autoencoder)
        if prefit:
            if ae.n_features_in_ != X.shape[1]:
                raise ValueError(
                    f"X has {X.shape[1]} features, but the fitted "
                    f"autoencoder expects {ae.n_features_in_}.")
            return ae
        return _fit_clone(ae, X, draw_seeds(self.random_state, 1)[0])

    def _init_is_estimator(self):
        return not isinstance(self.init, str)

    def _fit_init_generator(self, X):
        """Adopt or fit the generator of ``init``, when it is an estimator."""
        if hasattr(self, "init_"):
            # A refit with another init drops the generator of an earlier fit.
            del self.init_
        if not self._init_is_estimator():
            return
        gen = _unwrap(self.init)
        if _is_fitted(gen):
            self._check_init_features(gen, X.shape[1])
            self.init_ = gen
        else:
            # Its own seed, not the autoencoder's.
            self.init_ = _fit_clone(gen, X,
                                    draw_seeds(self.random_state, 2)[1])

    @staticmethod
    def _check_init_features(gen, n_features):
        n_gen = getattr(gen, "n_features_in_", n_features)
        if n_gen != n_features:
            raise ValueError(
                f"The 'init' generator was fitted on {n_gen} features, but "
                f"X has {n_features}.")

    def _init_generator(self):
        """The fitted generator whose samples start the walks."""
        if hasattr(self, "init_"):
            return self.init_
        gen = _unwrap(self.init)
        if not _is_fitted(gen):
            raise NotFittedError(
                f"The 'init' parameter is an unfitted {type(gen).__name__}: "
                "call fit(X), which fits a clone of it, or pass a fitted "
                "generator.")
        return gen

    def _sample_for_calibration(self, lam, n_samples):
        # Every candidate draws with the same seed: common random numbers.
        # The held-out rows are in the walks' (standardised) space. The
        # chain's states are scored whatever the output: lam sets the
        # chain's noise, and scoring the denoised means instead rewards the
        # smallest lam, whose walks barely leave their starts.
        # They stay in that space: no round trip through the data's units.
        return self._draw(n_samples, check_random_state(0), lam=lam,
                          output="state", data_space=False)

    def _keep_init_rows(self, X):
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
        params = {"autoencoder": clone(_unwrap(self.autoencoder))}
        if self._init_is_estimator():
            params["init"] = clone(_unwrap(self.init))
        return clone(self).set_params(**params)

    # -- one sampling call -------------------------------------------------
    def _plan(self, n_walks_total, lam=None, output=None):
        """Resolve everything this call's chunks need, once."""
        ae = check_reinjectable(self._fitted_autoencoder())
        if hasattr(self, "n_features_in_") and \
                self.n_features_in_ != ae.n_features_in_:
            raise ValueError(
                f"The sampler was fitted on {self.n_features_in_} features "
                f"but its autoencoder has {ae.n_features_in_}.")
        lam = self._lam() if lam is None else float(lam)
        start_is_far = self._warn_if_start_is_far_from_data(ae, lam)
        device = torch.device(ae.device_)
        n_kept = self.n_steps - self.burn_in
        return WalkPlan(
            autoencoder=ae, device=device, n_features=ae.n_features_in_,
            lam=lam, n_steps=self.n_steps, burn_in=self.burn_in,
            output=self.output if output is None else output,
            precision=self.precision,
            chunk=chunk_walks(n_walks_total, ae.n_features_in_, n_kept,
                              self.n_chains),
            init=self._init_fn(ae, device),
            anneal=self._anneal_levels(ae, lam),
            step_fraction=float(self.step_fraction), verbose=self.verbose,
            mh_score_scale=float(ae.default_lam()) / 2,
            mh_n_integration_points=self.n_integration_points,
            mh_proposal=self.proposal, mh_step_size=self.step_size,
            start_is_far=start_is_far)

    def _warn_if_start_is_far_from_data(self, ae, lam):
        """Warn when walks from ``N(0, I)`` or ``U(0, 1)`` cannot reach the data.

        The autoencoder works in the units it was trained in. When features
        there spread over many times the start's unit scale, or sit many
        units away from it (an autoencoder fitted on unscaled data:
        digits' 0-16 pixels), a few reinjections with noise of std
        ``sqrt(lam)`` do not carry the walks to the data: on digits,
        samples as far from held-out digits as Gaussian noise. Needs the
        centre and spread the autoencoder records at ``fit``. Returns
        whether it warned.
        """
        mean = getattr(ae, "_feature_mean", None)
        std = getattr(ae, "_feature_std", None)
        if mean is None or std is None or not isinstance(self.init, str) \
                or self.init not in ("normal", "uniform"):
            return False
        centre = 0.0 if self.init == "normal" else 0.5
        offset = np.abs(mean - centre)
        far = (std > START_SCALE_RATIO) | (offset > START_SCALE_RATIO)
        if not far.any():
            return False
        start = "N(0, I)" if self.init == "normal" else "U(0, 1)"
        warn_at_caller(
            f"{int(far.sum())} of {len(std)} features of the data the "
            f"autoencoder was trained on spread or sit beyond the reach of "
            f"init={self.init!r}, which starts the walks from {start}: "
            f"their standard deviation (up to {float(std.max()):.3g}) or "
            f"their mean's distance from the start's centre (up to "
            f"{float(offset.max()):.3g}) is above {START_SCALE_RATIO:g}, "
            f"and each step adds noise of std sqrt(lam) = "
            f"{np.sqrt(lam):.3g}: the walks may never reach the data. "
            "Scale the features before training the autoencoder "
            "(ReinjectionSampler(autoencoder).fit(X) standardises them "
            "when it trains an unfitted one), or start the walks from a "
            "generator fitted on the data (init=<estimator>).",
            SamplingWarning)
        return True

    def _init_fn(self, ae, device):
        """``init(n_walks, generator, init_rng)``: starts of a chunk's walks."""
        n_features = ae.n_features_in_
        if self.init == "normal":
            return lambda n, gen, rng: torch.randn(
                (n, n_features), generator=gen, device=device)
        if self.init == "uniform":
            return lambda n, gen, rng: torch.rand(
                (n, n_features), generator=gen, device=device)
        if self.init == "prior":
            if not hasattr(ae, "sample_prior_tensor"):
                raise ValueError(
                    "init='prior' decodes a draw from the autoencoder's "
                    f"prior, which {type(ae).__name__} does not have; use a "
                    "VariationalAutoencoder, a MultiScaleDenoisingAutoencoder "
                    "or another init.")
            return lambda n, gen, rng: ae.sample_prior_tensor(n, gen)
        if self._init_is_estimator():
            return self._generator_starts(n_features, device)
        if not hasattr(self, "init_data_"):
            raise NotFittedError(
                "init='data' starts walks from training rows: call "
                "fit(X) first.")
        rows = self.init_data_
        return lambda n, gen, rng: torch.from_numpy(
            rows[rng.randint(len(rows), size=n)]).to(device)

    def _generator_starts(self, n_features, device):
        """Starts drawn from the ``init`` generator, in the walks' space."""
        gen = self._init_generator()
        self._check_init_features(gen, n_features)
        name, draw = type(gen).__name__, _seeded_sampler(gen)

        def starts(n, generator, rng):
            X0 = np.asarray(draw(n, rng.randint(2**31 - 1)), dtype=np.float32)
            if X0.shape != (n, n_features):
                raise ValueError(
                    f"The 'init' generator {name} returned samples of shape "
                    f"{X0.shape} for sample({n}); expected {(n, n_features)}.")
            if hasattr(self, "scaler_"):
                X0 = self.scaler_.transform(X0).astype(np.float32, copy=False)
            return torch.from_numpy(np.ascontiguousarray(X0)).to(device)
        return starts

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
        if self.method == "mh" and self.schedule == "annealed":
            raise ValueError(
                "schedule='annealed' is not available with method='mh'.")
        if self.schedule == "constant" or levels is None or \
                self.method == "mh":
            return ()
        last = float(levels[-1])
        return tuple((functools.partial(ae.denoise_tensor, level=i),
                      lam * (float(sigma) / last) ** 2)
                     for i, sigma in enumerate(levels[:-1]))

    def _chunks(self, plan, n_walks_total, seed, acceptance=None):
        if self.method == "mh":
            return mh_chunks(plan, n_walks_total, seed, acceptance)
        return reinjection_chunks(plan, n_walks_total, seed)

    def _iter_chunks(self, n_samples, seed, lam=None, output=None,
                     data_space=True):
        self._check_params()
        if data_space:
            self._check_moments()
        n_walks = -(-n_samples // (self.n_steps - self.burn_in))
        plan = self._plan(n_walks, lam, output)
        for kept in self._chunks(plan, n_walks, seed):
            kept = kept.reshape(-1, plan.n_features).cpu().numpy()
            yield self._to_data_space(kept) if data_space else kept

    def sample_chains(self, n_walks, random_state=None,
                      return_diagnostics=False):
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
        return_diagnostics : bool, default=False
            Whether to also return what the call measured of its walks.

        Returns
        -------
        chains : ndarray of shape (n_walks, n_steps - burn_in, n_features)
            The kept states of each walk, in step order.
        diagnostics : :class:`~sklearn.utils.Bunch`
            Only with ``return_diagnostics=True``:

            - ``network_evaluations_per_step``: autoencoder evaluations
              per walk and step, 1 for reinjection,
              ``n_integration_points`` (+1 with the reinjection proposal)
              for MH;
            - ``acceptance_rate``: with ``method="mh"``, the share of
              accepted proposals over all walks (``None`` for reinjection,
              which accepts every move);
            - ``walk_acceptance_rates``: with ``method="mh"``, an ndarray
              of shape (n_walks,), the rate of each walk (else ``None``).
        """
        n_walks, rng = self._start(n_walks, random_state, "n_walks")
        (seed,) = draw_seeds(rng, 1)
        self._check_params()
        self._check_moments()
        plan = self._plan(n_walks)
        mh = self.method == "mh"
        acceptance = [] if mh else None
        # Chunks share one buffer: copy each before running the next.
        chains = np.concatenate([
            k.permute(1, 0, 2).to("cpu", copy=True).numpy()
            for k in self._chunks(plan, n_walks, seed, acceptance)])
        if hasattr(self, "scaler_") or hasattr(self, "moment_scale_"):
            chains = self._to_data_space(
                chains.reshape(-1, plan.n_features)).reshape(chains.shape)
        if not return_diagnostics:
            return chains
        rates = np.concatenate(acceptance) if mh else None
        return chains, Bunch(
            network_evaluations_per_step=(
                self.n_integration_points + (self.proposal == "reinject")
                if mh else 1),
            acceptance_rate=float(rates.mean()) if mh else None,
            walk_acceptance_rates=rates)
