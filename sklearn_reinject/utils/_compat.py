"""The one place where private scikit-learn names are imported."""

from sklearn.base import _fit_context  # noqa: F401
from sklearn.utils._set_output import _get_output_config  # noqa: F401
from sklearn.utils._param_validation import (  # noqa: F401
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_params,
)
