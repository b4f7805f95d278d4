"""Reinjection chains on MNIST: from noise to digits, and final samples.

Trains a deep and a shallow autoencoder of Table I (and their denoising
versions) on 10,000 MNIST images for a few epochs, then shows (1) eight
walks step by step, from N(0, I) to digits, as rows of a picture, and (2)
a grid of final samples per autoencoder. Saves ``mnist_chains.png`` and
``mnist_samples.png``. Reads MNIST from ``$SKLEARN_REINJECT_DATA`` (default
``../shared/data``).
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sklearn_reinject import (DenoisingAutoencoder, LossyAutoencoder,  # noqa
                              ReinjectionSampler)
from sklearn_reinject.datasets import load_mnist  # noqa: E402

AUTOENCODERS = {
    "deep AE": lambda: LossyAutoencoder(
        hidden_layer_sizes=(600, 400, 100), loss="bce", max_epochs=4,
        batch_size=32, device="cpu", random_state=0),
    "shallow AE": lambda: LossyAutoencoder(
        hidden_layer_sizes=(32,), activation="tanh", loss="bce",
        max_epochs=8, batch_size=32, device="cpu", random_state=0),
    "deep DAE": lambda: DenoisingAutoencoder(
        hidden_layer_sizes=(600, 400, 100), loss="bce", noise_std=0.0,
        preact_noise_std=0.5, salt_pepper_prob=0.1, max_epochs=4,
        batch_size=32, device="cpu", random_state=0),
}


def main(out):
    X = load_mnist(subset="train", return_X_y=True)[0][:10_000]
    fitted = {name: make().fit(X) for name, make in AUTOENCODERS.items()}

    # (1) Walks of the deep DAE, one per row, steps left to right. The
    # noise-free means r(x_t) are shown so that the digits are readable.
    sampler = ReinjectionSampler(fitted["deep DAE"], lam=0.1, n_steps=12,
                                 burn_in=0, output="mean", random_state=0)
    chains = sampler.sample_chains(8)
    fig, axes = plt.subplots(8, 12, figsize=(9, 6.2))
    for i in range(8):
        for t in range(12):
            axes[i, t].imshow(chains[i, t].reshape(28, 28), cmap="gray_r",
                              vmin=0, vmax=1)
            axes[i, t].axis("off")
    for t in range(12):
        axes[0, t].set_title(f"t={t + 1}", fontsize=8)
    fig.suptitle("Reinjection walks of the deep DAE from N(0, I) "
                 "(lam=0.1, means r(x_t))")
    fig.savefig(Path(out) / "mnist_chains.png", dpi=90, bbox_inches="tight")
    plt.close(fig)

    # (2) Final samples of each autoencoder (last state of 10-step walks).
    fig, axes = plt.subplots(len(fitted), 10, figsize=(9, 1.1 * len(fitted)))
    for i, (name, ae) in enumerate(fitted.items()):
        S = ReinjectionSampler(ae, lam=0.1, output="mean",
                               random_state=0).sample_chains(10)[:, -1]
        for j in range(10):
            axes[i, j].imshow(S[j].reshape(28, 28), cmap="gray_r", vmin=0,
                              vmax=1)
            axes[i, j].set_xticks([])
            axes[i, j].set_yticks([])
        axes[i, 0].set_ylabel(name, rotation=0, ha="right", va="center")
    fig.suptitle("Final samples of 10-step walks, per autoencoder")
    fig.savefig(Path(out) / "mnist_samples.png", dpi=90,
                bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {out}/mnist_chains.png and {out}/mnist_samples.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/_static/examples")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    main(args.out)
