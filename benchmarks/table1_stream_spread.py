"""How far one Table I student moves with its stream of samples alone.

Every student of ``reproduce_table1.py`` learns online from one stream of
synthetic mini-batches; its final accuracy is one draw. This script holds
everything else fixed (the seed's teacher, the paper's deep AE trained on
all the training images, the student's initialisation and the sampler's
setting, ``lam=0.4`` with the final denoising step) and trains one
student per stream: the stream of the table's row "deep AE, lam searched
on the means, all images" first, so that the run repeats that row's
number, then fresh streams. The spread of their accuracies is the noise of
a single Table I row at that setting.

Writes ``results.json`` and ``streams.md`` to ``--out``. With the quick
profile, about 1.6 minutes for the networks and 3.3 to 3.6 a student on
2 CPU cores.

    python benchmarks/table1_stream_spread.py --seed 1 --streams 5 --out out/streams
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reproduce_table1 as table1  # noqa: E402
from _common import (make_log, markdown_table, versions,  # noqa: E402
                     write_report)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--profile", choices=sorted(table1.PROFILES),
                   default="quick")
    p.add_argument("--seed", type=int, default=0, help="master seed, as in "
                   "reproduce_table1.py")
    p.add_argument("--streams", type=int, default=5,
                   help="students, one per stream (the first is the table "
                        "row's stream)")
    p.add_argument("--device", default="auto")
    p.add_argument("--data-home", default=None)
    p.add_argument("--out", type=Path, default=Path("out/streams"))
    # To exercise the code path cheaply.
    p.add_argument("--epoch-cap", type=int, default=None)
    p.add_argument("--steps-per-epoch", type=int, default=100)
    p.add_argument("--walks-per-step", type=int, default=50)
    p.add_argument("--n-train", type=int, default=None)
    p.add_argument("--n-test", type=int, default=None)
    args = p.parse_args(argv)
    if args.streams < 1:
        p.error(f"--streams must be at least 1; got {args.streams}")
    return args


def run(args):
    from sklearn.utils import check_random_state

    from sklearn_reinject import ReinjectionSampler
    from sklearn_reinject.datasets import load_mnist
    from sklearn_reinject.utils._device import resolve_device
    from sklearn_reinject.utils._random import draw_seeds

    # The table's settings for these options (no overrides of its own).
    settings = table1.settings_from(argparse.Namespace(
        profile=args.profile, student_epochs=None, deep_ae_epochs=None,
        epoch_cap=args.epoch_cap, seed=args.seed, lam=0.1,
        walks_per_step=args.walks_per_step,
        steps_per_epoch=args.steps_per_epoch, n_train=args.n_train,
        n_test=args.n_test))
    device = str(resolve_device(args.device))
    log = make_log()
    start = time.perf_counter()
    X_train, y_train, X_test, y_test = load_mnist(args.data_home,
                                                  return_X_y=True)
    X_train, y_train = X_train[:args.n_train], y_train[:args.n_train]
    X_test, y_test = X_test[:args.n_test], y_test[:args.n_test]
    ep = settings["epochs"]
    # The seeds, teacher and deep AE of reproduce_table1.py.
    seeds = table1.table_seeds(args.seed)
    teacher = table1.train_teacher(settings, seeds["teacher"], X_train,
                                   y_train, device)
    teacher_acc = float(teacher.score(X_test, y_test))
    log(f"teacher: test accuracy {teacher_acc:.4f}")
    ae = table1.make_autoencoder(
        "deep AE", ep["deep_ae"], device, seeds["deep AE"],
        batch_size=settings["ae_batch_size"], lr=settings["lr"]).fit(X_train)
    log(f"deep AE: final loss {ae.loss_curve_[-1]:.2f}")
    sampler = ReinjectionSampler(ae, n_steps=settings["n_steps"],
                                 burn_in=settings["burn_in"],
                                 **table1.STUDENT_SAMPLING)
    # draw_seeds draws a prefix of one sequence: the first of these is the
    # table's REFIT stream, the rest are fresh.
    first = table1.OWN_STREAMS[table1.REFIT]
    stream_seeds = draw_seeds(seeds["stream"], first + args.streams)[first:]
    students = []
    for k, stream_seed in enumerate(stream_seeds):
        rng = check_random_state(stream_seed)

        def stream(n, rng=rng):
            return sampler.sample(n, random_state=rng)

        t0 = time.perf_counter()
        curve = table1.train_student_online(stream, teacher, X_test, y_test,
                                            settings, device,
                                            seeds["student"])
        students.append(dict(stream_seed=stream_seed, curve=curve,
                             accuracy=curve[-1][1],
                             seconds=time.perf_counter() - t0))
        log(f"stream {k}: student accuracy {curve[-1][1]:.4f}")
    acc = np.array([s["accuracy"] for s in students])
    summary = dict(mean=float(acc.mean()),
                   std=float(acc.std(ddof=1)) if len(acc) > 1 else 0.0,
                   min=float(acc.min()), max=float(acc.max()),
                   at_least_paper=int((acc >= table1.PAPER["deep AE"]).sum()))
    return dict(settings=settings, seed=args.seed, device=device,
                versions=versions(device), command=" ".join(sys.argv),
                teacher_accuracy=teacher_acc,
                deep_ae_final_loss=float(ae.loss_curve_[-1]),
                students=students, summary=summary,
                wall_seconds=time.perf_counter() - start)


def report_markdown(report):
    rows = [(f"{k}" + (" (the table row's stream)" if k == 0 else ""),
             f"{s['accuracy']:.4f}", f"{s['seconds']:.0f}")
            for k, s in enumerate(report["students"])]
    s = report["summary"]
    text = markdown_table(rows, ["stream", "student accuracy", "seconds"])
    text += (f"\n\nSeed {report['seed']}, teacher "
             f"{report['teacher_accuracy']:.4f}: mean {s['mean']:.4f}, "
             f"std {s['std']:.4f}, from {s['min']:.4f} to {s['max']:.4f}; "
             f"{s['at_least_paper']} of {len(rows)} at or above the "
             f"paper's {table1.PAPER['deep AE']}. Wall time "
             f"{report['wall_seconds'] / 60:.1f} min.\n")
    return text


def main(argv=None):
    args = parse_args(argv)
    report = run(args)
    text = report_markdown(report)
    write_report(args.out, report, {"streams.md": text})
    print(text)
    return report


if __name__ == "__main__":
    main()
