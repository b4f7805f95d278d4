"""Scorers that rate a sampler by its samples (higher is better)."""

import numpy as np
from sklearn.utils.validation import check_array

from ..utils._compat import validate_params
from ._distances import energy_distance, frechet_distance, sliced_wasserstein
from ._fidelity import classifier_two_sample_auc
from ._mmd import median_heuristic, mmd2_unbiased

#: The seed every sample scorer draws its samples with, so that candidates
#: of a search are compared on equal terms.
SCORER_SEED = 0


class SampleScorer:
    """Rate a fitted sampler by a distance between its samples and ``X``.

    Called as ``scorer(sampler, X, y=None)`` by
    :class:`~sklearn.model_selection.GridSearchCV`: it draws ``len(X)``
    samples (at most ``max_samples``) with a fixed seed and returns
    ``sign * metric(samples, X)``.

    Parameters
    ----------
    metric : callable
        ``metric(samples, X, **kwargs) -> float``.
    sign : {1, -1}, default=-1
        -1 for distances, so that higher is better.
    max_samples : int, default=2000
        Cap on the rows of ``X`` used (a fixed random subset) and of samples
        drawn.
    **kwargs : dict
        Passed to ``metric``.
    """

    def __init__(self, metric, sign=-1, max_samples=2000, **kwargs):
        self.metric = metric
        self.sign = sign
        self.max_samples = max_samples
        self.kwargs = kwargs

    def __call__(self, estimator, X, y=None):
        X = check_array(X, dtype=np.float64, input_name="X")
        if len(X) > self.max_samples:
            keep = np.random.RandomState(SCORER_SEED).choice(
                len(X), self.max_samples, replace=False)
            X = X[np.sort(keep)]
        samples = estimator.sample(len(X), random_state=SCORER_SEED)
        kwargs = dict(self.kwargs)
        if self.metric is mmd2_unbiased and "bandwidth" not in kwargs:
            # Fixed by the real data alone, so equal across candidates.
            kwargs["bandwidth"] = median_heuristic(X)
        return self.sign * float(self.metric(samples, X, **kwargs))

    def __repr__(self):
        return (f"SampleScorer({getattr(self.metric, '__name__', self.metric)}"
                f", sign={self.sign})")


_SCORERS = {
    "neg_mmd2": lambda: SampleScorer(mmd2_unbiased),
    "neg_sliced_wasserstein": lambda: SampleScorer(sliced_wasserstein,
                                                   random_state=SCORER_SEED),
    "neg_energy_distance": lambda: SampleScorer(energy_distance),
    "neg_frechet_distance": lambda: SampleScorer(frechet_distance),
    "neg_c2st_auc": lambda: SampleScorer(
        lambda s, X: abs(classifier_two_sample_auc(
            X, s, random_state=SCORER_SEED) - 0.5)),
}


@validate_params(
    {"name": [str]},
    prefer_skip_nested_validation=True)
def get_sample_scorer(name):
    """A scorer for samplers by name, for ``GridSearchCV(scoring=...)``.

    Parameters
    ----------
    name : {"neg_mmd2", "neg_sliced_wasserstein", "neg_energy_distance", \
"neg_frechet_distance", "neg_c2st_auc"}
        Minus the metric; ``neg_c2st_auc`` is minus ``|AUC - 0.5|``.

    Returns
    -------
    scorer : SampleScorer
        Callable as ``scorer(sampler, X)``.
    """
    if name not in _SCORERS:
        raise ValueError(f"Unknown sample scorer {name!r}; choose one of "
                         f"{sorted(_SCORERS)}.")
    return _SCORERS[name]()
