"""Readers for MNIST and Fashion-MNIST IDX files (never downloads)."""

import gzip
import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

#: Environment variable naming the folder that holds ``mnist/`` and
#: ``fashion-mnist/``.
DATA_ENV = "SKLEARN_REINJECT_DATA"

_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
_EXPECTED = {"train": 60_000, "test": 10_000}


class DatasetFileError(OSError):
    """A dataset file is missing or not a valid IDX file."""


def load_idx(path):
    """Read one IDX file (optionally gzip-compressed) into a numpy array.

    Parameters
    ----------
    path : str or path-like
        File to read.

    Returns
    -------
    array : ndarray of uint8
        The data, shaped by the file's header.

    Raises
    ------
    DatasetFileError
        If the file is missing, truncated, or not an unsigned-byte IDX file.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetFileError(f"Dataset file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as exc:
        raise DatasetFileError(f"Could not read {path}: {exc}") from exc
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise DatasetFileError(
            f"{path} is not an unsigned-byte IDX file (bad magic number "
            f"{data[:4].hex() or 'empty'}).")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetFileError(f"{path} is truncated inside its header.")
    shape = tuple(int(s) for s in np.frombuffer(data, ">u4", ndim, 4))
    size = int(np.prod(shape))
    if len(data) - header != size:
        raise DatasetFileError(
            f"{path} holds {len(data) - header} data bytes, but its header "
            f"announces shape {shape} ({size} bytes).")
    return np.frombuffer(data, np.uint8, size, header).reshape(shape)


def _default_home():
    """``$SKLEARN_REINJECT_DATA``, else ``../shared/data`` beside the repo."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2]
    return repo.parent / "shared" / "data"


def _load(name, data_home, subset, return_X_y, flatten):
    if subset not in ("train", "test", "all"):
        raise ValueError(
            "The 'subset' parameter must be 'train', 'test' or 'all'. Got "
            f"{subset!r} instead.")
    home = Path(data_home) if data_home is not None else _default_home()
    folder = home / name
    if not folder.is_dir():
        raise DatasetFileError(
            f"No {name} folder at {folder}. Pass data_home=, or set "
            f"{DATA_ENV} to the folder that contains '{name}/'.")
    parts = {}
    for split in ("train", "test"):
        if subset not in (split, "all"):
            continue
        images = load_idx(folder / _FILES[f"{split}_images"])
        labels = load_idx(folder / _FILES[f"{split}_labels"])
        if images.ndim != 3 or len(images) != _EXPECTED[split] or \
                labels.shape != (len(images),):
            raise DatasetFileError(
                f"{folder / _FILES[f'{split}_images']}: expected "
                f"{_EXPECTED[split]} images of 28x28 with as many labels; "
                f"got images {images.shape} and labels {labels.shape}.")
        X = images.astype(np.float32) / 255.0
        parts[split] = (X.reshape(len(X), -1) if flatten else X,
                        labels.astype(np.int64))
    if return_X_y:
        if subset == "all":
            return (*parts["train"], *parts["test"])
        return parts[subset]
    bunch = Bunch(data_home=str(home), name=name)
    for split, (X, y) in parts.items():
        bunch[f"X_{split}" if subset == "all" else "data"] = X
        bunch[f"y_{split}" if subset == "all" else "target"] = y
    return bunch


def load_mnist(data_home=None, *, subset="all", return_X_y=False,
               flatten=True):
    """Load MNIST from IDX files on disk; nothing is downloaded.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder that contains ``mnist/`` with the four standard
        ``*-idx?-ubyte.gz`` files. ``None`` uses the ``SKLEARN_REINJECT_DATA``
        environment variable, else ``../shared/data`` beside the
        repository.
    subset : {"all", "train", "test"}, default="all"
        Which split to load; ``"all"`` returns the standard 60,000/10,000
        split.
    return_X_y : bool, default=False
        Return arrays instead of a Bunch: ``(X_train, y_train, X_test,
        y_test)`` for ``"all"``, else ``(X, y)``.
    flatten : bool, default=True
        Return images as rows of 784 pixels rather than 28x28.

    Returns
    -------
    data : Bunch or tuple
        float32 pixels in [0, 1] and int64 labels 0-9. A Bunch has
        ``X_train, y_train, X_test, y_test`` for ``"all"``, else ``data,
        target``.

    Raises
    ------
    DatasetFileError
        Naming the file and folder, when a file is missing or corrupt.
    """
    return _load("mnist", data_home, subset, return_X_y, flatten)


def load_fashion_mnist(data_home=None, *, subset="all", return_X_y=False,
                       flatten=True):
    """Load Fashion-MNIST from IDX files on disk; nothing is downloaded.

    Same files, layout and return values as :func:`load_mnist`, from the
    ``fashion-mnist/`` folder.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder that contains ``fashion-mnist/``; see :func:`load_mnist`.
    subset : {"all", "train", "test"}, default="all"
        Which split to load.
    return_X_y : bool, default=False
        Return arrays instead of a Bunch.
    flatten : bool, default=True
        Return images as rows of 784 pixels rather than 28x28.

    Returns
    -------
    data : Bunch or tuple
        As for :func:`load_mnist`.
    """
    return _load("fashion-mnist", data_home, subset, return_X_y, flatten)
