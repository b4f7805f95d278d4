"""The multi-scale denoiser's network on MNIST, before and after, on a split.

``MultiScaleDenoisingAutoencoder`` trains one network
``r(x, sigma) = c_skip x + c_out F(c_in x, sigma)`` for every noise level.
Its coefficients now use each feature's std instead of one std for all
features, and ``F`` has a linear path beside its hidden layers. This
script trains both networks, the previous one rebuilt here
(``PreviousMultiScale``), with the same settings and seed on MNIST
training images 0-39,999 (``(512, 512)``, 10 levels, 20 epochs) and
measures, never on the test images:

- each level's denoising error on training images 50,000-51,999 (mean
  squared error per pixel), as a ratio to the best linear denoiser, the
  Wiener filter ``mu + S (S + sigma**2 I)^-1 (x - mu)`` from the training
  images' mean and covariance (clipped to [0, 1]); below 1, the network
  beats it;
- annealed reinjection from each (``init="prior"``, 10 steps per level,
  one state kept per walk, ``output="mean"``), at the matched ``lam`` and
  at ``lam="auto"`` (calibrated on images 40,000-41,999), with full steps
  and with ``step_fraction=0.05``: MMD² of 2,000 samples to images
  50,000-51,999 (median-heuristic bandwidth) and the normalised entropy of
  their labels under a logistic regression trained on images 0-9,999
  (1: every digit equally often), with the labels' shares.

Writes ``results.json`` and ``denoiser.md`` to ``--out``. About 6 minutes
on 2 CPU cores.

    python benchmarks/multiscale_denoiser.py --out out/multiscale_denoiser
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (make_log, markdown_table, versions,  # noqa: E402
                     write_report)
from multiscale_levels import add_split_arguments, label_entropy  # noqa: E402

from sklearn_reinject import MultiScaleDenoisingAutoencoder  # noqa: E402

#: (lam, step_fraction) of the walks; None means the matched lam.
WALKS = [(None, 1.0), (None, 0.05), ("auto", 1.0), ("auto", 0.05)]


class PreviousMultiScale(MultiScaleDenoisingAutoencoder):
    """The network before this change: one std for all features, no
    linear path in ``F``."""

    def _build_module(self, n_features):
        from torch import nn

        from sklearn_reinject.nn import NoiseConditionalDenoiser

        class _NoLinearPath(nn.Module):
            def forward(self, x):
                return 0.0

        module = NoiseConditionalDenoiser(
            n_features, self._hidden_layer_sizes, self.noise_levels_,
            sigma_data=self.sigma_data_, activation=self.activation,
            data_range=(self.data_min_, self.data_max_))
        module.linear = _NoLinearPath()
        return module


def wiener_ratios(ae, X_fit, X_val, seed):
    """Each level's denoising MSE over the Wiener filter's."""
    X_fit = X_fit.astype(np.float64)
    X_val = X_val.astype(np.float64)
    mu = X_fit.mean(axis=0)
    eigval, eigvec = np.linalg.eigh(np.cov(X_fit, rowvar=False))
    rng = np.random.RandomState(seed)
    ratios = []
    for sigma in ae.noise_levels_:
        noisy = X_val + sigma * rng.randn(*X_val.shape)
        net = ae.reconstruct(noisy.astype(np.float32), noise_level=sigma)
        shrink = eigval / (eigval + sigma ** 2)
        linear = np.clip(mu + ((noisy - mu) @ eigvec * shrink) @ eigvec.T,
                         0, 1)
        ratios.append(float(np.mean((net - X_val) ** 2)
                            / np.mean((linear - X_val) ** 2)))
    return ratios


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_split_arguments(p, "out/multiscale_denoiser")
    args = p.parse_args(argv)

    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import LogisticRegression

    from sklearn_reinject import ReinjectionSampler
    from sklearn_reinject.datasets import load_mnist
    from sklearn_reinject.metrics import median_heuristic, mmd2_unbiased

    log = make_log()
    X, y = load_mnist(args.data_home, subset="train", return_X_y=True)
    X_fit = X[:args.n_fit]
    X_cal = X[40_000:40_000 + args.n_eval]
    X_val = X[50_000:50_000 + args.n_eval]
    clf = LogisticRegression(max_iter=200).fit(X[:10_000], y[:10_000])
    bandwidth = median_heuristic(X_val, random_state=0)
    result = {"versions": versions("cpu"), "command": " ".join(sys.argv),
              "settings": vars(args) | {"out": str(args.out)},
              "networks": {}}
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, cls in [("previous", PreviousMultiScale),
                          ("current", MultiScaleDenoisingAutoencoder)]:
            start = time.perf_counter()
            ae = cls(hidden_layer_sizes=(512, 512), n_noise_levels=10,
                     max_epochs=args.epochs, device="cpu",
                     random_state=args.seed).fit(X_fit)
            entry = {"fit_seconds": time.perf_counter() - start,
                     "final_loss": ae.loss_curve_[-1],
                     "noise_levels": ae.noise_levels_.tolist(),
                     "mse_over_wiener": wiener_ratios(ae, X_fit, X_val,
                                                      args.seed),
                     "walks": []}
            log(f"{name}: fitted in {entry['fit_seconds']:.0f}s, MSE over "
                f"Wiener {np.round(entry['mse_over_wiener'], 2).tolist()}")
            for lam, fraction in WALKS:
                sampler = ReinjectionSampler(
                    FrozenEstimator(ae), lam=ae.default_lam() if lam is None
                    else lam, init="prior", output="mean", n_steps=10,
                    burn_in=9, step_fraction=fraction,
                    random_state=args.seed).fit(X_cal)
                samples = sampler.sample(args.n_eval,
                                         random_state=args.seed + 1)
                shares = np.bincount(clf.predict(samples),
                                     minlength=10) / len(samples)
                walk = {"lam": "matched" if lam is None else lam,
                        "lam_": sampler.lam_, "step_fraction": fraction,
                        "mmd2": float(mmd2_unbiased(samples, X_val,
                                                    bandwidth=bandwidth)),
                        "label_entropy": label_entropy(clf, samples),
                        "label_shares": shares.tolist()}
                entry["walks"].append(walk)
                log(f"  {walk}")
                rows.append([
                    name, f"{walk['lam']} ({sampler.lam_:.2g})",
                    f"{fraction:g}", f"{walk['mmd2']:.4f}",
                    f"{walk['label_entropy']:.3f}",
                    " ".join(f"{100 * s:.0f}" for s in shares)])
            result["networks"][name] = entry
    levels = result["networks"]["current"]["noise_levels"]
    error_rows = [[f"{sigma:.3f}"] + [
        f"{result['networks'][n]['mse_over_wiener'][i]:.2f}"
        for n in ("previous", "current")] for i, sigma in enumerate(levels)]
    table = (markdown_table(error_rows, ["sigma", "previous / Wiener",
                                         "current / Wiener"])
             + "\n\n" + markdown_table(rows, [
                 "network", "lam (chosen)", "step_fraction", "MMD²",
                 "label entropy", "digit shares 0-9 (%)"]))
    print(table)
    write_report(args.out, result, {"denoiser.md": table + "\n"})
    return result


if __name__ == "__main__":
    main()
