"""Seconds of small fits with and without the defaults that cut overhead.

On tabular data the networks are small and a fit is many short steps, so
per-step and per-epoch overhead is most of its time. Four defaults target
it: PyTorch's fused optimiser kernel (``fused=True``); when ``verbose=0``,
no skorch ``PrintLog`` (which formats its epoch table at every epoch
whether or not it prints); no skorch ``valid_loss`` scoring (the nets
have no validation split, and it searches the history for a score at every
epoch); and a ``train_loss`` callback that averages the epoch's batch
losses in Python instead of with ``numpy.average``. This script times,
in one run and alternating the settings, fits a user makes on small
data:

- ``SyntheticDistiller()`` with its default components on 300 rows of
  three blobs (teacher, denoising autoencoder and student all trained),
  and on 30 rows, the size of most tables in scikit-learn's estimator
  checks;
- ``ReinjectionSampler(DenoisingAutoencoder()).fit_resample`` on a
  1,400-row, 20-feature table with a 10% minority class;

each with the current defaults, with ``optimizer__fused=False``, with
``PrintLog`` kept (``callbacks__print_log__keys_ignored`` routed), with
``valid_loss`` kept (``callbacks__valid_loss__lower_is_better`` routed) and
with skorch's own ``train_loss`` callback (``callbacks__train_loss``
routed). Prints the median seconds and the ratios to the current defaults.

    python benchmarks/bench_small_fits.py --repeats 5
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from skorch.callbacks import PassthroughScoring

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (alternating_medians, markdown_table,  # noqa: E402
                     ratio_rows, versions)

from sklearn_reinject._skorch import RNG_STATE_KEY  # noqa: E402

#: Routed parameters that restore the previous behaviour, per setting.
SETTINGS = {
    "defaults": {},
    "per-tensor Adam": {"optimizer__fused": False},
    "PrintLog kept": {"callbacks__print_log__keys_ignored": [RNG_STATE_KEY]},
    "valid_loss kept": {"callbacks__valid_loss__lower_is_better": True},
    "skorch's train_loss": {"callbacks__train_loss": PassthroughScoring(
        name="train_loss", on_train=True)},
}


def distiller_fit(routed, seed, n_samples=300):
    from sklearn.datasets import make_blobs

    from sklearn_reinject import SyntheticDistiller

    X, y = make_blobs(n_samples=n_samples, n_features=2, centers=3,
                      random_state=0)
    # The default components, each with the setting's routed parameters.
    nested = {f"{component}__{key}": value
              for component in ("teacher", "sampler__autoencoder", "student")
              for key, value in routed.items()}
    distiller = SyntheticDistiller(random_state=seed).set_params(**nested)
    start = time.perf_counter()
    distiller.fit(X, y)
    return time.perf_counter() - start


def resample_fit(routed, seed):
    from sklearn_reinject import DenoisingAutoencoder, ReinjectionSampler

    rng = np.random.RandomState(0)
    X = rng.randn(1400, 20)
    y = (rng.rand(1400) < 0.1).astype(int)
    sampler = ReinjectionSampler(
        DenoisingAutoencoder(device="cpu").set_params(**routed),
        random_state=seed)
    start = time.perf_counter()
    sampler.fit_resample(X, y)
    return time.perf_counter() - start


def distiller_fit_30(routed, seed):
    # The size of most tables in scikit-learn's estimator checks: every
    # epoch of the three networks is one batch.
    return distiller_fit(routed, seed, n_samples=30)


TASKS = {
    "SyntheticDistiller().fit, 300 rows": distiller_fit,
    "SyntheticDistiller().fit, 30 rows": distiller_fit_30,
    "fit_resample, 1,400 x 20, 10% minority": resample_fit,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5,
                        help="alternating runs of each setting; the median "
                             "counts")
    args = parser.parse_args(argv)
    result = {"versions": versions("cpu"), "command": " ".join(sys.argv),
              "tasks": {}}
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for task, fn in TASKS.items():
            fn({}, 0)  # warm-up
            medians = alternating_medians(SETTINGS, fn, args.repeats)
            result["tasks"][task] = medians
            rows += ratio_rows(task, medians, "defaults")
    print(f"{result['versions']['threads']} threads; median seconds of "
          f"{args.repeats} alternating runs\n")
    print(markdown_table(rows, ["fit", "setting", "seconds",
                                "ratio to the defaults"]))
    return result


if __name__ == "__main__":
    main()
