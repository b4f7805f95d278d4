"""How ``lam`` tempers the density that reinjection samples.

A DAE trained with noise ``sigma`` is matched to ``lam = 2 sigma**2``.
Sampling with another ``lam`` targets ``p ** (lam_true / lam)`` (Solinas et
al., 2020, eq. 8): a smaller ``lam`` sharpens the modes, a larger one
spreads the samples and fills the space between them. Saves
``lam_tempering.png``.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from skorch.callbacks import LRScheduler  # noqa: E402
from torch.optim.lr_scheduler import CosineAnnealingLR  # noqa: E402

from sklearn_reinject import DenoisingAutoencoder, ReinjectionSampler  # noqa
from sklearn_reinject.datasets import IsotropicGaussianMixture  # noqa: E402
from sklearn_reinject.metrics import mmd2_unbiased  # noqa: E402

MIXTURE = IsotropicGaussianMixture(
    [[-1.5, -1.0], [1.5, -1.0], [0.0, 1.5]], stds=0.35, weights=[1, 1, 1])


def main(out):
    X = MIXTURE.sample(6000, random_state=0)
    epochs, sigma = 30, 0.2
    dae = DenoisingAutoencoder(
        hidden_layer_sizes=(64, 64), noise_std=sigma, max_epochs=epochs,
        lr=3e-3, batch_size=64, device="cpu", random_state=0,
        callbacks=[LRScheduler(policy=CosineAnnealingLR, T_max=epochs)],
    ).fit(X)
    matched = dae.default_lam()
    lams = [matched / 4, matched, 4 * matched, 16 * matched]
    fig, axes = plt.subplots(1, len(lams) + 1, figsize=(3.2 * (len(lams) + 1),
                                                        3.4),
                             sharex=True, sharey=True)
    real = MIXTURE.sample(2000, random_state=1)
    axes[0].scatter(*real.T, s=1, alpha=0.4, color="k")
    axes[0].set_title("data")
    for ax, lam in zip(axes[1:], lams):
        S = ReinjectionSampler(dae, lam=lam, n_steps=30, burn_in=10,
                               random_state=0).sample(2000)
        ax.scatter(*S.T, s=1, alpha=0.4)
        tag = " (matched)" if lam == matched else ""
        ax.set_title(f"lam={lam:.3g}{tag}\nMMD$^2$={mmd2_unbiased(S, real):.4f}",
                     fontsize=9)
    for ax in axes:
        ax.set_xlim(-4, 4)
        ax.set_ylim(-3.5, 4)
        ax.set_aspect("equal")
    fig.suptitle(f"Reinjection chains of a DAE (sigma={sigma}) at several lam",
                 y=1.06)
    fig.tight_layout()
    path = Path(out) / "lam_tempering.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"wrote {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/_static/examples")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    main(args.out)
