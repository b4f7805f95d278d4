"""Students from a VAE's ancestral samples and from reinjection, over seeds.

The generator comparison (``compare_generators.py``) runs every generator
once. Its student column separates the best rows by a few tenths of a
point, about what one seed moves a student. This script measures that
column's spread for the rows that matter, without touching the test set:
the first 50,000 MNIST training images train the teacher, the VAEs and the
students; the last 10,000 training images score them.

For each seed:

- ``ReinjectionSampler(VAE, lam="auto", init="prior", n_steps=3,
  burn_in=0)`` as in the comparison: the VAE is trained on 90% of the
  50,000 images and ``lam_`` is chosen on the other 10%. Rows: its
  ancestral samples, its reinjection states, and their final denoising
  step (``output="mean"``) at the same ``lam_``;
- a VAE with the same settings and seed trained on all 50,000 images. Rows:
  its ancestral samples, and reinjection at the ``lam_`` calibrated above
  (all three states of each walk; the last state only; one step; the last
  state's final denoising step), and a hotter chain at ``lam = 0.4``
  (three states, and their final denoising step).

- the same VAE's ancestral samples refined by a small-noise DAE (1000,
  500), ``noise_std=0.1`` (the default), ``loss="bce"``, trained on the
  50,000 images: ``ReinjectionSampler(dae, init=vae, lam=0.02, n_steps=2,
  burn_in=1, output="mean")``, one reinjection at the DAE's matched
  ``lam = 2 * 0.1**2`` and the final denoising step.
- the two rows ``compare_generators.py`` adds with a learning rate decayed
  to zero (a cosine over the batches, ``_common.cosine_lr``): the
  ancestral samples of a VAE so trained, and the refining row above with
  its DAE so trained (the VAE that starts the walks keeps the constant
  rate).

Each student (500, 500) learns the teacher's soft labels on 50,000 samples
for 10 epochs, as in the comparison. How ambiguous each generator's samples
look to the teacher is measured on the 2,000 samples that MMD² scores: the
mean entropy of the teacher's probabilities (base 10, so 1 is uniform) and
the share of samples whose top class has probability below 0.9. Each
generator's 2,000 samples are also told apart from the 2,000 validation
images by ``classifier_two_sample_auc`` (logistic regression, 5 folds; 0.5
is indistinguishable). Torch runs on one thread, so results repeat exactly
on one machine. Writes ``results.json`` and ``students.md`` to ``--out``.

    python benchmarks/vae_students.py --seeds 0 1 2 --out out/vae_students
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (cosine_lr, make_log, markdown_table,  # noqa: E402
                     versions, write_report)

#: Rows in the order of the table: (name, VAE, sampler settings or None).
ROWS = [
    ("VAE (90%) ancestral", "90%", None),
    ("VAE (90%) + reinjection, lam=auto, 3 states", "90%", {}),
    ("VAE (90%) + reinjection, lam=auto, 3 states, mean output", "90%",
     {"output": "mean"}),
    ("VAE (all) ancestral", "all", None),
    ("VAE (all) + reinjection, 3 states", "all", {}),
    ("VAE (all) + reinjection, last of 3 states", "all", {"burn_in": 2}),
    ("VAE (all) + reinjection, 1 step", "all", {"n_steps": 1}),
    ("VAE (all) + reinjection, last of 3 states, mean output", "all",
     {"burn_in": 2, "output": "mean"}),
    ("VAE (all) + reinjection, lam=0.4, 3 states", "all", {"lam": 0.4}),
    ("VAE (all) + reinjection, lam=0.4, 3 states, mean output", "all",
     {"lam": 0.4, "output": "mean"}),
    ("VAE (all) samples + DAE reinjection, 2 steps, mean output", "refiner",
     None),
    ("VAE (all, cosine lr) ancestral", "all, cosine lr", None),
    ("VAE (all) samples + DAE (cosine lr) reinjection, 2 steps, mean output",
     "cosine refiner", None),
]


def teacher_ambiguity(teacher, X):
    """Mean entropy (base 10) of the teacher's probabilities, share < 0.9."""
    proba = np.clip(teacher.predict_proba(X), 1e-12, 1.0)
    entropy = -(proba * np.log(proba)).sum(axis=1) / np.log(proba.shape[1])
    return float(entropy.mean()), float(np.mean(proba.max(axis=1) < 0.9))


def run(args):
    from sklearn.base import clone
    from sklearn.frozen import FrozenEstimator

    from sklearn_reinject import (DenoisingAutoencoder, ReinjectionSampler,
                                  SoftTargetClassifier, SyntheticDistiller,
                                  VariationalAutoencoder)
    from sklearn_reinject.datasets import load_mnist
    from sklearn_reinject.metrics import (classifier_two_sample_auc,
                                          median_heuristic, mmd2_unbiased)

    torch.set_num_threads(1)
    log = make_log()
    start = time.perf_counter()
    X, y, _, _ = load_mnist(args.data_home, return_X_y=True)
    n_fit = min(args.n_train, len(X) - args.n_val)
    X_fit, y_fit = X[:n_fit], y[:n_fit]
    X_val, y_val = X[-args.n_val:], y[-args.n_val:]
    X_mmd = X_val[:2000]
    bandwidth = median_heuristic(X_mmd)

    teacher = SoftTargetClassifier(
        hidden_layer_sizes=(500, 500), max_epochs=args.teacher_epochs,
        batch_size=512, device="cpu", random_state=0).fit(X_fit, y_fit)
    teacher_acc = float(teacher.score(X_val, y_val))
    real_entropy, real_unsure = teacher_ambiguity(teacher, X_mmd)
    log(f"teacher: validation accuracy {teacher_acc:.4f}")
    student = SoftTargetClassifier(
        hidden_layer_sizes=(500, 500), max_epochs=args.student_epochs,
        batch_size=400, device="cpu", random_state=0)

    def vae(seed, callbacks=None):
        return VariationalAutoencoder(
            hidden_layer_sizes=(400, 20), loss="bce",
            max_epochs=args.vae_epochs, batch_size=32, callbacks=callbacks,
            device="cpu", random_state=seed)

    def dae(seed, callbacks=None):
        return DenoisingAutoencoder(
            hidden_layer_sizes=(1000, 500), loss="bce", noise_std=0.1,
            max_epochs=args.dae_epochs, batch_size=128, callbacks=callbacks,
            device="cpu", random_state=seed)

    chain = dict(init="prior", n_steps=3, burn_in=0)
    results = {name: [] for name, _, _ in ROWS}
    lams = []
    for seed in args.seeds:
        auto = ReinjectionSampler(vae(seed), lam="auto", random_state=seed,
                                  **chain).fit(X_fit)
        lams.append(auto.lam_)
        vaes = {"90%": auto.autoencoder_, "all": vae(seed).fit(X_fit),
                "all, cosine lr": vae(seed, cosine_lr(
                    n_fit, 32, args.vae_epochs)).fit(X_fit)}
        daes = {"refiner": dae(seed).fit(X_fit),
                "cosine refiner": dae(seed, cosine_lr(
                    n_fit, 128, args.dae_epochs)).fit(X_fit)}
        log(f"seed {seed}: VAEs and DAEs trained, lam_ {auto.lam_:.4g}")
        for name, which, settings in ROWS:
            if which in daes:
                gen = ReinjectionSampler(
                    FrozenEstimator(daes[which]),
                    init=FrozenEstimator(vaes["all"]),
                    lam=0.02, n_steps=2, burn_in=1, output="mean")
            elif settings is None:
                gen = vaes[which]
            else:
                gen = ReinjectionSampler(FrozenEstimator(vaes[which]),
                                         **{"lam": auto.lam_, **chain,
                                            **settings})
            distiller = SyntheticDistiller(
                FrozenEstimator(teacher), FrozenEstimator(gen),
                clone(student), n_samples=args.budget,
                random_state=seed).fit(X_fit[:100], y_fit[:100])
            acc = float(distiller.score(X_val, y_val))
            X_gen = gen.sample(len(X_mmd), random_state=seed)
            mmd2 = float(mmd2_unbiased(X_gen, X_mmd, bandwidth=bandwidth))
            c2st = classifier_two_sample_auc(X_mmd, X_gen,
                                             random_state=seed)
            entropy, unsure = teacher_ambiguity(teacher, X_gen)
            results[name].append(dict(seed=seed, accuracy=acc, mmd2=mmd2,
                                      c2st_auc=c2st,
                                      teacher_entropy=entropy,
                                      teacher_unsure_share=unsure))
            log(f"seed {seed}: {name}: student {acc:.4f}, MMD² {mmd2:.4f}, "
                f"C2ST AUC {c2st:.3f}, teacher entropy {entropy:.3f}")
    return dict(settings=dict(vars(args), out=str(args.out)), lams=lams,
                teacher_accuracy=teacher_acc, results=results,
                real_teacher_entropy=real_entropy,
                real_teacher_unsure_share=real_unsure,
                versions=versions("cpu"), command=" ".join(sys.argv),
                wall_seconds=time.perf_counter() - start)


def table_markdown(report):
    rows = []
    for name, runs in report["results"].items():
        acc = np.array([r["accuracy"] for r in runs])
        mmd2 = np.array([r["mmd2"] for r in runs])
        entropy = np.mean([r["teacher_entropy"] for r in runs])
        unsure = np.mean([r["teacher_unsure_share"] for r in runs])
        # Reports written before the column existed have no C2ST.
        c2st = [r["c2st_auc"] for r in runs if "c2st_auc" in r]
        rows.append([name, f"{acc.mean():.4f} ± {acc.std():.4f}",
                     " / ".join(f"{a:.4f}" for a in acc),
                     f"{mmd2.mean():.4f}",
                     " / ".join(f"{a:.3f}" for a in c2st) or "-",
                     f"{entropy:.3f}", f"{unsure:.3f}"])
    s = report["settings"]
    return (markdown_table(rows, ["generator", "student acc. (mean ± std)",
                                  "per seed", "MMD²", "C2ST AUC per seed",
                                  "teacher entropy", "top class < 0.9"])
            + f"\n\nSeeds {s['seeds']}; teacher {report['teacher_accuracy']:.4f}"
            f" on the {s['n_val']} validation images; lam_ per seed "
            f"{[round(v, 4) for v in report['lams']]}; teacher entropy "
            f"{report['real_teacher_entropy']:.3f} (top class < 0.9: "
            f"{report['real_teacher_unsure_share']:.3f}) on "
            f"{min(2000, s['n_val']):,} validation images; "
            f"{report['wall_seconds'] / 60:.1f} min.\n")


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--out", type=Path, default=Path("out/vae_students"))
    p.add_argument("--data-home", default=None)
    p.add_argument("--n-train", type=int, default=50_000,
                   help="training images for the teacher, VAEs and students")
    p.add_argument("--n-val", type=int, default=10_000,
                   help="last training images, held out to score students")
    p.add_argument("--teacher-epochs", type=int, default=10)
    p.add_argument("--vae-epochs", type=int, default=20)
    p.add_argument("--dae-epochs", type=int, default=5,
                   help="epochs of the refining DAE")
    p.add_argument("--student-epochs", type=int, default=10)
    p.add_argument("--budget", type=int, default=50_000,
                   help="synthetic samples per student")
    args = p.parse_args(argv)
    report = run(args)
    write_report(args.out, report, {"students.md": table_markdown(report)})
    print(table_markdown(report))
    return report


if __name__ == "__main__":
    main()
