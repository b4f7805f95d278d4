"""Does the refining DAE rescue reinjection walks that start from noise?

The generator comparison's best row starts a small-noise DAE's walks from a
VAE's ancestral samples: one reinjection at ``lam = 2 * 0.1**2``, then
the final denoising step (``n_steps=2, burn_in=1, output="mean"``). This
script asks whether the VAE is
needed: it starts the same refinement from the Table I shallow DAE's
walks from ``N(0, I)`` (``lam = 0.1``, the paper's setting), with and
without the per-pixel moment map, and compares them with the shallow
DAE's own walks, the refining DAE walked from noise on its own, the VAE's
ancestral samples and the VAE-started refinement. Every network trains on
training images 0-49,999 (shapes and epochs of the comparison's quick
profile); samples are scored against images 50,000-51,999 (MMD², Fréchet
distance in the codes of a deep AE trained on the same images, logistic
C2ST AUC, normalised entropy of the teacher's labels), and a student
trained on 50,000 teacher-labelled samples is scored on images
52,000-59,999. The test images are never read. Writes ``results.json``
and ``refinement.md`` to ``--out``.

    python benchmarks/noise_refinement.py --seeds 0 1 --out out/noise_refinement
"""

import argparse
import sys
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import make_log, markdown_table, versions, write_report  # noqa: E402
from reproduce_table1 import make_autoencoder  # noqa: E402

#: The refinement of benchmarks/compare_generators.py.
REFINE = dict(lam=0.02, n_steps=2, burn_in=1, output="mean")

#: Rows in the order of the table: (name, start, sampler settings). The
#: start is the generator whose samples the refining DAE walks from, or
#: None for a generator sampled as it is.
ROWS = [
    ("shallow DAE from noise", None, "shallow"),
    ("shallow DAE from noise, moments matched", None, "shallow matched"),
    ("shallow DAE samples + DAE reinjection, mean output", "shallow", {}),
    ("shallow DAE samples + DAE reinjection, mean output, moments matched",
     "shallow", {"match_moments": True}),
    ("refining DAE from noise, 10 steps, mean output", None, "refiner"),
    ("VAE ancestral", None, "vae"),
    ("VAE samples + DAE reinjection, mean output, moments matched", "vae",
     {"match_moments": True}),
]
METRICS = [("mmd2", "MMD²", 4), ("frechet", "Fréchet (AE codes)", 1),
           ("c2st_auc", "C2ST AUC", 3), ("label_entropy", "label entropy", 3),
           ("student_accuracy", "student acc.", 4)]


def run(args):
    from sklearn.base import clone
    from sklearn.frozen import FrozenEstimator

    from sklearn_reinject import (DenoisingAutoencoder, ReinjectionSampler,
                                  SoftTargetClassifier, SyntheticDistiller,
                                  VariationalAutoencoder)
    from sklearn_reinject.datasets import load_mnist
    from sklearn_reinject.metrics import (class_balance,
                                          classifier_two_sample_auc,
                                          frechet_distance, median_heuristic,
                                          mmd2_unbiased)

    log = make_log()
    start = time.perf_counter()
    X, y, _, _ = load_mnist(args.data_home, return_X_y=True)
    n_fit = args.n_fit
    X_fit, y_fit = X[:n_fit], y[:n_fit]
    X_eval = X[n_fit:n_fit + args.n_eval]
    X_stu, y_stu = X[n_fit + args.n_eval:], y[n_fit + args.n_eval:]
    bandwidth = median_heuristic(X_eval)
    results = {name: [] for name, _, _ in ROWS}
    for seed in args.seeds:
        teacher = SoftTargetClassifier(
            hidden_layer_sizes=(500, 500), max_epochs=args.teacher_epochs,
            batch_size=512, device="cpu", random_state=seed).fit(X_fit, y_fit)
        code = make_autoencoder("deep AE", args.deep_epochs, "cpu",
                                seed).fit(X_fit)
        shallow = make_autoencoder("shallow DAE", args.shallow_epochs, "cpu",
                                   seed).fit(X_fit)
        vae = VariationalAutoencoder(
            hidden_layer_sizes=(400, 20), loss="bce",
            max_epochs=args.vae_epochs, batch_size=32, device="cpu",
            random_state=seed).fit(X_fit)
        refiner = DenoisingAutoencoder(
            hidden_layer_sizes=(1000, 500), loss="bce", noise_std=0.1,
            max_epochs=args.refiner_epochs, batch_size=128, device="cpu",
            random_state=seed).fit(X_fit)
        log(f"seed {seed}: teacher {teacher.score(X_stu, y_stu):.4f} on "
            "the student images; networks trained")
        shallow_walks = ReinjectionSampler(FrozenEstimator(shallow), lam=0.1,
                                           random_state=seed).fit(X_fit)
        alone = {
            "shallow": shallow_walks,
            "shallow matched": ReinjectionSampler(
                FrozenEstimator(shallow), lam=0.1, match_moments=True,
                random_state=seed).fit(X_fit),
            "refiner": ReinjectionSampler(
                FrozenEstimator(refiner), lam=REFINE["lam"], n_steps=10,
                output="mean", random_state=seed).fit(X_fit),
            "vae": vae,
        }
        starts = {"shallow": shallow_walks, "vae": vae}
        student = SoftTargetClassifier(
            hidden_layer_sizes=(500, 500), max_epochs=args.student_epochs,
            batch_size=400, device="cpu", random_state=seed)
        for name, init, settings in ROWS:
            if init is None:
                gen = alone[settings]
            else:
                gen = ReinjectionSampler(
                    FrozenEstimator(refiner), init=FrozenEstimator(
                        starts[init]), random_state=seed, **REFINE,
                    **settings).fit(X_fit)
            samples = gen.sample(len(X_eval), random_state=seed)
            distiller = SyntheticDistiller(
                FrozenEstimator(teacher), FrozenEstimator(gen),
                clone(student), n_samples=args.budget,
                random_state=seed).fit(X_fit[:100], y_fit[:100])
            res = dict(
                seed=seed,
                mmd2=float(mmd2_unbiased(samples, X_eval,
                                         bandwidth=bandwidth)),
                frechet=float(frechet_distance(samples, X_eval,
                                               transformer=code)),
                c2st_auc=float(classifier_two_sample_auc(
                    X_eval, samples, random_state=seed)),
                label_entropy=float(class_balance(
                    teacher, samples)["normalized_entropy"]),
                student_accuracy=float(distiller.score(X_stu, y_stu)))
            results[name].append(res)
            log(f"seed {seed}: {name}: " + ", ".join(
                f"{title} {res[key]:.{digits}f}"
                for key, title, digits in METRICS))
    return dict(settings=dict(vars(args), out=str(args.out)),
                results=results, versions=versions("cpu"),
                command=" ".join(sys.argv),
                wall_seconds=time.perf_counter() - start)


def table_markdown(report):
    rows = []
    for name, runs in report["results"].items():
        # round(...) + 0.0 prints a rounded -0.0 as 0.
        rows.append([name] + [" / ".join(
            f"{round(r[key], digits) + 0.0:.{digits}f}" for r in runs)
            for key, _, digits in METRICS])
    s = report["settings"]
    return (markdown_table(rows, ["generator"] + [
        f"{title} (per seed)" for _, title, _ in METRICS])
        + f"\n\nSeeds {s['seeds']}; {report['wall_seconds'] / 60:.1f} "
        "min.\n")


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--out", type=Path, default=Path("out/noise_refinement"))
    p.add_argument("--data-home", default=None)
    p.add_argument("--n-fit", type=int, default=50_000,
                   help="training images the networks are fitted on")
    p.add_argument("--n-eval", type=int, default=2_000,
                   help="next training images, the samples' reference")
    p.add_argument("--teacher-epochs", type=int, default=10)
    p.add_argument("--deep-epochs", type=int, default=5,
                   help="epochs of the deep AE whose codes the Fréchet "
                        "distance uses")
    p.add_argument("--shallow-epochs", type=int, default=25)
    p.add_argument("--vae-epochs", type=int, default=20)
    p.add_argument("--refiner-epochs", type=int, default=5)
    p.add_argument("--student-epochs", type=int, default=10)
    p.add_argument("--budget", type=int, default=50_000,
                   help="synthetic samples per student")
    args = p.parse_args(argv)
    report = run(args)
    write_report(args.out, report,
                 {"refinement.md": table_markdown(report)})
    print(table_markdown(report))
    return report


if __name__ == "__main__":
    main()
