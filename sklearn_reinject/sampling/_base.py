"""Base class of the samplers: validation, random state, output format."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils import check_random_state
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..metrics import median_heuristic, mmd2_unbiased
from ..utils._compat import StrOptions
from ..utils._random import draw_seeds
from ..utils._validation import check_n_samples

#: Seed of the samples that :meth:`BaseSampler.score` draws. It is the same
#: for every candidate of a search so that their scores are comparable.
SCORE_SEED = 0
#: Rows of generated and of real data that :meth:`BaseSampler.score` uses.
SCORE_MAX_SAMPLES = 1000


def _like(X_res, y_res, X_in, y_in):
    """``X_res`` and ``y_res`` as the containers that came in."""
    if hasattr(X_in, "columns") and hasattr(X_in, "dtypes"):
        import pandas as pd

        # Float columns get their dtype back; others stay float32, since
        # synthetic values of an integer column are not integers.
        floats = {c: t for c, t in X_in.dtypes.items() if t.kind == "f"}
        X_res = pd.DataFrame(X_res, columns=X_in.columns).astype(floats)
    if hasattr(y_in, "name") and hasattr(y_in, "dtype"):
        import pandas as pd

        y_res = pd.Series(y_res, name=y_in.name).astype(y_in.dtype)
    return X_res, y_res


def _fit_sample_class(sampler, X_class, n_new, fit_seed, sample_seed):
    """Fit one class's clone and draw its new rows (a joblib task)."""
    sampler.set_params(random_state=fit_seed)
    return sampler.fit(X_class)._draw(n_new, check_random_state(sample_seed))


class BaseSampler(BaseEstimator):
    """Common public methods of the samplers.

    ``sample``, ``iter_samples``, ``score`` and ``fit_resample`` validate
    their inputs here; subclasses implement ``_n_features()`` and
    ``_iter_chunks(n_samples, seed)``, which yields float32 arrays whose
    rows total at least ``n_samples``, all drawn from the int ``seed``.
    """

    _parameter_constraints: dict = {
        "sampling_strategy": [StrOptions({"auto"}), dict],
        "random_state": ["random_state"],
    }

    def _start(self, n_samples, random_state, name="n_samples"):
        """Validated count, fitted check, and the call's RandomState."""
        n_samples = check_n_samples(n_samples, name)
        check_is_fitted(self)
        return n_samples, check_random_state(
            self.random_state if random_state is None else random_state)

    def iter_samples(self, n_samples, random_state=None):
        """Yield samples in chunks, so that memory does not grow with n.

        Parameters
        ----------
        n_samples : int
            Total number of samples to yield.
        random_state : int, RandomState instance or None, default=None
            Seed for this call; ``None`` uses the ``random_state`` parameter.

        Yields
        ------
        X_chunk : ndarray of shape (n_chunk, n_features), dtype float32
            The next chunk, shuffled within itself.
        """
        n_samples, rng = self._start(n_samples, random_state)
        # The walks' seed first, then the order of the rows: sample draws
        # in the same order, so one seed gives the same rows in both.
        (seed,) = draw_seeds(rng, 1)
        yielded = 0
        for chunk in self._iter_chunks(n_samples, seed):
            chunk = chunk[: n_samples - yielded]
            yield chunk[rng.permutation(len(chunk))]
            yielded += len(chunk)
            if yielded >= n_samples:
                return

    def sample(self, n_samples=1, random_state=None):
        """Generate samples.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate.
        random_state : int, RandomState instance or None, default=None
            Seed for this call; ``None`` uses the ``random_state`` parameter.
            :meth:`iter_samples` with the same seed yields the same rows,
            in another order.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features), dtype float32
            Samples in random order; a pandas DataFrame with the fitted
            feature names when :meth:`set_output` or scikit-learn's
            ``transform_output`` config asks for ``"pandas"``.
        """
        n_samples, rng = self._start(n_samples, random_state)
        return self._wrap_output(self._draw(n_samples, rng))

    def _draw(self, n_samples, rng, **chunk_params):
        """``n_samples`` rows in random order, as a float32 array.

        Draws the walks' seed from ``rng`` first and the order of the rows
        second, as :meth:`iter_samples` does. ``chunk_params`` go to
        ``_iter_chunks``.
        """
        (seed,) = draw_seeds(rng, 1)
        out = np.empty((n_samples, self._n_features()), dtype=np.float32)
        # Consecutive states of a walk are correlated: each chunk is
        # scattered to random rows of the output (one copy, no second pass).
        order = rng.permutation(n_samples)
        filled = 0
        for chunk in self._iter_chunks(n_samples, seed, **chunk_params):
            take = min(len(chunk), n_samples - filled)
            out[order[filled:filled + take]] = chunk[:take]
            filled += take
            if filled >= n_samples:
                break
        return out

    def set_output(self, *, transform=None):
        """Choose the container :meth:`sample` returns.

        Follows scikit-learn's ``set_output``: ``"pandas"`` returns a
        DataFrame whose columns are the feature names seen in ``fit`` (or
        ``x0, x1, ...``), ``"default"`` a numpy array, ``None`` leaves the
        choice to ``sklearn.set_config(transform_output=...)``.

        Parameters
        ----------
        transform : {"default", "pandas"} or None, default=None
            Output container of :meth:`sample`.

        Returns
        -------
        self : object
            The sampler.
        """
        if transform not in (None, "default", "pandas"):
            raise ValueError(
                "The 'transform' parameter of set_output must be 'default', "
                f"'pandas' or None. Got {transform!r} instead.")
        self._sample_output = transform
        return self

    def _feature_names(self):
        # A sampler around a fitted autoencoder samples without fit: the
        # autoencoder then knows the names.
        fitted = getattr(self, "_fitted_autoencoder", lambda: None)()
        for owner in (self, fitted):
            names = getattr(owner, "feature_names_in_", None)
            if names is not None:
                return list(names)
        return [f"x{i}" for i in range(self._n_features())]

    def _wrap_output(self, out):
        from sklearn import get_config

        choice = getattr(self, "_sample_output", None) or get_config()[
            "transform_output"]
        if choice != "pandas":
            return out
        import pandas as pd

        return pd.DataFrame(out, columns=self._feature_names())

    def score(self, X, y=None):
        """Minus the squared MMD between samples and real data (higher is better).

        Draws ``min(len(X), 1000)`` samples with a fixed seed (the same for
        every parameter setting, so that a search compares like with like)
        and compares them with up to 1000 rows of ``X`` by the unbiased RBF
        MMD², its bandwidth set by the median heuristic on ``X`` alone.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Held-out real data (at least 2 rows).
        y : None
            Ignored.

        Returns
        -------
        score : float
            ``-mmd2_unbiased(samples, X)``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False,
                          ensure_min_samples=2)
        if len(X) > SCORE_MAX_SAMPLES:
            idx = np.random.RandomState(SCORE_SEED).choice(
                len(X), SCORE_MAX_SAMPLES, replace=False)
            X = X[np.sort(idx)]
        samples = self.sample(len(X), random_state=SCORE_SEED)
        bandwidth = median_heuristic(X, random_state=SCORE_SEED)
        return -mmd2_unbiased(samples, X, bandwidth=bandwidth)

    def fit_resample(self, X, y):
        """Oversample classes with synthetic rows, as imbalanced-learn does.

        One clone of this sampler is fitted on each class to be resampled
        and draws that class's new rows. ``sampling_strategy="auto"`` brings
        every class up to the size of the largest; a dict maps class labels
        to their target counts.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        X_resampled : ndarray of shape (n_samples_new, n_features)
            ``X`` followed by the synthetic rows; a DataFrame with the
            columns of ``X`` when ``X`` is one, as imbalanced-learn's
            samplers return (float columns keep their dtype, others are
            float32: synthetic values are not integers).
        y_resampled : ndarray of shape (n_samples_new,)
            The labels of those rows; a Series with the name and dtype of
            ``y`` when ``y`` is one.
        """
        self._validate_params()
        X_in, y_in = X, y
        X, y = validate_data(self, X, y, dtype=np.float32, reset=True)
        check_classification_targets(y)
        classes, counts = np.unique(y, return_counts=True)
        targets = self._resample_targets(classes, counts)
        # Two seeds per class, all distinct draws: one fits the class's
        # clone, one draws its rows.
        seeds = np.reshape(draw_seeds(self.random_state, 2 * len(classes)),
                           (len(classes), 2))
        jobs = [(label, targets.get(label, count) - count, fit_seed,
                 sample_seed)
                for label, count, (fit_seed, sample_seed)
                in zip(classes, counts, seeds)
                if targets.get(label, count) > count]
        # Gaussian noise needs no parallel fits; the reinjection sampler
        # has an n_jobs parameter for its per-class autoencoders.
        new_rows = Parallel(n_jobs=getattr(self, "n_jobs", None))(
            delayed(_fit_sample_class)(self._per_class_clone(),
                                       X[y == label], n_new, int(fit_seed),
                                       int(sample_seed))
            for label, n_new, fit_seed, sample_seed in jobs)
        X_parts, y_parts = [X], [y]
        for (label, n_new, _, _), rows in zip(jobs, new_rows):
            X_parts.append(rows)
            y_parts.append(np.full(n_new, label, dtype=y.dtype))
        return _like(np.concatenate(X_parts), np.concatenate(y_parts),
                     X_in, y_in)

    def _resample_targets(self, classes, counts):
        if self.sampling_strategy == "auto":
            return {c: counts.max() for c in classes}
        targets = {}
        known = set(classes.tolist())
        for label, target in self.sampling_strategy.items():
            if label not in known:
                raise ValueError(
                    f"The 'sampling_strategy' parameter names class "
                    f"{label!r}, which is not in y (classes: "
                    f"{sorted(known)}).")
            if isinstance(target, (bool, np.bool_)) or not isinstance(
                    target, Integral) or target < 0:
                raise ValueError(
                    "The 'sampling_strategy' parameter must map classes to "
                    f"ints >= 0. Got {target!r} for class {label!r}.")
            current = counts[classes.tolist().index(label)]
            if target < current:
                raise ValueError(
                    f"The 'sampling_strategy' target for class {label!r} is "
                    f"{target}, below its {current} existing rows; "
                    "fit_resample only adds rows.")
            targets[label] = int(target)
        return targets

    def _per_class_clone(self):
        return clone(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        return tags
