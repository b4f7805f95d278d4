import os

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from sklearn_reinject.datasets import DatasetFileError, load_mnist

if os.environ.get("PYTEST_XDIST_WORKER"):
    # pytest-xdist runs one worker per core: a second thread in each would
    # only oversubscribe them. That holds for torch's threads and as much
    # for the BLAS and OpenMP pools under numpy, scipy and scikit-learn
    # (metrics, nearest neighbours, gradient-boosted trees), whose threads
    # spin while they wait for a core the other worker holds. Tests that
    # need threads set their own.
    torch.set_num_threads(1)
    threadpool_limits(limits=1)


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: one worker per CPU this process may use.

    pytest-xdist counts the host's physical cores (through psutil), which in
    a container limited by a CPU quota can be many times the CPUs it gets,
    each worker holding its own copy of torch. joblib's count honours CPU
    affinity and cgroup quotas.
    """
    import joblib

    return joblib.cpu_count()


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's digits scaled to [0, 1], split 75/25 and stratified."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def mnist_available():
    """Skip where the MNIST files are not found (see the README)."""
    try:
        load_mnist(subset="test")
    except DatasetFileError as exc:
        pytest.skip(f"MNIST files not found: {exc}")
