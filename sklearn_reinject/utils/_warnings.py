"""Warnings that point at the user's line, not at the library's."""

import sys
import warnings

#: Top-level packages whose frames a warning skips: this package and the
#: libraries it calls back through (``fit`` wrappers, searches, joblib).
_LIBRARY_PACKAGES = frozenset({"sklearn_reinject", "sklearn", "skorch",
                               "torch", "joblib"})


def warn_at_caller(message, category):
    """``warnings.warn`` attributed to the first frame outside the libraries.

    A fixed ``stacklevel`` is right for one call path only: the same
    warning reached through ``sample``, ``fit`` or a ``GridSearchCV`` sits
    at different depths. This walks the stack to the first frame whose
    module is not in this package, scikit-learn, skorch, torch or joblib,
    so that the warning names the user's file and line. If there is none
    (a worker thread), it names the caller of this function.
    """
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get(
            "__name__", "").partition(".")[0] in _LIBRARY_PACKAGES:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level if frame else 2)
