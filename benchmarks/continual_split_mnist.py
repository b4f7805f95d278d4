"""Class-incremental split MNIST: pseudo-rehearsal without the old data.

Five tasks of two digits (0-1, 2-3, 4-5, 6-7, 8-9), learned one after the
other by :class:`~sklearn_reinject.PseudoRehearsalClassifier`; after the
last, the classifier must tell all ten digits apart (the class-incremental
scenario of van de Ven & Tolias, 2019). The protocol follows theirs: an
MLP with two hidden layers of 400 units, Adam with lr 1e-3, batches of 128
and, in the full profile, 2,000 gradient steps per task for every method
(for replay methods the steps are drawn from the task's rows mixed with
the pseudo-items of the earlier tasks, one per new row and earlier task).

Rows: no replay (fine-tuning), joint training on all tasks at once (the
upper bound; as many steps as the five tasks together), replay of
Gaussian noise (mean and std of the first task's pixels), replay of a
VAE's ancestral samples (deep generative replay), and reinjection replay
from a denoising autoencoder (its noisy states, or their denoised
estimates with ``output="mean"``) and from the same VAE (walks from its
prior, ``lam="auto"``), one generator per task, or one VAE for all tasks
refitted with its own samples of the earlier ones (``shared memory``), or
trained on from its weights with them (``refresh="continue"``);
and :class:`~sklearn_reinject.PseudoRehearsalClassifier`'s default
generator and its earlier one, with their autoencoders' default settings.
Pseudo-items are labelled with the classifier's probabilities before each
task. ``--rows`` runs a subset. The accuracy is the mean over the five
tasks of the accuracy on their test digits, predicted among all ten.

Writes ``continual.json``, ``continual.md`` and, with matplotlib,
``continual.png`` (accuracy over tasks) to ``--out``. Needs MNIST as IDX
files in ``--data-home`` or ``$SKLEARN_REINJECT_DATA``.

Reference: G. M. van de Ven and A. S. Tolias, "Three scenarios for
continual learning", 2019, Table 4 (class-incremental split MNIST: no
replay 19.9%, deep generative replay 90.8%, with distillation 91.8%).
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, make_log, versions  # noqa: E402

TASKS = [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)]
BATCH = 128
JOINT = "joint training (upper bound)"
SHARED = "reinjection replay, VAE prior, lam=auto, shared memory"
SHARED_ON = SHARED + ", trained on"
#: PseudoRehearsalClassifier's default generator, and the one it had
#: before, each with every setting of its autoencoder left at its default
#: (sized from the data), where the rows above fix widths and epochs.
DEFAULT = "default generator: reinjection replay, VAE prior (default VAE)"
OLD_DEFAULT = "earlier default generator: reinjection replay, DAE (default DAE)"
PUBLISHED = {"no replay": 0.199, "deep generative replay (VAE)": 0.908,
             "deep generative replay + distillation": 0.918}

PROFILES = {
    # The published protocol: all training images, 2,000 steps per task.
    "full": dict(steps=2000, rows_per_task=None, generator_epochs=20,
                 seeds=3),
    # For 2 CPU cores in under 15 minutes: fewer images and steps.
    "quick": dict(steps=1000, rows_per_task=4000, generator_epochs=20,
                  seeds=3),
    # A smoke test of every code path (seconds).
    "smoke": dict(steps=5, rows_per_task=100, generator_epochs=1, seeds=1),
}


def task_data(X, y, rows_per_task, seed):
    """The training rows of each task, at most ``rows_per_task`` each."""
    rng = np.random.RandomState(seed)
    out = []
    for digits in TASKS:
        idx = np.flatnonzero(np.isin(y, digits))
        if rows_per_task is not None and len(idx) > rows_per_task:
            idx = np.sort(rng.choice(idx, rows_per_task, replace=False))
        out.append((X[idx], y[idx]))
    return out


def generators(settings, device, seed, noise_moments):
    """Each replay row's generator (unfitted) and its ``memory``."""
    from sklearn_reinject import (DenoisingAutoencoder, GaussianNoiseSampler,
                                  ReinjectionSampler, VariationalAutoencoder)

    epochs = settings["generator_epochs"]

    def vae():
        return VariationalAutoencoder(
            hidden_layer_sizes=(400, 20), loss="bce", max_epochs=epochs,
            batch_size=BATCH, device=device, random_state=seed)

    mean, std = noise_moments
    rows = {
        "Gaussian-noise replay": GaussianNoiseSampler(mean=mean, std=std),
        "VAE replay (deep generative replay)": vae(),
        "reinjection replay, DAE, lam=auto": ReinjectionSampler(
            DenoisingAutoencoder(hidden_layer_sizes=(400, 100), loss="bce",
                                 noise_std=0.3, max_epochs=epochs,
                                 batch_size=BATCH, device=device,
                                 random_state=seed),
            lam="auto", random_state=seed),
        # The final denoising step: replayed rows are the DAE's noise-free
        # estimates r(x_t), not the noisy states (added after the row
        # above replayed noisy states that the classifier told apart from
        # real digits by their noise; see the benchmarks page).
        "reinjection replay, DAE, lam=auto, mean output": ReinjectionSampler(
            DenoisingAutoencoder(hidden_layer_sizes=(400, 100), loss="bce",
                                 noise_std=0.3, max_epochs=epochs,
                                 batch_size=BATCH, device=device,
                                 random_state=seed),
            lam="auto", output="mean", random_state=seed),
        "reinjection replay, VAE prior, lam=auto": ReinjectionSampler(
            vae(), lam="auto", init="prior", n_steps=3, burn_in=0,
            random_state=seed),
        # One VAE for all tasks, refitted on each new task with its own
        # samples of the earlier ones: the memory of van de Ven & Tolias'
        # deep generative replay, constant in size.
        SHARED: ReinjectionSampler(
            vae(), lam="auto", init="prior", n_steps=3, burn_in=0,
            random_state=seed),
        # The same memory trained on from task to task (its VAE's
        # partial_fit, as many epochs as a refit), as the published deep
        # generative replay's generator is.
        SHARED_ON: ReinjectionSampler(
            vae(), lam="auto", init="prior", n_steps=3, burn_in=0,
            random_state=seed),
        # Seeded by the classifier's random_state, as a user's would be.
        DEFAULT: ReinjectionSampler(
            VariationalAutoencoder(device=device), lam="auto", init="prior",
            n_steps=3, burn_in=0),
        OLD_DEFAULT: ReinjectionSampler(DenoisingAutoencoder(device=device),
                                        lam="auto"),
    }
    memories = {SHARED: dict(memory="shared"),
                SHARED_ON: dict(memory="shared", refresh="continue")}
    return {name: (gen, memories.get(name, dict(memory="per_task")))
            for name, gen in rows.items()}


def classifier(device, seed):
    from sklearn_reinject import SoftTargetClassifier

    return SoftTargetClassifier(hidden_layer_sizes=(400, 400), lr=1e-3,
                                batch_size=BATCH, max_epochs=1,
                                device=device, random_state=seed)


def epochs_for(steps, n_rows):
    """Passes over ``n_rows`` that come closest to ``steps`` batches."""
    return max(1, round(steps * BATCH / n_rows))


def task_accuracies(model, tests):
    return [float(model.score(X, y)) for X, y in tests]


def run_incremental(name, generator, replay_ratio, memory, tasks, tests,
                    settings, device, seed, log):
    from sklearn_reinject import PseudoRehearsalClassifier

    model = PseudoRehearsalClassifier(
        generator, classifier(device, seed), replay_ratio=replay_ratio,
        random_state=seed, **memory)
    curve = []
    t0 = time.perf_counter()
    for t, (X, y) in enumerate(tasks):
        n_mix = len(X) * (1 + replay_ratio * t)
        model.set_params(n_epochs=epochs_for(settings["steps"], n_mix))
        model.partial_fit(X, y, classes=np.arange(10) if t == 0 else None)
        seen = task_accuracies(model, tests[:t + 1])
        curve.append(float(np.mean(seen)))
        log(f"{name}, seed {seed}, task {t + 1}: mean accuracy over the "
            f"tasks so far {curve[-1]:.4f}")
    return dict(curve=curve, per_task=task_accuracies(model, tests),
                accuracy=curve[-1], seconds=time.perf_counter() - t0)


def run_joint(tasks, tests, settings, device, seed, log):
    t0 = time.perf_counter()
    X = np.concatenate([X for X, _ in tasks])
    y = np.concatenate([y for _, y in tasks])
    clf = classifier(device, seed).set_params(
        max_epochs=epochs_for(settings["steps"] * len(tasks), len(X)))
    clf.fit(X, y)
    accuracy = float(np.mean(task_accuracies(clf, tests)))
    log(f"joint training, seed {seed}: {accuracy:.4f}")
    return dict(curve=None, per_task=task_accuracies(clf, tests),
                accuracy=accuracy, seconds=time.perf_counter() - t0)


def run(args):
    from sklearn_reinject.datasets import load_mnist
    from sklearn_reinject.utils._device import resolve_device

    settings = PROFILES[args.profile]
    device = str(resolve_device(args.device))
    start = time.perf_counter()
    log = make_log()

    X_train, y_train, X_test, y_test = load_mnist(args.data_home,
                                                  return_X_y=True)
    tests = [(X_test[np.isin(y_test, d)], y_test[np.isin(y_test, d)])
             for d in TASKS]
    results = {}
    for seed in range(settings["seeds"]):
        tasks = task_data(X_train, y_train, settings["rows_per_task"], seed)
        first = tasks[0][0]
        moments = (float(first.mean()), float(first.std()))
        runs = {"no replay (fine-tuning)": (None, 0.0,
                                            dict(memory="per_task"))}
        runs.update({name: (gen, 1.0, memory) for name, (gen, memory) in
                     generators(settings, device, seed, moments).items()})
        for name, (gen, ratio, memory) in runs.items():
            if args.rows is None or name in args.rows:
                results.setdefault(name, []).append(run_incremental(
                    name, gen, ratio, memory, tasks, tests, settings, device,
                    seed, log))
        if args.rows is None or JOINT in args.rows:
            results.setdefault(JOINT, []).append(
                run_joint(tasks, tests, settings, device, seed, log))
    return dict(profile=args.profile, settings=settings, device=device,
                versions=versions(device), command=" ".join(sys.argv),
                published=PUBLISHED, results=results,
                wall_seconds=time.perf_counter() - start)


def summary_table(result):
    rows = []
    for name, runs in result["results"].items():
        acc = np.array([r["accuracy"] for r in runs])
        secs = np.mean([r["seconds"] for r in runs])
        rows.append([name, f"{acc.mean():.4f}", f"{acc.std():.4f}",
                     " ".join(f"{a:.4f}" for a in acc), f"{secs:.0f}"])
    return markdown_table(rows, ["method", "mean accuracy", "std",
                                 "per seed", "seconds per run"])


def plot(result, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    tasks = np.arange(1, len(TASKS) + 1)
    for name, runs in result["results"].items():
        if runs[0]["curve"] is None:
            acc = np.mean([r["accuracy"] for r in runs])
            ax.axhline(acc, color="gray", ls="--", label=name)
            continue
        curves = np.array([r["curve"] for r in runs])
        ax.errorbar(tasks, curves.mean(0), yerr=curves.std(0), marker="o",
                    capsize=3, label=name)
    ax.set_xticks(tasks)
    ax.set_xlabel("tasks learned")
    ax.set_ylabel("mean accuracy over the tasks so far")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=sorted(PROFILES),
                        default="quick")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--out", type=Path, default=Path("."))
    parser.add_argument("--rows", nargs="+", default=None,
                        help="run only these rows (names as in the table)")
    args = parser.parse_args(argv)
    result = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "continual.json").write_text(json.dumps(result, indent=2))
    table = summary_table(result)
    (args.out / "continual.md").write_text(
        f"Class-incremental split MNIST, profile {args.profile}, "
        f"{result['settings']['seeds']} seeds, {result['device']} "
        f"({result['wall_seconds']:.0f} s)\n\n{table}\n")
    print(table)
    try:
        plot(result, args.out / "continual.png")
    except ImportError:
        print("matplotlib is not installed: no plot.")
    return result


if __name__ == "__main__":
    main()
