"""The reconstruction field r(x) - x of a DAE trained on a spiral.

Alain & Bengio (2014, Figure 5): a denoising autoencoder trained on points
of a 2-D spiral learns a reconstruction whose displacement ``r(x) - x``
points towards the data, an estimate of ``sigma**2 * grad log p(x)``.
Saves ``spiral_vector_field.png``.
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
from sklearn_reinject.datasets import make_spiral  # noqa: E402


def main(out):
    X, _ = make_spiral(4000, noise=0.01, random_state=0)
    epochs = 60
    dae = DenoisingAutoencoder(
        hidden_layer_sizes=(128, 128), noise_std=0.05, max_epochs=epochs,
        lr=3e-3, batch_size=64, device="cpu", random_state=0,
        callbacks=[LRScheduler(policy=CosineAnnealingLR, T_max=epochs)],
    ).fit(X)
    g = np.linspace(-0.55, 0.55, 25)
    grid = np.array(np.meshgrid(g, g)).reshape(2, -1).T
    field = dae.reconstruct(grid) - grid
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.scatter(*X.T, s=2, alpha=0.3, color="tab:blue", label="data")
    ax.quiver(*grid.T, *field.T, angles="xy", scale_units="xy", scale=1,
              width=0.003, color="k", label="r(x) - x")
    ax.set_aspect("equal")
    ax.set_title("DAE on the spiral: r(x) - x points to the data")
    ax.legend(loc="lower right")
    path = Path(out) / "spiral_vector_field.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    print(f"wrote {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/_static/examples")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    main(args.out)
