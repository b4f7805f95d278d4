"""Base class of the samplers: validation, random state, output format."""

from dataclasses import dataclass, field
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, clone
from sklearn.utils import InputTags, Tags, check_random_state
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, validate_data

from ..metrics import median_heuristic, mmd2_unbiased
from ..utils._compat import Interval, StrOptions
from ..utils._random import draw_seeds
from ..utils._validation import check_n_samples
from ._strategy import (STRATEGY_NAMES, as_given, check_resampling_target,
                        dense_input, resolve_sampling_strategy)

#: Seed of the samples that :meth:`BaseSampler.score` draws. It is the same
#: for every candidate of a search so that their scores are comparable.
SCORE_SEED = 0
#: Rows of generated and of real data that :meth:`BaseSampler.score` uses.
SCORE_MAX_SAMPLES = 1000


@dataclass(slots=True)
class SamplerTags:
    """imbalanced-learn's sampler tags (``imblearn.utils._tags``).

    Parameters
    ----------
    sample_indices : bool, default=False
        Whether ``fit_resample`` records the indices of the rows it kept
        (``sample_indices_``); an over-sampler adding synthetic rows has
        none to record.
    """

    sample_indices: bool = False


@dataclass(slots=True)
class SamplerInputTags(InputTags):
    """scikit-learn's input tags plus imbalanced-learn's ``dataframe``."""

    dataframe: bool = False


@dataclass(slots=True)
class SamplerEstimatorTags(Tags):
    """scikit-learn's tags plus ``sampler_tags``, as imbalanced-learn reads."""

    sampler_tags: SamplerTags = field(default_factory=SamplerTags)


def _fit_sample_class(sampler, label, X_class, n_new, fit_seed,
                      sample_seed):
    """Fit one class's clone and draw its new rows (a joblib task)."""
    sampler.set_params(random_state=fit_seed)
    try:
        sampler.fit(X_class)
    except ValueError as exc:
        # The message names X; the user passed a class of it.
        raise ValueError(
            f"fit_resample fits one sampler per class; fitting it on the "
            f"{len(X_class)} rows of class {label!r} failed: {exc}") from exc
    rows = sampler._draw(n_new, check_random_state(sample_seed))
    return sampler._finish_class_rows(rows, X_class)


class BaseSampler(BaseEstimator):
    """Common public methods of the samplers.

    ``sample``, ``iter_samples``, ``score`` and ``fit_resample`` validate
    their inputs here; subclasses implement ``_n_features()`` and
    ``_iter_chunks(n_samples, seed)``, which yields float32 arrays whose
    rows total at least ``n_samples``, all drawn from the int ``seed``.
    """

    _parameter_constraints: dict = {
        "sampling_strategy": [Interval(Real, 0, 1, closed="right"),
                              StrOptions(set(STRATEGY_NAMES)), dict,
                              callable],
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

    def _wrap_output(self, out):
        from sklearn import get_config

        choice = getattr(self, "_sample_output", None) or get_config()[
            "transform_output"]
        if choice != "pandas":
            return out
        import pandas as pd

        return pd.DataFrame(out, columns=self.get_feature_names_out())

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
        and draws that class's new rows; the original rows come first,
        unchanged. Nothing of ``X`` is kept on the sampler: the per-class
        clones are discarded.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data: an array, a list of rows or a DataFrame (pandas sparse
            columns are densified to generate rows and given back their
            sparse dtype). Sparse matrices are refused: synthetic rows are
            dense.
        y : array-like of shape (n_samples,)
            Class labels; a column vector or a one-vs-all indicator matrix
            (one 1 per row) are accepted, as imbalanced-learn does.

        Returns
        -------
        X_resampled : array-like of shape (n_samples_new, n_features)
            ``X`` followed by the synthetic rows, in the container of ``X``:
            an array of the dtype of ``X`` (float64 for integer input), a
            list, or a DataFrame with the columns of ``X`` (float columns
            keep their dtype, others are float32: synthetic values are not
            integers).
        y_resampled : array-like of shape (n_samples_new,)
            The labels of those rows, in the container and dtype of ``y``.
        """
        self._validate_params()
        X_in, y_in = X, y
        y, one_vs_all = check_resampling_target(y)
        X, y = validate_data(self, dense_input(X), y,
                             dtype=(np.float64, np.float32), reset=True)
        self.sampling_strategy_ = resolve_sampling_strategy(
            self.sampling_strategy, y)
        classes = list(self.sampling_strategy_)
        # Two seeds per class, all distinct draws: one fits the class's
        # clone, one draws its rows. They are drawn for every class of y,
        # so that a class's rows do not depend on which others are asked.
        seeds = dict(zip(np.unique(y).tolist(), np.reshape(
            draw_seeds(self.random_state, 2 * len(np.unique(y))), (-1, 2))))
        jobs = [(label, self.sampling_strategy_[label], *seeds[label])
                for label in classes if self.sampling_strategy_[label] > 0]
        # Gaussian noise needs no parallel fits; the reinjection sampler
        # has an n_jobs parameter for its per-class autoencoders.
        new_rows = Parallel(n_jobs=getattr(self, "n_jobs", None))(
            delayed(_fit_sample_class)(self._per_class_clone(), label,
                                       X[y == label], n_new, int(fit_seed),
                                       int(sample_seed))
            for label, n_new, fit_seed, sample_seed in jobs)
        X_parts, y_parts = [X], [y]
        for (label, n_new, _, _), rows in zip(jobs, new_rows):
            X_parts.append(rows.astype(X.dtype, copy=False))
            y_parts.append(np.full(n_new, label, dtype=y.dtype))
        return as_given(np.concatenate(X_parts), np.concatenate(y_parts),
                        X_in, y_in, one_vs_all)

    def _per_class_clone(self):
        return clone(self)

    def _finish_class_rows(self, rows, X_class):
        """One class's new rows as :meth:`fit_resample` returns them."""
        return rows

    def get_feature_names_out(self, input_features=None):
        """Names of the features of the samples and of ``fit_resample``'s rows.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; checked against those seen in fitting.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The names seen in fitting (or those of the fitted autoencoder
            the sampler wraps), ``x0, x1, ...`` when there were none.
        """
        # After fit or fit_resample the sampler knows the names; a sampler
        # around a fitted autoencoder samples without either, and the
        # autoencoder knows them.
        owner = self
        if not hasattr(self, "n_features_in_"):
            check_is_fitted(self)
            owner = self._fitted_autoencoder()
        return OneToOneFeatureMixin.get_feature_names_out(owner,
                                                          input_features)

    def _fitted_autoencoder(self):
        return self

    def __sklearn_tags__(self):
        base = super().__sklearn_tags__()
        tags = SamplerEstimatorTags(**{
            name: getattr(base, name) for name in Tags.__dataclass_fields__})
        tags.estimator_type = "sampler"
        tags.requires_fit = True
        tags.input_tags = SamplerInputTags(**{
            name: getattr(base.input_tags, name)
            for name in InputTags.__dataclass_fields__}, dataframe=True)
        return tags
