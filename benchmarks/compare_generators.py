"""Compare reinjection with the generators users would pick instead, on MNIST.

``--dataset fashion-mnist`` runs the same comparison, every setting
unchanged (they were chosen on MNIST), on Fashion-MNIST.

Generators: reinjection from the four autoencoders of Table I and from a
shallow reconstruction-contractive autoencoder; a VAE's ancestral samples,
and the same refined by reinjection, through the VAE itself or through a
small-noise DAE whose walks start from the VAE's samples (the ancestral
row and that DAE also once more, trained with a learning rate decayed to
zero); scikit-learn's GaussianMixture and KernelDensity, both fitted on 50
PCA components and mapped back to pixels (in 784 pixel dimensions a
full-covariance mixture is both slower and worse, and a pixel KDE only
copies training images with noise); Gaussian noise (the lower bound).
A reference row, not a generator, scores rows of the training images
themselves: what real images that are not the held-out ones get on each
metric, the floor of each distance.

Every generator is fitted on the same training images, all but a slice
of 2,000 that the package's ``lam="auto"`` holds out (its own split, drawn
from the seed). Rows marked ``lam=auto`` choose ``lam`` on that slice,
with an autoencoder of an earlier row that never saw it (one network
trained once, not again on the same images); nothing else uses it. The
multi-scale row samples
a ``MultiScaleDenoisingAutoencoder`` by annealed reinjection. Each is scored against
held-out test images with every metric of
``sklearn_reinject.metrics``, measured for memorisation against the
training images (distance to the closest record, share closer to training
than to held-out images, near copies, NNDR), and by the test accuracy of a
``SyntheticDistiller`` student trained on an equal synthetic budget, with
fit and sampling times. Nothing is tuned on the test set: every
generator's settings are fixed in this file.

``--c2st-trees`` adds a second two-sample column, a gradient-boosted
trees classifier (``HistGradientBoostingClassifier(max_iter=50)``, 3
folds) telling the same samples from the held-out images: the default
logistic one misses zero-mean pixel noise, which trees catch. It costs
about 10 s per row on 2 CPU cores, so the quick profile leaves it out to
stay within 25 minutes.

Writes to --out: ``results.json``, ``comparison.md`` (the table, with the
winner of each column) and ``samples.png`` (a grid of samples from each
generator; needs matplotlib).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (cosine_lr, make_log, versions,  # noqa: E402
                     write_report)
from reproduce_table1 import AUTOENCODERS, make_autoencoder  # noqa: E402

PROFILES = {
    "quick": dict(teacher=10, deep_ae=5, shallow_ae=25, deep_dae=5,
                  shallow_dae=25, rcae=10, vae=20, msdae=20, refiner=5,
                  budget=50_000, student_epochs=10, n_eval=2000),
    "full": dict(teacher=20, deep_ae=200, shallow_ae=50, deep_dae=200,
                 shallow_dae=100, rcae=50, vae=100, msdae=100, refiner=20,
                 budget=200_000, student_epochs=20, n_eval=10_000),
}

# In a row that reuses an earlier row's sampler: the lam it calibrated
# (``lam="auto"`` left as it is calibrates afresh on the rows that sampler
# held out).
BASE_LAM = "base"


class EarlierRow:
    """``init`` of a row: the fitted generator of an earlier row.

    Used where a row would otherwise train a network identical to one an
    earlier row trained (same parameters, seed and images, and CPU training
    is deterministic): the row starts its walks from that network, frozen,
    and its fit time counts that network's training.
    """

    def __init__(self, name):
        self.name = name


# (metric key, column title, higher is better)
COLUMNS = [
    ("mmd2", "MMD²", False),
    ("sliced_wasserstein", "sliced W2", False),
    ("energy", "energy", False),
    ("frechet_ae", "Fréchet (AE codes)", False),
    ("precision", "precision", True),
    ("recall", "recall", True),
    ("density", "density", True),
    ("coverage", "coverage", True),
    ("c2st_auc", "C2ST AUC", False),
    ("label_entropy", "label entropy", True),
    ("student_accuracy", "student acc.", True),
    ("fit_seconds", "fit s", False),
    ("sample_seconds", "sample s", False),
]
#: The column that --c2st-trees adds, after the logistic C2ST.
TREES_COLUMN = ("c2st_trees_auc", "C2ST AUC (trees)", False)


def columns(report):
    """The quality columns of ``report``'s table."""
    if not report.get("c2st_trees"):
        return COLUMNS
    at = [key for key, _, _ in COLUMNS].index("c2st_auc") + 1
    return COLUMNS[:at] + [TREES_COLUMN] + COLUMNS[at:]


# Memorisation, against the training images: no "best" (0.5 is ideal for
# the first, and a generator is not better for being farther from the data).
PRIVACY_COLUMNS = [
    ("closer_to_train", "share closer to train than held-out"),
    ("copy_share", "near copies"),
    ("median_dcr", "median DCR"),
    ("mean_nndr", "mean NNDR"),
]


def memorisation(samples, X_train, X_holdout, radius, seed):
    """Memorisation measures of one generator's samples."""
    from sklearn_reinject.metrics import (closer_to_training_share,
                                          distance_to_closest_record,
                                          nearest_neighbor_distance_ratio)

    dcr = distance_to_closest_record(samples, X_train)
    return {
        "closer_to_train": closer_to_training_share(
            samples, X_train, X_holdout, random_state=seed),
        "copy_share": float(np.mean(dcr <= radius)),
        "median_dcr": float(np.median(dcr)),
        "mean_nndr": float(nearest_neighbor_distance_ratio(
            samples, X_train).mean()),
    }


class PCAGenerator(BaseEstimator):
    """A scikit-learn density model fitted on PCA codes, mapped back."""

    def __init__(self, density, n_components=50, random_state=0):
        self.density = density
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X, y=None):
        from sklearn.decomposition import PCA

        self.pca_ = PCA(self.n_components,
                        random_state=self.random_state).fit(X)
        self.density.fit(self.pca_.transform(X))
        self.n_features_in_ = X.shape[1]
        return self

    def sample(self, n_samples, random_state=None):
        from sklearn.mixture import GaussianMixture

        if isinstance(self.density, GaussianMixture):
            # GaussianMixture.sample takes its seed from the estimator and
            # returns rows grouped by component: reseed and shuffle.
            self.density.set_params(random_state=random_state)
            Z = self.density.sample(n_samples)[0]
            Z = Z[np.random.RandomState(random_state).permutation(len(Z))]
        else:
            Z = self.density.sample(n_samples, random_state=random_state)
        X = self.pca_.inverse_transform(Z)
        return np.clip(X, 0, 1).astype(np.float32)


class TrainingRows(BaseEstimator):
    """The reference row: rows of the training images themselves.

    Not a generator (it keeps the data); it shows what each metric gives
    real images that are not the held-out ones.
    """

    def fit(self, X, y=None):
        self.X_ = np.asarray(X)
        return self

    def sample(self, n_samples, random_state=None):
        rng = np.random.RandomState(random_state)
        return self.X_[rng.choice(len(self.X_), n_samples,
                                  replace=n_samples > len(self.X_))]


#: Scored like the generators, left out of each column's best.
REFERENCE = "(reference) real training images"


def build_generators(ep, device, seed, n_rows):
    from sklearn.mixture import GaussianMixture
    from sklearn.neighbors import KernelDensity

    from sklearn_reinject import (ContractiveAutoencoder,
                                  DenoisingAutoencoder,
                                  GaussianNoiseSampler,
                                  MultiScaleDenoisingAutoencoder,
                                  ReinjectionSampler, VariationalAutoencoder)

    def autoencoder(name):
        return make_autoencoder(name, ep[AUTOENCODERS[name][3]], device,
                                seed)

    def vae(callbacks=None):
        return VariationalAutoencoder(
            hidden_layer_sizes=(400, 20), loss="bce", max_epochs=ep["vae"],
            batch_size=32, device=device, random_state=seed,
            callbacks=callbacks)

    def refiner(callbacks=None):
        return DenoisingAutoencoder(
            hidden_layer_sizes=(1000, 500), loss="bce", noise_std=0.1,
            max_epochs=ep["refiner"], batch_size=128, device=device,
            random_state=seed, callbacks=callbacks)

    gens = {}
    for name in AUTOENCODERS:
        gens[f"reinjection, {name}"] = ReinjectionSampler(autoencoder(name),
                                                          lam=0.1)
        # The same trained autoencoder, keeping the noise-free means r(x_t)
        # instead of the noisy states.
        gens[f"reinjection, {name}, mean output"] = (
            f"reinjection, {name}", dict(output="mean"))
    rcae = ContractiveAutoencoder(
        hidden_layer_sizes=(32,), activation="tanh", loss="bce",
        contraction=0.05, max_epochs=ep["rcae"], batch_size=32,
        device=device, random_state=seed)
    # lam calibrated by the package (lam="auto"): the lam whose samples
    # come closest (MMD²) to the held-out slice of the training images,
    # which the autoencoders of the rows above were not trained on.
    for name in ("deep DAE", "shallow DAE"):
        gens[f"reinjection, {name}, lam=auto"] = (
            f"reinjection, {name}", dict(lam="auto", random_state=seed))
    gens["reinjection, shallow RCAE"] = ReinjectionSampler(rcae, lam=0.1)
    # The DAE rows' samples mapped onto the training images' per-pixel
    # means and standard deviations (match_moments=True; "auto" leaves
    # images in [0, 1] alone): the same trained autoencoders and walks.
    # Tried first on the shallow DAE against held-out training images,
    # never on the test images.
    for name in ("deep DAE", "shallow DAE"):
        gens[f"reinjection, {name}, moments matched"] = (
            f"reinjection, {name}", dict(match_moments=True))
    gens["VAE ancestral"] = vae()
    # The same VAE trained with its learning rate decayed to zero (a cosine
    # schedule over every batch, skorch's LRScheduler): the fair competitor
    # of the refining row below that trains its DAE so.
    gens["VAE ancestral, cosine lr"] = vae(
        cosine_lr(n_rows, 32, ep["vae"]))
    # Every VAE chain: 3 steps from the VAE's ancestral samples, all kept.
    vae_chain = dict(init="prior", n_steps=3, burn_in=0)
    gens["VAE + reinjection"] = ("VAE ancestral", dict(lam=0.01, **vae_chain))
    # A hotter chain with the final denoising step, on the VAE of the
    # ancestral row: lam=0.4 and output="mean" come from
    # benchmarks/vae_students.py, which chose them on a split of the
    # training images (their students matched the ancestral samples'
    # there), never on the test images.
    gens["VAE + reinjection, lam=0.4, mean output"] = ("VAE ancestral", dict(
        lam=0.4, output="mean", **vae_chain))
    gens["VAE + reinjection, lam=auto"] = ("VAE ancestral", dict(
        lam="auto", random_state=seed, **vae_chain))
    # The same with the final denoising step: the kept states passed once
    # more through the VAE (its noise-free reconstruction r(x_t)), at the
    # lam calibrated on the chain's states, which does not depend on
    # `output`: the row above's VAE and lam, not a second identical fit.
    gens["VAE + reinjection, lam=auto, mean output"] = (
        "VAE + reinjection, lam=auto", dict(lam=BASE_LAM, output="mean"))
    # Reinjection as a refiner of another generator's samples: walks of a
    # small-noise DAE (the default noise_std=0.1, matched lam = 2 * 0.1**2)
    # start from a VAE's ancestral samples (init=<estimator>: the ancestral
    # row's VAE, not a second identical one; the sampler trains the DAE);
    # one reinjection, then the final denoising step (output="mean").
    # Chosen on a split of the training images (benchmarks page), never
    # on the test images.
    refine = dict(lam=0.02, n_steps=2, burn_in=1, output="mean",
                  random_state=seed)
    gens["VAE samples + DAE reinjection, mean output"] = ReinjectionSampler(
        refiner(), init=EarlierRow("VAE ancestral"), **refine)
    # The same with the DAE trained at a learning rate decayed to zero: at
    # Adam's constant rate the last updates leave each output pixel's mean
    # off by up to a few hundredths, which a linear two-sample classifier
    # sees. Chosen on the split of the training images, like the row above.
    gens["VAE samples + DAE reinjection, mean output, cosine lr"] = (
        ReinjectionSampler(refiner(cosine_lr(n_rows, 128, ep["refiner"])),
                           init=EarlierRow("VAE ancestral"), **refine))
    # The constant-rate refining row with its per-pixel offset removed by
    # the moment map instead of a schedule: the same VAE and DAE.
    gens["VAE samples + DAE reinjection, mean output, moments matched"] = (
        "VAE samples + DAE reinjection, mean output",
        dict(match_moments=True))
    # And the cosine-trained refining row with the map too.
    gens["VAE samples + DAE reinjection, mean output, cosine lr, moments "
         "matched"] = ("VAE samples + DAE reinjection, mean output, cosine lr",
                       dict(match_moments=True))
    # Annealed reinjection: one denoiser over 10 noise levels (from the
    # data's extent per pixel, sigma_max="auto", down to 0.01), walks
    # from N(data mean, sigma_1^2 I) down the ladder, 10 steps per level,
    # the last level's states passed through the smallest-noise denoiser;
    # lam calibrated as above (the sampler fits on every training image
    # and holds out the same slice).

    def annealed(**kwargs):
        return ReinjectionSampler(MultiScaleDenoisingAutoencoder(
            hidden_layer_sizes=(512, 512), n_noise_levels=10,
            max_epochs=ep["msdae"], batch_size=128, device=device,
            random_state=seed), lam="auto", init="prior", output="mean",
            random_state=seed, **kwargs)

    gens["annealed reinjection, multi-scale DAE, lam=auto"] = annealed()
    # The same autoencoder with Langevin steps 20 times smaller
    # (step_fraction=0.05, chosen on a split of the training images, see
    # the benchmarks page): the same number of network evaluations per
    # walk, lam calibrated afresh on the rows the row above held out.
    gens["annealed reinjection, multi-scale DAE, lam=auto, step 0.05"] = (
        "annealed reinjection, multi-scale DAE, lam=auto",
        dict(step_fraction=0.05))
    for k in (10, 50):
        gens[f"GaussianMixture({k}) on PCA-50"] = PCAGenerator(
            GaussianMixture(k, covariance_type="full", random_state=seed),
            random_state=seed)
    gens["KernelDensity on PCA-50"] = PCAGenerator(
        KernelDensity(bandwidth="scott"), random_state=seed)
    gens["Gaussian noise"] = GaussianNoiseSampler()
    # Last, so that every generator's numbers are what they were before it.
    gens[REFERENCE] = TrainingRows()
    return gens


def evaluate(samples, X_eval, teacher, code_model, seed, trees=False):
    from sklearn.ensemble import HistGradientBoostingClassifier

    from sklearn_reinject.metrics import (
        class_balance, classifier_two_sample_auc, energy_distance,
        frechet_distance, median_heuristic, mmd2_unbiased,
        precision_recall_density_coverage, sliced_wasserstein)

    out = {
        "mmd2": mmd2_unbiased(samples, X_eval,
                              bandwidth=median_heuristic(X_eval)),
        "sliced_wasserstein": sliced_wasserstein(samples, X_eval,
                                                 random_state=seed),
        "energy": energy_distance(samples, X_eval),
        "frechet_ae": frechet_distance(samples, X_eval,
                                       transformer=code_model),
        "c2st_auc": classifier_two_sample_auc(X_eval, samples,
                                              random_state=seed),
    }
    if trees:
        out["c2st_trees_auc"] = classifier_two_sample_auc(
            X_eval, samples, classifier=HistGradientBoostingClassifier(
                max_iter=50, random_state=seed), cv=3, random_state=seed)
    out.update(precision_recall_density_coverage(X_eval, samples, k=5))
    balance = class_balance(teacher, samples)
    out["label_entropy"] = balance["normalized_entropy"]
    out["label_min_share"] = balance["min_share"]
    return out


def load_images(args):
    """``X_train, y_train, X_test, y_test`` of ``--dataset``.

    The first ``--n-train`` training images (all when it is None).
    """
    from sklearn_reinject.datasets import load_fashion_mnist, load_mnist

    load = load_fashion_mnist if args.dataset == "fashion-mnist" else \
        load_mnist
    X_train, y_train, X_test, y_test = load(args.data_home, return_X_y=True)
    return X_train[:args.n_train], y_train[:args.n_train], X_test, y_test


def run(args):
    from sklearn.base import clone
    from sklearn.frozen import FrozenEstimator

    from sklearn_reinject import (ReinjectionSampler, SoftTargetClassifier,
                                  SyntheticDistiller)
    from sklearn_reinject.sampling._calibration import calibration_split
    from sklearn_reinject.utils._device import resolve_device

    ep = dict(PROFILES[args.profile])
    if args.epoch_cap is not None:
        ep = {k: (min(v, args.epoch_cap) if k not in ("budget", "n_eval")
                  else v) for k, v in ep.items()}
    for key in ("budget", "n_eval"):
        if getattr(args, key) is not None:
            ep[key] = getattr(args, key)
    device = str(resolve_device(args.device))
    start = time.perf_counter()
    log = make_log()

    X_train, y_train, X_test, y_test = load_images(args)
    # The images every generator is fitted on, and the slice that
    # lam="auto" holds out from them: the split of a calibrating sampler
    # seeded with args.seed.
    X_gen, X_cal = calibration_split(X_train, False, args.seed)
    rng = np.random.RandomState(args.seed)
    eval_idx = rng.choice(len(X_test), min(ep["n_eval"], len(X_test)),
                          replace=False)
    X_eval = X_test[np.sort(eval_idx)]
    # Held-out real images for the memorisation measures: the test images
    # not used for the quality metrics. A synthetic image counts as a near
    # copy when it is closer to a training image than 99% of these real
    # unseen images are.
    X_holdout = np.delete(X_test, eval_idx, axis=0)
    from sklearn_reinject.metrics import distance_to_closest_record
    copy_radius = float(np.percentile(
        distance_to_closest_record(X_holdout, X_train), 1))
    log(f"near-copy radius: {copy_radius:.3f}")

    teacher = SoftTargetClassifier(
        hidden_layer_sizes=(500, 500), max_epochs=ep["teacher"],
        batch_size=512, device=device, random_state=args.seed).fit(
        X_train, y_train)
    teacher_accuracy = float(teacher.score(X_test, y_test))
    log(f"teacher: test accuracy {teacher_accuracy:.4f}")
    student = SoftTargetClassifier(
        hidden_layer_sizes=(500, 500), max_epochs=ep["student_epochs"],
        batch_size=400, device=device, random_state=args.seed)

    gens = build_generators(ep, device, args.seed, len(X_gen))
    results, grids = {}, {}
    code_model = None
    for name, gen in gens.items():
        t0 = time.perf_counter()
        base, X_fit = None, X_gen
        if isinstance(gen, tuple):
            # A sampler over an autoencoder trained for an earlier row,
            # with that row's sampler settings where it has a sampler and
            # the changes given here.
            base, changes = gen
            trained = gens[base]
            kwargs = {k: v for k, v in trained.get_params(deep=False).items()
                      if k != "autoencoder"} if isinstance(
                trained, ReinjectionSampler) else {}
            if hasattr(trained, "init_"):
                # The earlier row's fitted start generator, not a new one.
                kwargs["init"] = FrozenEstimator(trained.init_)
            kwargs.update(changes)
            if kwargs.get("lam") == BASE_LAM:
                kwargs["lam"] = trained.lam_
            elif kwargs.get("lam") == "auto":
                # The earlier row's autoencoder never saw these rows.
                X_fit = X_cal
            trained = getattr(trained, "autoencoder_", trained)
            gen = ReinjectionSampler(FrozenEstimator(trained), **kwargs)
            gens[name] = gen
        elif getattr(gen, "lam", None) == "auto":
            # It holds out X_cal itself and trains on X_gen.
            if gen.random_state != args.seed:
                raise ValueError(f"{name}: a sampler with lam='auto' must "
                                 "be seeded with --seed to hold out X_cal.")
            X_fit = X_train
        init_row = getattr(gen, "init", None)
        if isinstance(init_row, EarlierRow):
            gen.set_params(init=FrozenEstimator(gens[init_row.name]))
        gen = gen.fit(X_fit)
        fit_s = time.perf_counter() - t0
        if base is not None:
            # It reuses a trained autoencoder: count that training too.
            fit_s += results[base]["fit_seconds"]
        if isinstance(init_row, EarlierRow):
            # And the start generator's training.
            fit_s += results[init_row.name]["fit_seconds"]
        if name == "reinjection, deep AE":
            # Frechet distances are measured in this autoencoder's codes.
            code_model = gen.autoencoder_
        t0 = time.perf_counter()
        samples = gen.sample(len(X_eval), random_state=args.seed)
        sample_s = (time.perf_counter() - t0) / len(X_eval) * 10_000
        res = evaluate(samples, X_eval, teacher, code_model, args.seed,
                       trees=args.c2st_trees)
        res.update(memorisation(samples, X_train, X_holdout, copy_radius,
                                args.seed))
        if hasattr(gen, "lam_grid_") or (
                base is not None and hasattr(gens[base], "lam_grid_")):
            res["lam"] = gen.lam_
        if base is not None:
            # The row whose trained network this one samples.
            res["network_of"] = base
        distiller = SyntheticDistiller(
            FrozenEstimator(teacher), FrozenEstimator(gen), clone(student),
            n_samples=ep["budget"], random_state=args.seed).fit(
            X_train[:100], y_train[:100])
        res.update(student_accuracy=float(distiller.score(X_test, y_test)),
                   fit_seconds=fit_s, sample_seconds=sample_s)
        results[name] = res
        grids[name] = samples[:8]
        log(f"{name}: MMD² {res['mmd2']:.4f}, student "
            f"{res['student_accuracy']:.4f}, fit {fit_s:.1f}s")
    return dict(profile=args.profile, dataset=args.dataset, settings=ep,
                seed=args.seed,
                device=device, versions=versions(device), command=" ".join(
                    sys.argv), results=results, copy_radius=copy_radius,
                teacher_accuracy=teacher_accuracy,
                n_train=len(X_train), n_fit=len(X_gen),
                n_calibration=len(X_cal), c2st_trees=args.c2st_trees,
                wall_seconds=time.perf_counter() - start), grids


def table_markdown(report):
    res = report["results"]
    names = list(res)
    generators = [n for n in names if n != REFERENCE]
    cols = columns(report)
    best = {}
    for key, _, higher in cols:
        vals = np.array([res[n][key] for n in generators])
        best[key] = vals.max() if higher else vals.min()
    header = ["generator"] + [f"{title} {'↑' if hi else '↓'}"
                              for _, title, hi in cols]
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join(["---"] * len(header)) + " |"]
    for n in names:
        cells = [n]
        for key, _, _ in cols:
            v = res[n][key]
            text = f"{v:.4f}" if abs(v) < 10 else f"{v:.1f}"
            bold = v == best[key] and n != REFERENCE
            cells.append(f"**{text}**" if bold else text)
        lines.append("| " + " | ".join(cells) + " |")
    winners = []
    for key, title, higher in cols:
        who = [n for n in generators if res[n][key] == best[key]]
        winners.append(f"- {title}: {', '.join(who)}")
    s = report["settings"]
    # Reports written before every generator shared one split lack it.
    fitted = (f"generators fitted on {report['n_fit']:,} training images, "
              f"`lam=auto` calibrated on the other "
              f"{report['n_calibration']:,}; ") if "n_fit" in report else ""
    lines += ["", f"{report.get('dataset', 'mnist')}, profile "
              f"`{report['profile']}`, device "
              f"`{report['device']}`, seed {report['seed']}; metrics on "
              f"{s['n_eval']} held-out test images; {fitted}"
              f"teacher test accuracy "
              f"{report.get('teacher_accuracy', float('nan')):.4f}; students "
              f"trained on "
              f"{s['budget']:,} synthetic samples ({s['student_epochs']} "
              f"epochs); sample s = seconds per 10,000 samples; wall time "
              f"{report['wall_seconds'] / 60:.1f} min.", "",
              "Best in each column:", *winners]
    lines += ["", "Memorisation (synthetic images against the "
              f"{report['n_train']:,} training images; held-out: the "
              "test images not used above; near copies: closer to a "
              "training image than 99% of held-out images are, radius "
              f"{report['copy_radius']:.3f}):", "",
              "| generator | " + " | ".join(t for _, t in PRIVACY_COLUMNS)
              + " | lam |", "| " + " | ".join(
                  ["---"] * (len(PRIVACY_COLUMNS) + 2)) + " |"]
    for n in names:
        lam = res[n].get("lam")
        lines.append("| " + " | ".join(
            [n] + [f"{res[n][k]:.4f}" for k, _ in PRIVACY_COLUMNS]
            + [f"{lam:.4g} (calibrated)" if lam is not None else ""]) + " |")
    return "\n".join(lines) + "\n"


def plot_grid(grids, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no samples PNG")
        return
    names = list(grids)
    fig, axes = plt.subplots(len(names), 8, figsize=(8, 1.05 * len(names)))
    for i, name in enumerate(names):
        for j in range(8):
            ax = axes[i, j]
            ax.imshow(grids[name][j].reshape(28, 28), cmap="gray_r",
                      vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[i, 0].set_ylabel(name, rotation=0, ha="right", va="center",
                              fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    p.add_argument("--device", default="auto")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("out/compare"))
    p.add_argument("--data-home", default=None)
    p.add_argument("--dataset", choices=["mnist", "fashion-mnist"],
                   default="mnist",
                   help="the images (every setting stays as chosen on MNIST)")
    p.add_argument("--epoch-cap", type=int, default=None)
    p.add_argument("--budget", type=int, default=None,
                   help="synthetic samples per student (override)")
    p.add_argument("--n-eval", type=int, default=None,
                   help="held-out images for the metrics (override)")
    p.add_argument("--n-train", type=int, default=None)
    p.add_argument("--c2st-trees", action="store_true",
                   help="add a C2ST column with gradient-boosted trees "
                        "(about 10 s per row)")
    args = p.parse_args(argv)
    report, grids = run(args)
    write_report(args.out, report,
                 {"comparison.md": table_markdown(report)})
    plot_grid(grids, args.out / "samples.png")
    print(table_markdown(report))
    return report


if __name__ == "__main__":
    main()
