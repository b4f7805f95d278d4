"""Oversample minority classes with reinjection, imbalanced-learn style.

Two problems that ship with scikit-learn, each made imbalanced: breast
cancer with the malignant class cut to a tenth of the benign one, and
digits with the 3s and the 8s cut to 15 images. Each is split 70/30 for
three seeds, standardised on the training part, and resampled inside an
``imblearn`` Pipeline by ``RandomOverSampler``, ``SMOTE`` or
``ReinjectionSampler(DenoisingAutoencoder())`` with their defaults; a
random forest is trained on the result. The bars are the mean balanced
accuracy on the untouched test part, with the seeds' standard deviation.
``benchmarks/compare_imbalanced.py`` runs the full comparison. Needs
imbalanced-learn (``pip install "torch==2.13.0" -e ".[imbalanced]"``);
saves ``imbalanced_augmentation.png``.
"""

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklearn_reinject import DenoisingAutoencoder, ReinjectionSampler  # noqa

SEEDS = (0, 1, 2)


def cut(X, y, label, n_keep, seed):
    """Keep ``n_keep`` random rows of class ``label``."""
    rows = np.flatnonzero(y == label)
    drop = np.random.RandomState(seed).choice(rows, len(rows) - n_keep,
                                              replace=False)
    keep = np.ones(len(y), dtype=bool)
    keep[drop] = False
    return X[keep], y[keep]


def problems(seed):
    X, y = load_breast_cancer(return_X_y=True)
    yield "breast cancer, malignant cut", cut(
        X, y, 0, np.sum(y == 1) // 10, seed)
    X, y = load_digits(return_X_y=True)
    X, y = cut(*cut(X, y, 3, 15, seed), 8, 15, seed + 1)
    yield "digits, 3s and 8s cut to 15", (X, y)


def main(out):
    try:
        from imblearn.over_sampling import SMOTE, RandomOverSampler
        from imblearn.pipeline import make_pipeline
    except ImportError:
        print("imbalanced-learn is not installed; skipping this example.")
        return 0
    samplers = {
        "none": lambda seed: None,
        "RandomOverSampler": lambda seed: RandomOverSampler(
            random_state=seed),
        "SMOTE": lambda seed: SMOTE(random_state=seed),
        "reinjection": lambda seed: ReinjectionSampler(
            DenoisingAutoencoder(device="cpu"), random_state=seed),
    }
    scores = {}
    for seed in SEEDS:
        for problem, (X, y) in problems(seed):
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.3, stratify=y, random_state=seed)
            for name, make in samplers.items():
                steps = [StandardScaler(), make(seed),
                         RandomForestClassifier(random_state=seed)]
                model = make_pipeline(*[s for s in steps if s is not None])
                model.fit(X_tr, y_tr)
                scores.setdefault(problem, {}).setdefault(name, []).append(
                    balanced_accuracy_score(y_te, model.predict(X_te)))
    fig, axes = plt.subplots(1, len(scores), figsize=(11, 3.5))
    for ax, (problem, per_sampler) in zip(axes, scores.items()):
        means = [np.mean(v) for v in per_sampler.values()]
        stds = [np.std(v) for v in per_sampler.values()]
        ax.bar(list(per_sampler), means, yerr=stds, capsize=3,
               color=["gray", "tab:orange", "tab:green", "tab:blue"])
        ax.set_ylim(min(means) - 0.1, 1.0)
        ax.set_title(problem)
        ax.tick_params(axis="x", labelrotation=20)
        for i, (m, s) in enumerate(zip(means, stds)):
            ax.text(i, m + s + 0.005, f"{m:.3f}", ha="center")
        print(problem, {k: round(float(np.mean(v)), 3)
                        for k, v in per_sampler.items()})
    axes[0].set_ylabel("balanced accuracy (test), random forest")
    fig.savefig(Path(out) / "imbalanced_augmentation.png", dpi=100,
                bbox_inches="tight")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/_static/examples")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    sys.exit(main(args.out))
