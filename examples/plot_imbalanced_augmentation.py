"""Oversample minority classes with reinjection, imbalanced-learn style.

Half of the digit classes keep only 8% of their training images. A
``LogisticRegression`` is trained (1) on the imbalanced data, (2) after
imbalanced-learn's ``RandomOverSampler`` and (3) after
``ReinjectionSampler.fit_resample``, which trains one autoencoder per
minority class and draws new rows from it, inside an ``imblearn``
Pipeline. Compares balanced accuracy on the untouched test set. Needs
imbalanced-learn (``pip install "torch==2.13.0" -e ".[imbalanced]"``); saves
``imbalanced_augmentation.png``.
"""

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from sklearn_reinject import DenoisingAutoencoder, ReinjectionSampler  # noqa


def main(out):
    try:
        from imblearn.over_sampling import RandomOverSampler
        from imblearn.pipeline import make_pipeline
    except ImportError:
        print("imbalanced-learn is not installed; skipping this example.")
        return 0
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y)
    rng = np.random.RandomState(0)
    keep = (y_train >= 5) | (rng.rand(len(y_train)) < 0.08)
    X_train, y_train = X_train[keep], y_train[keep]
    print("training counts per class:", np.bincount(y_train).tolist())

    def clf():
        return LogisticRegression(max_iter=2000)

    sampler = ReinjectionSampler(
        DenoisingAutoencoder(hidden_layer_sizes=(32,), loss="bce",
                             noise_std=0.2, max_epochs=100, batch_size=16,
                             device="cpu", random_state=0),
        lam=0.05, random_state=0)
    models = {
        "imbalanced": clf(),
        "RandomOverSampler": make_pipeline(RandomOverSampler(random_state=0),
                                           clf()),
        "ReinjectionSampler": make_pipeline(sampler, clf()),
    }
    scores = {}
    for name, model in models.items():
        model.fit(X_train, y_train)
        scores[name] = balanced_accuracy_score(y_test, model.predict(X_test))
        print(f"{name}: balanced accuracy {scores[name]:.3f}")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar(list(scores), list(scores.values()),
           color=["gray", "tab:orange", "tab:blue"])
    ax.set_ylim(min(scores.values()) - 0.05, 1.0)
    for i, v in enumerate(scores.values()):
        ax.text(i, v + 0.005, f"{v:.3f}", ha="center")
    ax.set_ylabel("balanced accuracy (test)")
    ax.set_title("Digits 0-4 at 8% of their training images")
    fig.savefig(Path(out) / "imbalanced_augmentation.png", dpi=100,
                bbox_inches="tight")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/_static/examples")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    sys.exit(main(args.out))
