"""The default student of ``SyntheticDistiller``: batch size and learning rate.

The distiller's student learns from ``n_samples`` (10,000) fresh synthetic
rows, far more than the small tables its teacher learns from, and most
of a small fit's time is the student's gradient steps. This script
compares two students with every other distiller parameter at its
default: ``SoftTargetClassifier()`` (batch 128, ``lr=1e-3``; 1,580 steps
on 10,000 rows) and ``SoftTargetClassifier(batch_size=512, lr=3e-3)``
(500 steps).

- Small tables that ship with scikit-learn (iris, wine, digits):
  standardised inside each fold (``--no-scaling``: as they come),
  stratified 3-fold cross-validation, three seeds (the folds' and the
  distiller's).
- MNIST and Fashion-MNIST: 10,000 training images per seed from images
  0-49,999, scored on images 50,000-59,999; the test images are never
  read.

Writes ``results.json`` and ``students.md`` to ``--out``. About 5 minutes
on 2 CPU cores.

    python benchmarks/distiller_student_setting.py --out out/distiller_student
    python benchmarks/distiller_student_setting.py --datasets iris wine \
        --no-scaling --seeds 0 1 2 3 4 --out out/distiller_student_unscaled
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import make_log, versions, write_report  # noqa: E402

#: Student parameters of each compared setting.
STUDENTS = {
    "SoftTargetClassifier()": {},
    "SoftTargetClassifier(batch_size=512, lr=3e-3)": dict(batch_size=512,
                                                          lr=3e-3),
}
SMALL = ("iris", "wine", "digits")
IMAGES = ("MNIST", "Fashion-MNIST")
#: Training images the students are scored on, never trained on.
VALIDATION = slice(50_000, 60_000)


def distiller(params, seed, device):
    from sklearn_reinject import SoftTargetClassifier, SyntheticDistiller

    return SyntheticDistiller(
        student=SoftTargetClassifier(device=device, **params),
        random_state=seed)


def small_scores(name, params, seeds, device, scale=True):
    from sklearn import datasets
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    scores = []
    for seed in seeds:
        folds = StratifiedKFold(3, shuffle=True, random_state=seed)
        for train, test in folds.split(X, y):
            scaler = StandardScaler(with_mean=scale, with_std=scale).fit(
                X[train])
            model = distiller(params, seed, device).fit(
                scaler.transform(X[train]).astype(np.float32), y[train])
            scores.append(float(model.score(
                scaler.transform(X[test]).astype(np.float32), y[test])))
    return scores


def image_scores(name, params, seeds, device, data_home, n_train):
    from sklearn_reinject.datasets import load_fashion_mnist, load_mnist

    loader = {"MNIST": load_mnist, "Fashion-MNIST": load_fashion_mnist}[name]
    X, y = loader(data_home, subset="train", return_X_y=True)
    X_val, y_val = X[VALIDATION], y[VALIDATION]
    scores = []
    for seed in seeds:
        rows = np.random.RandomState(seed).choice(VALIDATION.start, n_train,
                                                  replace=False)
        model = distiller(params, seed, device).fit(X[rows], y[rows])
        scores.append(float(model.score(X_val, y_val)))
    return scores


def run(args):
    log = make_log()
    start = time.perf_counter()
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for data_name in args.datasets:
            for name, params in STUDENTS.items():
                t0 = time.perf_counter()
                if data_name in SMALL:
                    scores = small_scores(data_name, params, args.seeds,
                                          args.device, not args.no_scaling)
                else:
                    scores = image_scores(data_name, params, args.seeds,
                                          args.device, args.data_home,
                                          args.n_train)
                entry = dict(scores=scores,
                             seconds_per_fit=(time.perf_counter() - t0)
                             / len(scores))
                results.setdefault(data_name, {})[name] = entry
                log(f"{data_name} {name}: {np.mean(scores):.4f} ± "
                    f"{np.std(scores):.4f} "
                    f"({entry['seconds_per_fit']:.2f} s per fit)")
    return dict(students=STUDENTS, results=results, seeds=args.seeds,
                scaled=not args.no_scaling,
                n_train=args.n_train, versions=versions(args.device),
                command=" ".join(sys.argv),
                wall_seconds=time.perf_counter() - start)


def table_markdown(report):
    lines = ["| data | student | accuracy (mean ± std) | seconds per fit |",
             "| --- | --- | --- | --- |"]
    for data_name, rows in report["results"].items():
        for name, entry in rows.items():
            scores = entry["scores"]
            lines.append(f"| {data_name} | `{name}` | {np.mean(scores):.4f} "
                         f"± {np.std(scores):.4f} | "
                         f"{entry['seconds_per_fit']:.2f} |")
    lines.append("")
    lines.append(
        "`SyntheticDistiller` defaults but the student; small tables "
        f"({'standardised' if report.get('scaled', True) else 'unscaled'}): "
        f"stratified 3-fold cross-validation, seeds {report['seeds']}; "
        f"images: {report['n_train']} training images per seed, scored on "
        f"images 50,000-59,999; {report['wall_seconds'] / 60:.1f} min.")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", nargs="+", default=[*SMALL, *IMAGES],
                   choices=[*SMALL, *IMAGES])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--n-train", type=int, default=10_000)
    p.add_argument("--no-scaling", action="store_true",
                   help="fit the small tables as they come")
    p.add_argument("--device", default="cpu")
    p.add_argument("--data-home", default=None)
    p.add_argument("--out", type=Path, default=Path("out/distiller_student"))
    args = p.parse_args(argv)
    report = run(args)
    table = table_markdown(report)
    write_report(args.out, report, {"students.md": table})
    print(table)
    return report


if __name__ == "__main__":
    main()
