"""scikit-learn's estimator checks over every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_reinject import SyntheticDistiller

from ._estimators import all_estimators

_DISTILLER_XFAIL = {
    "check_classifiers_train": (
        "the student learns from synthetic samples only, so it is not "
        "required to fit the real training set to the checks' bar"),
}


def expected_failed_checks(estimator):
    if isinstance(estimator, SyntheticDistiller):
        return _DISTILLER_XFAIL
    return {}


@parametrize_with_checks(all_estimators(),
                         expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
