"""Oversampling imbalanced tabular data: reinjection against SMOTE and kin.

Each problem is split 70/30 (stratified, per seed); the training part is
standardised (scaler fitted on it alone), resampled by each sampler with its
default parameters, and two classifiers are trained on the result:
``LogisticRegression`` and a ``RandomForestClassifier``. The untouched test
part gives balanced accuracy and macro F1. Every sampler sees the same
splits; nothing is tuned, on the test part or elsewhere: each sampler runs
with its defaults and the seed of the run.

Problems: ``make_classification`` at three imbalance ratios and two widths,
digits with two classes cut to 10 training rows, breast cancer with the
malignant class cut to 10% of the benign count, and wine with one class cut
to 10 rows. Samplers: none, ``RandomOverSampler``, ``SMOTE``, ``ADASYN``,
``BorderlineSMOTE`` (imbalanced-learn) and
``ReinjectionSampler(DenoisingAutoencoder())`` (this package). Needs
imbalanced-learn.

Writes ``results.json`` and ``imbalanced.md`` to ``--out``; ``--profile
smoke`` is the test suite's quick pass over the code.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.datasets import (load_breast_cancer, load_digits, load_wine,
                              make_classification)
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (make_log, markdown_table, versions,  # noqa: E402
                     write_report)

from sklearn_reinject import (DenoisingAutoencoder,  # noqa: E402
                              ReinjectionSampler)

PROFILES = {
    # Seeds per problem; "smoke" runs two small problems with one seed.
    "full": {"seeds": 5, "problems": "all"},
    "quick": {"seeds": 3, "problems": "all"},
    "smoke": {"seeds": 1, "problems": ["classification 20f 9:1",
                                       "wine, class 2 cut to 10"]},
}


def _cut(X, y, label, n_keep, seed):
    """Keep ``n_keep`` random rows of class ``label``."""
    rng = np.random.RandomState(seed)
    rows = np.flatnonzero(y == label)
    drop = rng.choice(rows, len(rows) - n_keep, replace=False)
    keep = np.ones(len(y), dtype=bool)
    keep[drop] = False
    return X[keep], y[keep]


def _classification(n_features, weight, class_sep=0.8):
    def make(seed):
        return make_classification(
            n_samples=2000, n_features=n_features, n_informative=5,
            weights=[1 - weight, weight], class_sep=class_sep,
            random_state=0)
    return make


def _digits_cut(seed):
    X, y = load_digits(return_X_y=True)
    # 10 training rows of 3 and 8 survive the 70/30 split on average.
    X, y = _cut(X, y, 3, 15, seed)
    return _cut(X, y, 8, 15, seed + 1)


def _breast_cancer_cut(seed):
    X, y = load_breast_cancer(return_X_y=True)
    n_benign = int(np.sum(y == 1))
    return _cut(X, y, 0, n_benign // 10, seed)


def _wine_cut(seed):
    X, y = load_wine(return_X_y=True)
    return _cut(X, y, 2, 15, seed)


PROBLEMS = {
    "classification 20f 9:1": _classification(20, 0.1),
    "classification 20f 19:1": _classification(20, 0.05),
    "classification 20f 49:1": _classification(20, 0.02),
    "classification 60f 9:1": _classification(60, 0.1),
    "digits, 3 and 8 cut to 15": _digits_cut,
    "breast cancer, malignant cut to 10%": _breast_cancer_cut,
    "wine, class 2 cut to 10": _wine_cut,
}


def samplers(seed, walk=None):
    """Every sampler with its default parameters and the run's seed.

    ``walk``: ``(n_steps, burn_in)`` for the reinjection row instead of
    its defaults (``--walk``).
    """
    from imblearn.over_sampling import (ADASYN, SMOTE, BorderlineSMOTE,
                                        RandomOverSampler)

    return {
        "none": None,
        "RandomOverSampler": RandomOverSampler(random_state=seed),
        "SMOTE": SMOTE(random_state=seed),
        "ADASYN": ADASYN(random_state=seed),
        "BorderlineSMOTE": BorderlineSMOTE(random_state=seed),
        "reinjection (DAE)": ReinjectionSampler(
            DenoisingAutoencoder(device="cpu"), random_state=seed,
            **({} if walk is None else dict(n_steps=walk[0],
                                            burn_in=walk[1]))),
    }


CLASSIFIERS = {
    "logistic": LogisticRegression(max_iter=2000),
    "forest": RandomForestClassifier(n_estimators=200, n_jobs=1),
}


def run_one(problem, seed, log, walk=None):
    """Scores of every sampler and classifier on one split."""
    X, y = PROBLEMS[problem](seed)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
    out = {}
    for name, sampler in samplers(seed, walk).items():
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                X_res, y_res = (X_tr, y_tr) if sampler is None else \
                    sampler.fit_resample(X_tr, y_tr)
        except (ValueError, RuntimeError) as exc:
            # ADASYN refuses problems where no minority row has a majority
            # neighbour; the table says so rather than hiding the row.
            out[name] = {"error": str(exc)[:200]}
            log(f"{problem} seed {seed} {name}: failed ({exc})")
            continue
        seconds = time.perf_counter() - start
        out[name] = {"seconds": seconds}
        for clf_name, clf in CLASSIFIERS.items():
            model = clone(clf).set_params(random_state=seed)
            model.fit(X_res, y_res)
            pred = model.predict(X_te)
            out[name][clf_name] = {
                "balanced_accuracy": balanced_accuracy_score(y_te, pred),
                "f1_macro": f1_score(y_te, pred, average="macro")}
        log(f"{problem} seed {seed} {name}: "
            f"{out[name]['logistic']['balanced_accuracy']:.3f} / "
            f"{out[name]['forest']['balanced_accuracy']:.3f} "
            f"({seconds:.2f} s)")
    return out


def summarise(runs):
    """Mean and std over seeds of every metric, per problem and sampler."""
    summary = {}
    for problem, per_seed in runs.items():
        summary[problem] = {}
        for name in per_seed[0]:
            ok = [r[name] for r in per_seed if "error" not in r[name]]
            entry = {"failed_seeds": len(per_seed) - len(ok)}
            if ok:
                entry["seconds"] = float(np.mean([r["seconds"] for r in ok]))
                for clf_name in CLASSIFIERS:
                    for metric in ("balanced_accuracy", "f1_macro"):
                        values = [r[clf_name][metric] for r in ok]
                        entry[f"{clf_name} {metric}"] = [
                            float(np.mean(values)), float(np.std(values))]
            summary[problem][name] = entry
    return summary


def verdicts(summary):
    """Per problem: does reinjection beat none, and match SMOTE?

    "Matches" means its mean balanced accuracy is at least SMOTE's minus
    the larger of the two seed standard deviations, for each classifier.
    """
    out = {}
    ours = "reinjection (DAE)"
    for problem, rows in summary.items():
        verdict = {}
        for clf_name in CLASSIFIERS:
            key = f"{clf_name} balanced_accuracy"
            mine, base, smote = rows[ours][key], rows["none"][key], \
                rows["SMOTE"][key]
            spread = max(mine[1], smote[1])
            verdict[clf_name] = {
                "beats_none": mine[0] > base[0],
                "matches_smote": mine[0] >= smote[0] - spread}
        out[problem] = verdict
    return out


def markdown(summary, verdict):
    parts = []
    for metric in ("balanced_accuracy", "f1_macro"):
        header = ["problem", "sampler", f"logistic {metric}",
                  f"forest {metric}", "resampling time (s)"]
        rows = []
        for problem, entries in summary.items():
            for name, entry in entries.items():
                if "seconds" not in entry:
                    rows.append([problem, name, "failed", "failed", ""])
                    continue
                cells = [f"{entry[f'{c} {metric}'][0]:.3f} ± "
                         f"{entry[f'{c} {metric}'][1]:.3f}"
                         for c in CLASSIFIERS]
                rows.append([problem, name, *cells,
                             f"{entry['seconds']:.2f}"])
        parts.append(markdown_table(rows, header))
    header = ["problem", "beats none (logistic, forest)",
              "matches SMOTE within seed spread (logistic, forest)"]
    rows = [[p, ", ".join("yes" if v[c]["beats_none"] else "no"
                          for c in CLASSIFIERS),
             ", ".join("yes" if v[c]["matches_smote"] else "no"
                       for c in CLASSIFIERS)]
            for p, v in verdict.items()]
    parts.append(markdown_table(rows, header))
    return "\n\n".join(parts) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=sorted(PROFILES),
                        default="quick")
    parser.add_argument("--out", type=Path, default=Path("."))
    parser.add_argument("--walk", type=int, nargs=2, default=None,
                        metavar=("N_STEPS", "BURN_IN"),
                        help="walk length of the reinjection row instead "
                             "of the sampler's defaults (10 steps, 2 "
                             "burnt)")
    args = parser.parse_args(argv)
    settings = PROFILES[args.profile]
    problems = list(PROBLEMS) if settings["problems"] == "all" else \
        settings["problems"]
    log = make_log()
    start = time.perf_counter()
    runs = {p: [run_one(p, seed, log, args.walk)
                for seed in range(settings["seeds"])] for p in problems}
    summary = summarise(runs)
    verdict = verdicts(summary)
    report = {"profile": args.profile, "settings": settings,
              "walk": args.walk,
              "versions": versions("cpu"), "command": " ".join(sys.argv),
              "wall_seconds": time.perf_counter() - start,
              "summary": summary, "verdicts": verdict, "runs": runs}
    write_report(args.out, report,
                 {"imbalanced.md": markdown(summary, verdict)}, indent=1)
    print(markdown(summary, verdict))
    return report


if __name__ == "__main__":
    main()
