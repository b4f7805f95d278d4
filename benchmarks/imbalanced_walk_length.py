"""Walk length of tabular reinjection, measured without the test parts.

``compare_imbalanced.py`` scores every sampler on the test part of a 70/30
split of each problem. This script never touches those test parts: it
splits each *training* part again (70/30, stratified, same seeds),
standardises on the inner part, resamples it with
``ReinjectionSampler(DenoisingAutoencoder())`` at several walk lengths, and
scores the same two classifiers on the inner validation part. It also
measures how close each walk length's new rows are to the rows of the
class they were drawn for (energy distance to the class's inner training
rows, in standard units). The sampler's default, the paper's 10 steps with
2 burnt, is the first column; the others start the same walks from the
class's own means and variances and keep every state.

``--compare lam`` runs the same protocol over ``lam`` instead, with the
default walks: the default 0.1, 0.05, the autoencoder's matched value
0.02 (``2 * noise_std**2``) and ``lam="auto"`` calibrated per class.
``--compare init`` starts the walks from the class's own rows
(``init="data"``) at several walk lengths, against the default start.
``--compare moments`` maps the new rows onto their class's per-feature
means and standard deviations (``match_moments``) or leaves them as the
walks end.

Writes ``results.json`` and ``walk_length.md`` (``lam.md`` with ``--compare
lam``, ``init.md`` with ``--compare init``, ``moments.md`` with
``--compare moments``) to ``--out``. About 3 minutes
on 2 CPU cores; ``--profile smoke`` is the test suite's quick pass.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import make_log, versions, write_report  # noqa: E402
from compare_imbalanced import CLASSIFIERS, PROBLEMS  # noqa: E402

#: Walk lengths compared: (n_steps, burn_in).
WALKS = {"10 steps, 2 burnt (the paper's)": (10, 2), "1 step": (1, 0),
         "2 steps": (2, 0), "3 steps": (3, 0)}
#: Values of lam compared with ``--compare lam`` (default walks).
LAMS = {"lam=0.1 (the default)": 0.1, "lam=0.05": 0.05,
        "lam=0.02 (matched)": 0.02, "lam='auto' per class": "auto"}
#: Sampler parameters of each column, per comparison.
COMPARISONS = {
    "walks": {name: dict(n_steps=n_steps, burn_in=burn_in)
              for name, (n_steps, burn_in) in WALKS.items()},
    "lam": {name: dict(lam=lam) for name, lam in LAMS.items()},
    # Walks from the class's own rows: fit_resample has them at hand and
    # discards its per-class samplers, so nothing of them is kept.
    "init": {"normal init, 10 steps, 2 burnt (the default)": {},
             "data init, 1 step": dict(init="data", n_steps=1, burn_in=0),
             "data init, 3 steps": dict(init="data", n_steps=3, burn_in=0),
             "data init, 10 steps, 2 burnt": dict(init="data")},
    "moments": {"walks as they end (match_moments=False)":
                dict(match_moments=False),
                "moments matched (match_moments=True)":
                dict(match_moments=True)},
}
PROFILES = {"full": dict(seeds=5, problems=list(PROBLEMS)),
            "smoke": dict(seeds=1, problems=["wine, class 2 cut to 10"])}


def run(args):
    from sklearn_reinject import DenoisingAutoencoder, ReinjectionSampler
    from sklearn_reinject.metrics import energy_distance

    profile = PROFILES[args.profile]
    settings = COMPARISONS[args.compare]
    start = time.perf_counter()
    log = make_log()
    scores = {name: {} for name in settings}
    distances = {name: {} for name in settings}
    for problem in profile["problems"]:
        for seed in range(profile["seeds"]):
            X, y = PROBLEMS[problem](seed)
            # The benchmark's split; its test part is dropped here.
            X_tr, _, y_tr, _ = train_test_split(
                X, y, test_size=0.3, stratify=y, random_state=seed)
            X_in, X_val, y_in, y_val = train_test_split(
                X_tr, y_tr, test_size=0.3, stratify=y_tr, random_state=seed)
            scaler = StandardScaler().fit(X_in)
            X_in, X_val = scaler.transform(X_in), scaler.transform(X_val)
            for name, params in settings.items():
                sampler = ReinjectionSampler(
                    DenoisingAutoencoder(device="cpu"), random_state=seed,
                    **params)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    X_res, y_res = sampler.fit_resample(X_in, y_in)
                # fit_resample appends the new rows after the given ones.
                X_new, y_new = X_res[len(X_in):], y_res[len(X_in):]
                for label in np.unique(y_new):
                    distances[name].setdefault(problem, []).append(
                        energy_distance(X_new[y_new == label],
                                        X_in[y_in == label]))
                for clf_name, clf in CLASSIFIERS.items():
                    model = clone(clf).set_params(random_state=seed)
                    pred = model.fit(X_res, y_res).predict(X_val)
                    scores[name].setdefault(f"{problem} ({clf_name})",
                                            []).append(
                        balanced_accuracy_score(y_val, pred))
            log(f"{problem} seed {seed} done")
    summary = {name: {row: [float(np.mean(v)), float(np.std(v))]
                      for row, v in rows.items()}
               for name, rows in scores.items()}
    overall = {name: float(np.mean([m for m, _ in rows.values()]))
               for name, rows in summary.items()}
    energy = {name: {problem: float(np.mean(v)) for problem, v in
                     rows.items()} for name, rows in distances.items()}
    return dict(profile=args.profile, compare=args.compare,
                settings=settings, summary=summary,
                overall=overall, energy=energy, versions=versions("cpu"),
                command=" ".join(sys.argv),
                wall_seconds=time.perf_counter() - start)


def table_markdown(report):
    names = list(report["settings"])
    lines = ["| problem (classifier) | " + " | ".join(names) + " |",
             "| " + " | ".join(["---"] * (len(names) + 1)) + " |"]
    rows = report["summary"][names[0]]
    for row in rows:
        cells = [f"{report['summary'][n][row][0]:.3f} ± "
                 f"{report['summary'][n][row][1]:.3f}" for n in names]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    lines.append("| **mean over the rows** | " + " | ".join(
        f"**{report['overall'][n]:.4f}**" for n in names) + " |")
    lines += ["", "Balanced accuracy on inner validation parts of the "
              "benchmark's training parts (mean ± std over seeds).", "",
              "| problem | " + " | ".join(names) + " |",
              "| " + " | ".join(["---"] * (len(names) + 1)) + " |"]
    for problem in report["energy"][names[0]]:
        lines.append(f"| {problem} | " + " | ".join(
            f"{report['energy'][n][problem]:.3f}" for n in names) + " |")
    lines += ["", "Energy distance of the new rows to the rows of their "
              "class (standard units; lower is closer; mean over seeds and "
              f"raised classes); wall time {report['wall_seconds'] / 60:.1f}"
              " min."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--profile", choices=sorted(PROFILES), default="full")
    p.add_argument("--compare", choices=sorted(COMPARISONS),
                   default="walks",
                   help="columns: walk lengths (default), values of lam, "
                        "walk starts or moment matching")
    p.add_argument("--out", type=Path, default=Path("out/walk_length"))
    args = p.parse_args(argv)
    report = run(args)
    name = {"walks": "walk_length.md"}.get(args.compare,
                                           f"{args.compare}.md")
    write_report(args.out, report, {name: table_markdown(report)})
    print(table_markdown(report))
    return report


if __name__ == "__main__":
    main()
