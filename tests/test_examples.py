"""Every script in ``examples/`` runs and writes what it promises.

The plotting scripts need matplotlib (the ``plots`` extra, also in the
``test`` extra) and are skipped without it; ``plot_mnist_chains.py`` needs
the MNIST files and ``plot_imbalanced_augmentation.py`` imbalanced-learn.
Each is run through its ``main`` with the picture written to a temporary
folder, at the settings the documentation shows.
"""

import math
import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PLOTS = sorted(p.name for p in EXAMPLES.glob("plot_*.py"))
#: What each plotting script needs beyond matplotlib.
NEEDS = {"plot_mnist_chains.py": "mnist",
         "plot_imbalanced_augmentation.py": "imblearn"}


def _load(name):
    # run_name other than "__main__": the module's functions without its
    # command line.
    return runpy.run_path(str(EXAMPLES / name), run_name="example")


def test_every_example_is_tested():
    assert (EXAMPLES / "quickstart.py").exists()
    assert PLOTS, "no plot_*.py script found"
    assert set(NEEDS) <= set(PLOTS)
    names = {p.name for p in EXAMPLES.glob("*.py")}
    assert names == {"quickstart.py", *PLOTS}, names


def test_quickstart_prints_its_table(capsys):
    rows = _load("quickstart.py")["main"]()
    out = capsys.readouterr().out
    assert [r[0] for r in rows] == ["Gaussian noise", "reinjection",
                                    "real training rows"]
    for name in ("Gaussian noise", "reinjection", "real training rows"):
        assert name in out
    # Every cell is "mean ± std" of three seeds: no NaN, no missing student.
    for row in rows:
        for cell in row[1:]:
            mean, std = (float(v) for v in cell.split(" ± "))
            assert math.isfinite(mean) and math.isfinite(std), cell
            assert std >= 0.0, cell


# Two scripts sweep lam far past the matched value on purpose, and the
# sampler says so.
@pytest.mark.filterwarnings(
    "ignore::sklearn_reinject.exceptions.SamplingWarning")
@pytest.mark.parametrize("script", PLOTS)
def test_plotting_example_writes_its_picture(script, tmp_path, request):
    pytest.importorskip("matplotlib")
    need = NEEDS.get(script)
    if need == "imblearn":
        pytest.importorskip("imblearn")
    if need == "mnist":
        request.getfixturevalue("mnist_available")
    _load(script)["main"](str(tmp_path))
    written = sorted(p.name for p in tmp_path.glob("*.png"))
    assert written, f"{script} wrote no picture"
    for name in written:
        assert (tmp_path / name).stat().st_size > 1000, name
