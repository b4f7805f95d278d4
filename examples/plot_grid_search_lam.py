"""Choose ``lam`` by the accuracy of a distilled student, with GridSearchCV.

A Pipeline ``MinMaxScaler -> SyntheticDistiller`` on scikit-learn's digits:
the teacher and the denoising autoencoder are trained once and frozen, so
the search only re-samples and re-trains the student for each ``lam``.
Plots the cross-validated student accuracy against ``lam``. Saves
``grid_search_lam.png``.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.model_selection import GridSearchCV, train_test_split  # noqa
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

from sklearn_reinject import (DenoisingAutoencoder, ReinjectionSampler,  # noqa
                              SoftTargetClassifier, SyntheticDistiller)


def main(out):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y)
    # Teacher and autoencoder see scaled data, like the pipeline's steps.
    scaler = MinMaxScaler().fit(X_train)
    Xs = scaler.transform(X_train)
    teacher = SoftTargetClassifier(hidden_layer_sizes=(128,), max_epochs=30,
                                   device="cpu", random_state=0).fit(Xs,
                                                                     y_train)
    dae = DenoisingAutoencoder(hidden_layer_sizes=(64, 32), loss="bce",
                               noise_std=0.2, max_epochs=60, device="cpu",
                               random_state=0).fit(Xs)
    pipe = make_pipeline(MinMaxScaler(), SyntheticDistiller(
        FrozenEstimator(teacher), ReinjectionSampler(FrozenEstimator(dae)),
        SoftTargetClassifier(hidden_layer_sizes=(128,), max_epochs=20,
                             device="cpu"),
        n_samples=3000, random_state=0))
    lams = [0.003, 0.01, 0.03, 0.08, 0.3, 1.0, 3.0]
    search = GridSearchCV(pipe, {"syntheticdistiller__sampler__lam": lams},
                          cv=3).fit(X_train, y_train)
    mean = search.cv_results_["mean_test_score"]
    std = search.cv_results_["std_test_score"]
    best = search.best_params_["syntheticdistiller__sampler__lam"]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.errorbar(lams, mean, yerr=std, marker="o", capsize=3)
    ax.axvline(dae.default_lam(), color="gray", ls="--",
               label=f"matched lam = 2 sigma^2 = {dae.default_lam():.2f}")
    ax.set_xscale("log")
    ax.set_xlabel("lam")
    ax.set_ylabel("student accuracy (3-fold CV)")
    ax.set_title(f"Best lam {best:g}: test accuracy "
                 f"{search.score(X_test, y_test):.3f}")
    ax.legend()
    fig.savefig(Path(out) / "grid_search_lam.png", dpi=100,
                bbox_inches="tight")
    print(f"best lam {best}; CV accuracies {np.round(mean, 3).tolist()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/_static/examples")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    main(args.out)
