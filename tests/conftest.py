import os

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

if os.environ.get("PYTEST_XDIST_WORKER"):
    # pytest-xdist runs one worker per core: a second torch thread in each
    # would only oversubscribe them. Tests that need threads set their own.
    torch.set_num_threads(1)


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
