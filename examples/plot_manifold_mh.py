"""MH sampling of a density near a 1-D curve in 10-D.

Alain & Bengio (2014, Figure 6): a DAE trained on points near a 1-D curve
embedded in 10 dimensions; the Metropolis-Hastings sampler built on its
score estimate generates new points. Each panel shows one pair of
coordinates: training data (left of each pair of columns) against MH
samples (right). Saves ``manifold_mh.png``.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from skorch.callbacks import LRScheduler  # noqa: E402
from torch.optim.lr_scheduler import CosineAnnealingLR  # noqa: E402

from sklearn_reinject import DenoisingAutoencoder, ReinjectionSampler  # noqa
from sklearn_reinject.datasets import make_curve_manifold  # noqa: E402

PAIRS = [(0, 1), (2, 5), (3, 7), (8, 9)]


def main(out):
    X, _ = make_curve_manifold(5000, noise=0.05, random_state=0)
    epochs = 40
    dae = DenoisingAutoencoder(
        hidden_layer_sizes=(128, 128), noise_std=0.1, max_epochs=epochs,
        lr=3e-3, batch_size=64, device="cpu", random_state=0,
        callbacks=[LRScheduler(policy=CosineAnnealingLR, T_max=epochs)],
    ).fit(X)
    sampler = ReinjectionSampler(dae, lam="auto", method="mh",
                                 proposal="reinject", n_steps=40,
                                 burn_in=20, init="data", random_state=0)
    sampler.fit(X)
    # sample_chains returns the walks in order and, on request, what was
    # measured of them; 150 walks keep 20 states each.
    chains, diagnostics = sampler.sample_chains(150, return_diagnostics=True)
    S = chains.reshape(-1, X.shape[1])
    rate = diagnostics.acceptance_rate
    fig, axes = plt.subplots(2, len(PAIRS), figsize=(3 * len(PAIRS), 6),
                             sharex="col", sharey="col")
    for j, (a, b) in enumerate(PAIRS):
        axes[0, j].scatter(X[:3000, a], X[:3000, b], s=1, alpha=0.4)
        axes[1, j].scatter(S[:, a], S[:, b], s=1, alpha=0.4,
                           color="tab:red")
        axes[1, j].set_xlabel(f"x{a}")
        axes[0, j].set_ylabel(f"x{b}")
        axes[1, j].set_ylabel(f"x{b}")
    axes[0, 0].set_title("training data", loc="left")
    axes[1, 0].set_title(
        f"MH samples (acceptance {rate:.2f})", loc="left")
    fig.suptitle("1-D curve in 10-D: pairs of coordinates")
    fig.tight_layout()
    path = Path(out) / "manifold_mh.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"wrote {path}; MH acceptance rate {rate:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/_static/examples")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    main(args.out)
