"""``fit_resample``'s targets and containers, as imbalanced-learn has them.

imbalanced-learn is optional: these functions follow the semantics of its
over-samplers (``imblearn.utils.check_sampling_strategy`` with
``sampling_type="over-sampling"``, ``check_target_type`` and the way its
samplers hand back the containers they were given) without importing it.
``tests/test_imblearn.py`` checks that both agree when it is installed.
"""

from collections import OrderedDict
from numbers import Integral, Real

import numpy as np
from sklearn.utils.multiclass import check_classification_targets, \
    type_of_target
from sklearn.utils.validation import column_or_1d

#: The string forms of ``sampling_strategy`` and the classes they resample.
STRATEGY_NAMES = ("auto", "minority", "not minority", "not majority", "all")


def check_resampling_target(y):
    """``y`` as 1-D labels, and whether it came one-vs-all encoded.

    Multilabel and multi-output targets are refused; a one-vs-all
    indicator matrix (one 1 per row) is read as its argmax, as
    imbalanced-learn does.
    """
    check_classification_targets(y)
    y = np.asarray(y)
    if type_of_target(y) == "multilabel-indicator":
        if np.any(y.sum(axis=1) != 1):
            raise ValueError(
                "fit_resample supports binary, multiclass and one-vs-all "
                "encoded multiclass targets. Multilabel and multioutput "
                "targets are not supported.")
        return y.argmax(axis=1), True
    return column_or_1d(y), False


def resolve_sampling_strategy(sampling_strategy, y):
    """The number of new rows per class: ``sampling_strategy_``.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable
        The parameter: the minority-to-majority ratio after resampling
        (binary ``y`` only), one of :data:`STRATEGY_NAMES`, a dict of
        target counts per class, or a callable ``y -> dict``.
    y : ndarray of shape (n_samples,)
        Labels.

    Returns
    -------
    sampling_strategy_ : OrderedDict
        Class label to number of rows to add, sorted by label.
    """
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(
            "fit_resample balances classes: y needs at least 2 classes. "
            f"Got 1 class ({classes[0]!r}) instead.")
    stats = dict(zip(classes.tolist(), counts.tolist()))
    majority = max(stats, key=stats.get)
    minority = min(stats, key=stats.get)
    top = stats[majority]
    if isinstance(sampling_strategy, str):
        keep = {"auto": lambda c: c != majority,
                "not majority": lambda c: c != majority,
                "minority": lambda c: c == minority,
                "not minority": lambda c: c != minority,
                "all": lambda c: True}[sampling_strategy]
        new = {c: top - n for c, n in stats.items() if keep(c)}
    elif isinstance(sampling_strategy, Real) and not isinstance(
            sampling_strategy, (bool, np.bool_)):
        new = _from_ratio(float(sampling_strategy), stats, majority, y)
    else:
        targets = sampling_strategy
        if callable(targets):
            targets = targets(y)
            if not isinstance(targets, dict):
                raise ValueError(
                    "A callable 'sampling_strategy' must return a dict of "
                    f"target counts per class. Got {type(targets).__name__} "
                    "instead.")
        new = _from_targets(targets, stats)
    return OrderedDict(sorted(new.items()))


def _from_ratio(ratio, stats, majority, y):
    if type_of_target(y) != "binary":
        raise ValueError(
            "The 'sampling_strategy' parameter can be a float only when y "
            f"is binary; y has {len(stats)} classes. Use a dict.")
    new = {c: int(stats[majority] * ratio - n) for c, n in stats.items()
           if c != majority}
    if any(n <= 0 for n in new.values()):
        raise ValueError(
            f"sampling_strategy={ratio!r} asks for fewer minority rows than "
            f"there are ({stats}); fit_resample only adds rows. Increase "
            "the ratio.")
    return new


def _from_targets(targets, stats):
    new = {}
    for label, target in targets.items():
        if label not in stats:
            raise ValueError(
                f"The 'sampling_strategy' parameter names class {label!r}, "
                f"which is not in y (classes: {sorted(stats)}).")
        if isinstance(target, (bool, np.bool_)) or not isinstance(
                target, Integral) or target < 0:
            raise ValueError(
                "The 'sampling_strategy' parameter must map classes to "
                f"ints >= 0. Got {target!r} for class {label!r}.")
        if target < stats[label]:
            raise ValueError(
                f"The 'sampling_strategy' target for class {label!r} is "
                f"{target}, below its {stats[label]} existing rows; "
                "fit_resample only adds rows.")
        new[label] = int(target) - stats[label]
    return new


def dense_input(X):
    """``X`` with pandas sparse columns made dense; other input as it is.

    Synthetic rows are dense, so sparse columns are densified to generate
    them and given their sparse dtype back in :func:`as_given`.
    """
    dtypes = getattr(X, "dtypes", None)
    sparse = {} if dtypes is None else {
        c: t.subtype for c, t in dtypes.items() if _is_sparse_dtype(t)}
    return X.astype(sparse) if sparse else X


def _is_sparse_dtype(dtype):
    return type(dtype).__name__ == "SparseDtype"


def as_given(X_res, y_res, X_in, y_in, one_vs_all):
    """``X_res`` and ``y_res`` in the containers ``X_in`` and ``y_in`` had.

    Lists give lists; a DataFrame gives a DataFrame with its columns, whose
    float (and sparse) columns keep their dtype and whose other columns are
    float32, since synthetic values of an integer column are not integers;
    a Series or a one-column DataFrame ``y`` gives the same, with its name
    and dtype. A one-vs-all ``y`` is encoded back.
    """
    if one_vs_all:
        y_res = np.eye(np.shape(y_in)[1], dtype=np.asarray(y_in).dtype)[
            y_res]
    if _is_frame(X_in):
        import pandas as pd

        kept = {c: t for c, t in X_in.dtypes.items()
                if t.kind == "f" or _is_sparse_dtype(t)}
        X_res = pd.DataFrame(X_res, columns=X_in.columns).astype(
            {c: kept.get(c, np.float32) for c in X_in.columns})
    elif isinstance(X_in, list):
        X_res = X_res.tolist()
    if _is_frame(y_in):
        import pandas as pd

        y_res = pd.DataFrame(y_res, columns=y_in.columns).astype(
            y_in.dtypes.to_dict())
    elif hasattr(y_in, "name") and hasattr(y_in, "dtype"):
        import pandas as pd

        y_res = pd.Series(y_res, name=y_in.name).astype(y_in.dtype)
    elif isinstance(y_in, list):
        y_res = y_res.tolist()
    if _is_frame(X_res) and hasattr(y_res, "index"):
        y_res.index = X_res.index
    return X_res, y_res


def _is_frame(data):
    return hasattr(data, "columns") and hasattr(data, "dtypes")
