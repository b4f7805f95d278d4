"""Mode coverage: how the teacher's labels of samples spread as ``lam`` grows.

For reinjection samples of a denoising autoencoder trained on digits, the
share of each class among the teacher's labels, and the normalised label
entropy (1 = all classes equally often), for a range of ``lam``. Saves
``class_balance_lam.png``.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from sklearn_reinject import (DenoisingAutoencoder, ReinjectionSampler,  # noqa
                              SoftTargetClassifier)
from sklearn_reinject.metrics import class_balance  # noqa: E402


def main(out):
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    teacher = SoftTargetClassifier(hidden_layer_sizes=(128,), max_epochs=30,
                                   device="cpu", random_state=0).fit(X, y)
    dae = DenoisingAutoencoder(hidden_layer_sizes=(64, 32), loss="bce",
                               noise_std=0.2, max_epochs=60, device="cpu",
                               random_state=0).fit(X)
    lams = np.geomspace(0.001, 3.0, 12)
    shares, entropy = [], []
    for lam in lams:
        S = ReinjectionSampler(dae, lam=lam, random_state=0).sample(4000)
        balance = class_balance(teacher, S)
        shares.append(balance["shares"])
        entropy.append(balance["normalized_entropy"])
    shares = np.array(shares)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4),
                                   gridspec_kw={"wspace": 0.35})
    ax1.stackplot(lams, shares.T, labels=[str(c) for c in teacher.classes_])
    ax1.set_xscale("log")
    ax1.set_xlabel("lam")
    ax1.set_ylabel("share of teacher labels")
    ax1.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax2.plot(lams, entropy, marker="o")
    ax2.axvline(dae.default_lam(), color="gray", ls="--", label="matched lam")
    ax2.set_xscale("log")
    ax2.set_xlabel("lam")
    ax2.set_ylabel("normalised label entropy")
    ax2.legend()
    fig.suptitle("Which digits the reinjection samples look like, per lam")
    fig.savefig(Path(out) / "class_balance_lam.png", dpi=100,
                bbox_inches="tight")
    print("entropy per lam:", np.round(entropy, 3).tolist())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/_static/examples")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    main(args.out)
