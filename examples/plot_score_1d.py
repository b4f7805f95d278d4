"""Estimated against true score of a 1-D density, for several noise levels.

Alain & Bengio (2014, Figure 4): ``(r(x) - x) / sigma**2`` of a DAE trained
with Gaussian noise ``sigma`` estimates ``d log p / dx``. Small ``sigma``
tracks the true score closely where there is data; large ``sigma`` learns
the score of a smoothed, flatter density. Saves ``score_1d.png``.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from skorch.callbacks import LRScheduler  # noqa: E402
from torch.optim.lr_scheduler import CosineAnnealingLR  # noqa: E402

from sklearn_reinject import DenoisingAutoencoder  # noqa: E402
from sklearn_reinject.datasets import IsotropicGaussianMixture  # noqa: E402

DENSITY = IsotropicGaussianMixture([[-1.5], [1.0]], stds=[0.4, 0.6],
                                   weights=[0.4, 0.6])


def main(out):
    X = DENSITY.sample(10000, random_state=0)
    xs = np.linspace(-3, 3, 400)[:, None]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(xs, DENSITY.score(xs), "k", lw=2.5, label="true score")
    epochs = 30
    for sigma in (0.1, 0.3, 0.6):
        dae = DenoisingAutoencoder(
            hidden_layer_sizes=(64, 64), noise_std=sigma, max_epochs=epochs,
            lr=3e-3, batch_size=64, device="cpu", random_state=0,
            callbacks=[LRScheduler(policy=CosineAnnealingLR, T_max=epochs)],
        ).fit(X)
        ax.plot(xs, dae.estimate_score(xs), label=f"DAE, sigma={sigma}")
    ax2 = ax.twinx()
    ax2.fill_between(xs[:, 0], np.exp(DENSITY.log_pdf(xs)), alpha=0.15,
                     color="gray")
    ax2.set_yticks([])
    ax.set_ylim(-8, 8)
    ax.axhline(0, color="gray", lw=0.5)
    ax.set_xlabel("x")
    ax.set_ylabel("d log p / dx")
    ax.set_title("(r(x) - x) / sigma^2 against the true score (density shaded)")
    ax.legend(fontsize=8)
    path = Path(out) / "score_1d.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    print(f"wrote {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/_static/examples")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    main(args.out)
