"""Choose Table I's student sampling setting without the test images.

``reproduce_table1.py`` has an extra row that samples the paper's deep AE
for a student with a hotter chain and the final denoising step. This script
is where that setting was chosen: the teacher, the deep AE and the
students learn from MNIST training images 0-49,999 and are scored on
images 50,000-59,999, never on the test set. Each candidate feeds an
online student exactly as in Table I (same teacher, autoencoder, student,
walks, steps and seeds as the quick profile), for 20 student epochs: the
quick profile's budget when the setting was chosen (it now trains the
paper's 50).

Candidates: ``lam = 0.1`` (the paper's, and what ``lam="auto"`` chooses for
this autoencoder) with the noisy states and with the mean output, for the
deep AE trained on all 50,000 images and for the one that ``lam="auto"``
trains on 90% of them; ``lam = 0.2``, ``0.4``, ``0.8`` and ``1.6`` with
the mean output.

``--candidates schedules`` tries the chosen setting (``lam = 0.4``, mean
output) with learning rates decayed to zero instead: the deep AE's (a
cosine over its batches), the online student's (a cosine over its steps),
both, and the student on the fitting images with and without it.

``--candidates ae_epochs`` tries the chosen setting with the deep AE
trained for 5 epochs (the quick profile's count, and the count of every
other candidate here) and for 20.

``--candidates balance`` tries the chosen setting with each mini-batch
balanced over the teacher's classes (``balanced_stream``, the distiller's
``class_balance="data"``) against the same samples as drawn. Run it with
several ``--seed`` values: each retrains the teacher and the deep AE
(about 4 minutes a seed).

``--candidates temperature`` tries the chosen setting with the student
learning the teacher's probabilities tempered at ``T = 1`` (the paper's),
2 and 4, the student trained at the same ``T`` (Hinton et al., 2015;
``SyntheticDistiller(temperature=...)``).

``--candidates walks`` tries the chosen setting with shorter walks, so
that each mini-batch of 400 samples comes from more independent walks:
the paper's 10 steps with 2 burnt (8 kept states per walk, 50 walks), 4
steps with 2 burnt (2 kept, 200 walks) and 3 with 2 burnt (1 kept, 400
walks).

Writes ``results.json`` and ``students.md`` to ``--out``. About 12 minutes
on 2 CPU cores (15 with ``--candidates schedules``).

Examples
--------
python benchmarks/table1_student_setting.py --out out/table1_setting
python benchmarks/table1_student_setting.py --candidates schedules \
    --out out/table1_schedules
python benchmarks/table1_student_setting.py --candidates balance --seed 1 \
    --out out/table1_balance_1
python benchmarks/table1_student_setting.py --candidates temperature --seed 1 \
    --out out/table1_temperature_1
python benchmarks/table1_student_setting.py --candidates walks --seed 2 \
    --out out/table1_walks_2
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (cosine_lr, make_log, online_cosine_lr,  # noqa: E402
                     versions, write_report)
from reproduce_table1 import (STUDENT_SAMPLING,  # noqa: E402
                              make_autoencoder, parse_args, settings_from,
                              train_student_online)

N_FIT = 50_000
#: Teacher and student epochs of every candidate, as in the runs the
#: setting was chosen from (the quick profile of Table I has since trained
#: both for the paper's 20 and 50 epochs).
TEACHER_EPOCHS = 10
STUDENT_EPOCHS = 20
#: ``--candidates ae_epochs``: the quick profile's count.
SETTING_AE_EPOCHS = 5
#: Deep AE epochs compared by ``--candidates ae_epochs``.
AE_EPOCHS = (5, 20)
#: Distillation temperatures compared by ``--candidates temperature``.
TEMPERATURES = (1.0, 2.0, 4.0)
#: Walks compared by ``--candidates walks``: (n_steps, burn_in).
WALKS = ((10, 2), (4, 2), (3, 2))
#: Samples drawn per kept sample for a balanced mini-batch.
POOL_FACTOR = 3


def balanced_stream(stream, teacher, target, rng, pool_factor=POOL_FACTOR):
    """``stream`` with each batch balanced over the teacher's classes.

    Draws ``pool_factor`` times the batch, labels it with the teacher and
    keeps the batch whose shares of the teacher's most probable classes
    come closest to ``target``, as ``SyntheticDistiller(class_balance=...)``
    does.
    """
    from sklearn_reinject.distillation._distiller import balanced_choice

    def balanced(n):
        pool = stream(pool_factor * n)
        top = teacher.predict_proba(pool).argmax(axis=1)
        return pool[balanced_choice(top, n, target, random_state=rng)]
    return balanced


def run(args):
    from sklearn.utils import check_random_state

    from sklearn_reinject import ReinjectionSampler, SoftTargetClassifier
    from sklearn_reinject.datasets import load_mnist
    from sklearn_reinject.utils._random import draw_seeds

    start = time.perf_counter()
    log = make_log()
    X, y, _, _ = load_mnist(args.data_home, return_X_y=True)
    X_fit, y_fit = X[:N_FIT][:args.n_train], y[:N_FIT][:args.n_train]
    X_val, y_val = X[N_FIT:], y[N_FIT:]
    settings = settings_from(parse_args([
        "--profile", "quick", "--steps-per-epoch", str(args.steps_per_epoch),
        "--walks-per-step", str(args.walks_per_step),
        "--student-epochs", str(STUDENT_EPOCHS)]))
    settings["epochs"]["teacher"] = TEACHER_EPOCHS
    if args.epoch_cap is not None:
        settings["epochs"] = {k: min(v, args.epoch_cap)
                              for k, v in settings["epochs"].items()}
    ep = settings["epochs"]
    # The deep AE of every candidate but the 20-epoch one trains this long.
    settings["setting_ae_epochs"] = min(SETTING_AE_EPOCHS, ep["deep_ae"])
    # The seeds of reproduce_table1.py's first four streams.
    seeds = dict(zip(["teacher", "student", "stream", "deep AE"],
                     draw_seeds(args.seed, 4)))
    teacher = SoftTargetClassifier(
        hidden_layer_sizes=(500, 500), max_epochs=ep["teacher"],
        batch_size=settings["teacher_batch_size"], lr=settings["lr"],
        device=args.device, random_state=seeds["teacher"]).fit(X_fit, y_fit)
    teacher_accuracy = float(teacher.score(X_val, y_val))
    log(f"teacher: validation accuracy {teacher_accuracy:.4f}")

    def deep_ae(epochs=None):
        if epochs is None:
            epochs = settings["setting_ae_epochs"]
        elif args.epoch_cap is not None:
            epochs = min(epochs, args.epoch_cap)
        return make_autoencoder("deep AE", epochs, args.device,
                                seeds["deep AE"])

    walks = dict(n_steps=settings["n_steps"], burn_in=settings["burn_in"])
    paper_ae = deep_ae().fit(X_fit)
    lam_ = class_shares = None
    if args.candidates == "schedules":
        candidates = schedule_candidates(X_fit, paper_ae, settings, seeds,
                                         args.device, walks)
    elif args.candidates == "ae_epochs":
        candidates = {
            f"lam=0.4, mean output, deep AE {n} epochs": ReinjectionSampler(
                paper_ae if n == SETTING_AE_EPOCHS else deep_ae(n).fit(X_fit),
                **STUDENT_SAMPLING, **walks)
            for n in AE_EPOCHS}
    elif args.candidates == "temperature":
        setting = ReinjectionSampler(paper_ae, **STUDENT_SAMPLING, **walks)
        candidates = {f"lam=0.4, mean output, T={t:g}": dict(
            sampler=setting, temperature=t) for t in TEMPERATURES}
    elif args.candidates == "walks":
        candidates = {
            f"lam=0.4, mean output, {n} steps, {b} burnt": ReinjectionSampler(
                paper_ae, **STUDENT_SAMPLING, n_steps=n, burn_in=b)
            for n, b in WALKS}
    elif args.candidates == "balance":
        setting = ReinjectionSampler(paper_ae, **STUDENT_SAMPLING, **walks)
        candidates = {"lam=0.4, mean output": setting,
                      "lam=0.4, mean output, balanced": dict(
                          sampler=setting, balanced=True)}
        # How the setting's samples fall over the teacher's classes.
        top = teacher.predict_proba(setting.sample(
            20_000, random_state=seeds["stream"])).argmax(axis=1)
        class_shares = (np.bincount(top, minlength=len(teacher.classes_))
                        / len(top)).tolist()
        log("teacher classes of 20,000 samples: "
            + " ".join(f"{c}: {p:.3f}" for c, p in
                       zip(teacher.classes_.tolist(), class_shares)))
    else:
        calibrated = ReinjectionSampler(deep_ae(), lam="auto",
                                        random_state=seeds["deep AE"],
                                        **walks).fit(X_fit)
        lam_ = calibrated.lam_
        log(f"lam='auto' chose {lam_:.4g}")
        candidates = setting_candidates(paper_ae, calibrated, walks)
    # Class shares of the fitting labels, in the teacher's class order.
    shares = np.array([np.mean(y_fit == c) for c in teacher.classes_])
    results = {}
    for name, candidate in candidates.items():
        # A sampler, or a dict: sampler (None: the fitting images) and
        # the options callbacks (the student's), balanced, temperature.
        opts = (candidate if isinstance(candidate, dict)
                else dict(sampler=candidate))
        sampler = opts["sampler"]
        rng = check_random_state(seeds["stream"])
        if sampler is None:
            def stream(n):
                return X_fit[rng.randint(len(X_fit), size=n)]
        else:
            def stream(n, sampler=sampler):
                return sampler.sample(n, random_state=rng)
        if opts.get("balanced"):
            stream = balanced_stream(stream, teacher, shares, rng)
        t0 = time.perf_counter()
        curve = train_student_online(stream, teacher, X_val, y_val, settings,
                                     args.device, seeds["student"],
                                     callbacks=opts.get("callbacks"),
                                     temperature=opts.get("temperature",
                                                          1.0))
        last = [acc for _, acc in curve[-5:]]
        results[name] = dict(curve=curve, accuracy=curve[-1][1],
                             last_five=[min(last), max(last)],
                             seconds=time.perf_counter() - t0)
        log(f"{name}: validation accuracy {curve[-1][1]:.4f}")
    return dict(settings=settings, seeds=seeds, device=args.device,
                teacher_accuracy=teacher_accuracy, lam_=lam_,
                class_shares=class_shares,
                versions=versions(args.device), command=" ".join(sys.argv),
                results=results, wall_seconds=time.perf_counter() - start)


def setting_candidates(paper_ae, calibrated, walks):
    """The student sampling settings tried for the extra row."""
    from sklearn_reinject import ReinjectionSampler

    return {
        "lam=0.1, states": ReinjectionSampler(paper_ae, lam=0.1, **walks),
        "lam=0.1, mean output": ReinjectionSampler(
            paper_ae, lam=0.1, output="mean", **walks),
        f"lam=auto ({calibrated.lam_:.3g}), states, 90% AE": calibrated,
        f"lam=auto ({calibrated.lam_:.3g}), mean output, 90% AE":
            ReinjectionSampler(calibrated.autoencoder_, lam=calibrated.lam_,
                               output="mean", **walks),
        "lam=0.2, mean output": ReinjectionSampler(
            paper_ae, lam=0.2, output="mean", **walks),
        "lam=0.4, mean output": ReinjectionSampler(
            paper_ae, lam=0.4, output="mean", **walks),
        # 0.4 won a grid that ended there; the grid goes on past it.
        "lam=0.8, mean output": ReinjectionSampler(
            paper_ae, lam=0.8, output="mean", **walks),
        "lam=1.6, mean output": ReinjectionSampler(
            paper_ae, lam=1.6, output="mean", **walks),
    }


def schedule_candidates(X_fit, paper_ae, settings, seeds, device, walks):
    """The student setting with learning rates decayed to zero.

    Each candidate is ``dict(sampler=..., callbacks=...)`` (the student's
    callbacks); a ``None`` sampler streams the fitting images themselves
    (the upper bound). The deep AE
    is retrained with a cosine rate over its batches (the same schedule
    that removes the refining autoencoder's per-pixel offset in
    ``compare_generators.py``); the student's rate follows a cosine over
    its online steps.
    """
    from sklearn_reinject import ReinjectionSampler

    ep = settings["epochs"]
    ae_epochs = settings["setting_ae_epochs"]
    cosine_ae = make_autoencoder(
        "deep AE", ae_epochs, device, seeds["deep AE"],
        batch_size=settings["ae_batch_size"], lr=settings["lr"],
        callbacks=cosine_lr(len(X_fit), settings["ae_batch_size"],
                            ae_epochs)).fit(X_fit)
    n_steps = ep["student_epochs"] * settings["steps_per_epoch"]

    def setting(ae):
        return ReinjectionSampler(ae, **STUDENT_SAMPLING, **walks)

    def cand(sampler, cosine=False):
        return dict(sampler=sampler, callbacks=(
            online_cosine_lr(n_steps) if cosine else None))

    return {
        "lam=0.4, mean output": cand(setting(paper_ae)),
        "lam=0.4, mean output, cosine student lr": cand(setting(paper_ae),
                                                        cosine=True),
        "lam=0.4, mean output, cosine AE lr": cand(setting(cosine_ae)),
        "lam=0.4, mean output, cosine AE and student lr": cand(
            setting(cosine_ae), cosine=True),
        "real images": cand(None),
        "real images, cosine student lr": cand(None, cosine=True),
    }


def table_markdown(report):
    lines = ["| deep AE sampled with | validation accuracy | last five "
             "epochs |", "| --- | --- | --- |"]
    for name, res in report["results"].items():
        low, high = res["last_five"]
        lines.append(f"| {name} | {res['accuracy']:.4f} | {low:.4f} to "
                     f"{high:.4f} |")
    s = report["settings"]
    lines += ["", f"Teacher {report['teacher_accuracy']:.4f} on the "
              f"validation images; students: {s['epochs']['student_epochs']}"
              f" epochs of {s['steps_per_epoch']} steps; device "
              f"`{report['device']}`; wall time "
              f"{report['wall_seconds'] / 60:.1f} min."]
    if report.get("class_shares") is not None:
        lines += ["", "Teacher's most probable class of 20,000 samples of "
                  "the setting, as drawn: " + ", ".join(
                      f"{c}: {p:.3f}" for c, p in
                      enumerate(report["class_shares"])) + "."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cpu")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("out/table1_setting"))
    p.add_argument("--data-home", default=None)
    p.add_argument("--epoch-cap", type=int, default=None,
                   help="cap every epoch count (a cheap pass over the code)")
    p.add_argument("--steps-per-epoch", type=int, default=100)
    p.add_argument("--walks-per-step", type=int, default=50)
    p.add_argument("--n-train", type=int, default=None,
                   help="use the first N of the 50,000 fitting images")
    p.add_argument("--candidates", choices=["setting", "schedules",
                                            "balance", "ae_epochs",
                                            "temperature", "walks"],
                   default="setting",
                   help="'setting': the sampling settings for the extra "
                        "row; 'schedules': that row's setting with the "
                        "deep AE's and the student's learning rates "
                        "decayed to zero; 'balance': that row's setting "
                        "with mini-batches balanced over the teacher's "
                        "classes; 'ae_epochs': that row's setting with the "
                        "deep AE trained 5 or 20 epochs; 'temperature': "
                        "that row's setting with the student learning "
                        "tempered teacher probabilities; 'walks': that "
                        "row's setting with shorter walks (default: "
                        "setting)")
    args = p.parse_args(argv)
    report = run(args)
    write_report(args.out, report, {"students.md": table_markdown(report)})
    print(table_markdown(report))
    return report


if __name__ == "__main__":
    main()
