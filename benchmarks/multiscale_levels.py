"""More noise levels for annealed reinjection on MNIST? A validation run.

Song and Ermon (2020, "Improved techniques for training score-based
generative models", technique 2) space the noise levels of annealed
Langevin dynamics so that adjacent levels' Gaussians overlap, which in
784 dimensions asks for a ratio of about 1.08 between levels: some 50
levels from the data's extent (0.55 per pixel on MNIST) down to 0.01,
where the generator comparison uses 10. This script measures it without
the test images: a ``MultiScaleDenoisingAutoencoder((512, 512))`` with 10
and with 50 levels (``--levels``), 20 epochs, on training images
0-39,999; ``ReinjectionSampler(lam="auto", init="prior",
output="mean")`` calibrated on images 40,000-41,999; MMD² of 2,000
samples to images 50,000-51,999 (the package's ``mmd2_unbiased``,
median-heuristic bandwidth on those images) and the normalised entropy of
their labels under a logistic regression trained on images 0-9,999 (1 is
every digit equally often). Walk settings: ``n_steps`` per level,
``burn_in`` (``n_steps - 1`` keeps one state per walk, so the 2,000
samples come from 2,000 walks) and ``step_fraction``; the generator
comparison's is the first (10 steps, 2 burnt, full steps).

``--sigma-max extent`` sets the largest noise std to the largest distance
between two training rows (Song and Ermon's technique 1) instead of the
estimator's ``"auto"``, that distance divided by ``sqrt(n_features)``.

Writes ``results.json`` to ``--out``. About 13 minutes on 2 CPU cores.

    python benchmarks/multiscale_levels.py --out out/multiscale_levels
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import make_log, versions, write_report  # noqa: E402

#: (n_steps, burn_in, step_fraction) of the walks tried on every ladder.
WALKS = [(10, 2, 1.0), (10, 9, 1.0), (10, 9, 0.05)]
#: Shorter walks per level, tried on ladders of more than 10 levels (the
#: same or fewer network evaluations per walk than 10 levels of 10 steps).
SHORT_WALKS = [(3, 2, 1.0), (3, 2, 0.2), (5, 4, 0.2), (5, 4, 0.05)]


def label_entropy(clf, samples):
    shares = np.bincount(clf.predict(samples), minlength=10) / len(samples)
    shares = shares[shares > 0]
    return float(-(shares * np.log(shares)).sum() / np.log(10))


def add_split_arguments(parser, out):
    """Options of the scripts trained on a split of MNIST's training set."""
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--n-fit", type=int, default=40_000)
    parser.add_argument("--n-eval", type=int, default=2000,
                        help="calibration rows, samples and validation rows")
    parser.add_argument("--out", type=Path, default=Path(out))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--levels", type=int, nargs="+", default=[10, 50])
    p.add_argument("--sigma-max", choices=["auto", "extent"], default="auto",
                   help="largest noise std: the estimator's 'auto' (the "
                        "data's largest distance divided by "
                        "sqrt(n_features)) or that distance itself (Song "
                        "and Ermon's technique 1)")
    add_split_arguments(p, "out/multiscale_levels")
    args = p.parse_args(argv)

    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics.pairwise import euclidean_distances

    from sklearn_reinject import (MultiScaleDenoisingAutoencoder,
                                  ReinjectionSampler)
    from sklearn_reinject.datasets import load_mnist
    from sklearn_reinject.metrics import median_heuristic, mmd2_unbiased

    log = make_log()
    X, y = load_mnist(args.data_home, subset="train", return_X_y=True)
    X_fit = X[:args.n_fit]
    n_eval = args.n_eval
    X_cal = X[40_000:40_000 + n_eval]
    X_val = X[50_000:50_000 + n_eval]
    clf = LogisticRegression(max_iter=200).fit(X[:10_000], y[:10_000])
    bandwidth = median_heuristic(X_val, random_state=0)
    real = X[42_000:42_000 + n_eval]
    result = {"versions": versions("cpu"), "command": " ".join(sys.argv),
              "real_training_images": {
                  "mmd2": float(mmd2_unbiased(real, X_val,
                                              bandwidth=bandwidth)),
                  "label_entropy": label_entropy(clf, real)},
              "ladders": {}}
    log(f"real training images: {result['real_training_images']}")
    sigma_max = "auto"
    if args.sigma_max == "extent":
        # The largest distance between two of 1,000 training rows, drawn
        # as the estimator's "auto" draws them (all rows when fewer).
        rows = X_fit
        if len(X_fit) > 1000:
            pick = np.random.RandomState(0).choice(len(X_fit), 1000,
                                                   replace=False)
            rows = X_fit[pick]
        sigma_max = float(euclidean_distances(rows).max())
        log(f"sigma_max: {sigma_max:.3f}")
    result["sigma_max"] = sigma_max
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n_levels in args.levels:
            start = time.perf_counter()
            ae = MultiScaleDenoisingAutoencoder(
                hidden_layer_sizes=(512, 512), n_noise_levels=n_levels,
                sigma_max=sigma_max, max_epochs=args.epochs,
                batch_size=128, device="cpu",
                random_state=args.seed).fit(X_fit)
            fit_s = time.perf_counter() - start
            log(f"{n_levels} levels: fitted in {fit_s:.0f}s, sigma "
                f"{ae.noise_levels_[0]:.3f} to {ae.noise_levels_[-1]:.3f}")
            rows = []
            walks = WALKS + (SHORT_WALKS if n_levels > 10 else [])
            for n_steps, burn_in, fraction in walks:
                start = time.perf_counter()
                sampler = ReinjectionSampler(
                    FrozenEstimator(ae), lam="auto", init="prior",
                    output="mean", n_steps=n_steps, burn_in=burn_in,
                    step_fraction=fraction,
                    random_state=args.seed).fit(X_cal)
                samples = sampler.sample(n_eval, random_state=args.seed + 1)
                row = {"n_steps": n_steps, "burn_in": burn_in,
                       "step_fraction": fraction, "lam_": sampler.lam_,
                       "mmd2": float(mmd2_unbiased(samples, X_val,
                                                   bandwidth=bandwidth)),
                       "label_entropy": label_entropy(clf, samples),
                       "seconds": time.perf_counter() - start}
                rows.append(row)
                log(f"  {row}")
            result["ladders"][str(n_levels)] = {"fit_seconds": fit_s,
                                                "walks": rows}
    write_report(args.out, result)
    return result


if __name__ == "__main__":
    main()
