"""The API page lists every public name."""

from pathlib import Path

import pytest

import sklearn_reinject
from sklearn_reinject import datasets, metrics, sampling

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"


@pytest.mark.parametrize("module", [sklearn_reinject, sampling, metrics,
                                    datasets],
                         ids=lambda m: m.__name__)
def test_api_page_lists_every_public_name(module):
    text = API.read_text()
    documented = {line.strip() for line in text.splitlines()}
    for name in module.__all__:
        if name.isupper() or name == "__version__":
            # Constants are named in the page's text.
            assert f"{module.__name__}.{name}" in text, name
        else:
            assert name in documented, f"{module.__name__}.{name}"
