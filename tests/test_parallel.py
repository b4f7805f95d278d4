"""Searches on a Dask cluster, and CUDA left alone until fit."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV

from sklearn_reinject import (DenoisingAutoencoder, ReinjectionSampler,
                              SoftTargetClassifier, SyntheticDistiller)


def test_import_and_init_never_touch_cuda():
    code = """
import torch
def boom(*args, **kwargs):
    raise AssertionError("CUDA was queried")
torch.cuda.is_available = boom
torch.cuda.device_count = boom
torch.cuda.init = boom
import sklearn_reinject as sr
from sklearn.base import clone
for est in [sr.LossyAutoencoder(), sr.DenoisingAutoencoder(),
            sr.ContractiveAutoencoder(), sr.SoftTargetClassifier(),
            sr.ReinjectionSampler(sr.LossyAutoencoder()),
            sr.GaussianNoiseSampler(), sr.SyntheticDistiller()]:
    clone(est).get_params()
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def _runs_without_the_read_only_warning(code):
    # PyTorch warns once per process about read-only arrays, hence a fresh
    # interpreter per case, with that warning as an error.
    out = subprocess.run(
        [sys.executable, "-W", "error:The given NumPy array:UserWarning",
         "-c", code],
        capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_read_only_inputs_reach_torch_without_a_warning():
    # joblib hands large arrays to its workers as read-only memory maps, and
    # np.frombuffer and np.load(mmap_mode="r") return read-only arrays.
    _runs_without_the_read_only_warning("""
import numpy as np
from sklearn_reinject import (DenoisingAutoencoder, ReinjectionSampler,
                              SoftTargetClassifier)
from sklearn_reinject.metrics import distance_to_closest_record, mmd2_unbiased
X = np.random.RandomState(0).rand(120, 4).astype(np.float32)
y = np.arange(120) % 2
before = X.copy()
X.setflags(write=False)
y.setflags(write=False)
ae = DenoisingAutoencoder(hidden_layer_sizes=(8,), max_epochs=2,
                          random_state=0).fit(X)
SoftTargetClassifier(hidden_layer_sizes=(8,), max_epochs=1,
                     random_state=0).fit(X, y).partial_fit(X, y)
ae.transform(X)
ae.estimate_score(X)
S = ReinjectionSampler(ae, lam="auto", random_state=0).fit(X).sample(20)
mmd2_unbiased(S, X)
distance_to_closest_record(S, X)
assert np.array_equal(X, before)
print("ok")
""")


def test_a_float32_dataframe_reaches_torch_without_a_warning():
    # Under pandas' copy-on-write (the default from pandas 3) a float32
    # DataFrame converts to a read-only view of its data.
    pd = pytest.importorskip("pandas")
    if np.asarray(pd.DataFrame(np.zeros((2, 2), np.float32))).flags.writeable:
        pytest.skip("this pandas converts DataFrames to writable arrays")
    _runs_without_the_read_only_warning("""
import numpy as np
import pandas as pd
from sklearn_reinject import DenoisingAutoencoder
X = pd.DataFrame(np.random.RandomState(0).rand(120, 4).astype(np.float32),
                 columns=list("abcd"))
DenoisingAutoencoder(hidden_layer_sizes=(8,), max_epochs=2,
                     random_state=0).fit(X).transform(X)
print("ok")
""")


@pytest.fixture(scope="module")
def search_setup(digits):
    X_train, _, y_train, _ = digits
    teacher = SoftTargetClassifier(max_epochs=10, device="cpu",
                                   random_state=0).fit(X_train, y_train)
    ae = DenoisingAutoencoder(hidden_layer_sizes=(32,), loss="bce",
                              max_epochs=10, device="cpu",
                              random_state=0).fit(X_train)
    distiller = SyntheticDistiller(
        FrozenEstimator(teacher), ReinjectionSampler(FrozenEstimator(ae)),
        SoftTargetClassifier(max_epochs=5, device="cpu"), n_samples=1000,
        random_state=0)
    grid = {"sampler__lam": [0.01, 0.1, 1.0]}
    return distiller, grid, X_train, y_train


# Large lam (or 1-epoch autoencoders) on purpose: the warning is expected.
@pytest.mark.filterwarnings("ignore::sklearn_reinject.SamplingWarning")
def test_grid_search_on_dask_matches_serial(search_setup):
    distributed = pytest.importorskip("distributed")
    import joblib

    distiller, grid, X, y = search_setup
    serial = GridSearchCV(distiller, grid, cv=2, n_jobs=1).fit(X, y)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                  processes=True, dashboard_address=None) \
            as cluster, distributed.Client(cluster):
        with joblib.parallel_backend("dask"):
            parallel = GridSearchCV(distiller, grid, cv=2, n_jobs=-1).fit(
                X, y)
    np.testing.assert_allclose(parallel.cv_results_["mean_test_score"],
                               serial.cv_results_["mean_test_score"])
    assert parallel.best_params_ == serial.best_params_
