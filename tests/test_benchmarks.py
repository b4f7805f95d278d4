"""The Table I benchmark's code path on a tiny slice of MNIST."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from sklearn_reinject.datasets import DatasetFileError, load_mnist

ROOT = Path(__file__).resolve().parents[1]


def _load_script(name):
    spec = importlib.util.spec_from_file_location(
        name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cosine_lr_reaches_zero_at_the_last_batch():
    from sklearn_reinject import DenoisingAutoencoder

    common = _load_script("_common")
    X = np.random.RandomState(0).rand(100, 6).astype(np.float32)
    # 100 rows in batches of 32: 4 batches per epoch, 12 in 3 epochs.
    ae = DenoisingAutoencoder(hidden_layer_sizes=(4,), max_epochs=3,
                              batch_size=32, lr=0.01, random_state=0,
                              callbacks=common.cosine_lr(100, 32, 3)).fit(X)
    lrs = [b["event_lr"] for epoch in ae.history_ for b in epoch["batches"]]
    assert len(lrs) == 12
    assert lrs[0] == pytest.approx(0.01)
    assert all(a > b for a, b in zip(lrs, lrs[1:]))
    assert ae._net.optimizer_.param_groups[0]["lr"] == pytest.approx(
        0.0, abs=1e-12)


def test_online_cosine_lr_steps_once_per_partial_fit_call():
    from sklearn_reinject import SoftTargetClassifier

    common = _load_script("_common")
    rng = np.random.RandomState(0)
    student = SoftTargetClassifier(hidden_layer_sizes=(4,), batch_size=64,
                                   lr=0.01, random_state=0,
                                   callbacks=common.online_cosine_lr(4))
    used = []
    for _ in range(4):
        X = rng.rand(20, 3).astype(np.float32)
        student.partial_fit(X, rng.randint(0, 2, 20), classes=[0, 1])
        used.append(student.history_[-1]["event_lr"])
    # Step j at 0.01 * (1 + cos(pi * j / 4)) / 2, and zero after the last.
    expected = [0.01 * (1 + np.cos(np.pi * j / 4)) / 2 for j in range(4)]
    np.testing.assert_allclose(used, expected, rtol=1e-6)
    assert student._net.optimizer_.param_groups[0]["lr"] == pytest.approx(
        0.0, abs=1e-12)


# Large lam (or 1-epoch autoencoders) on purpose: the warning is expected.
@pytest.mark.filterwarnings("ignore::sklearn_reinject.SamplingWarning")
@pytest.mark.parametrize("profile", ["full", "quick"])
def test_reproduce_table1_code_path(mnist_available, tmp_path, profile):
    bench = _load_script("reproduce_table1")
    out = tmp_path / profile
    report = bench.main(["--profile", profile, "--device", "cpu",
                         "--epoch-cap", "1", "--steps-per-epoch", "2",
                         "--student-epochs", "2", "--walks-per-step", "5",
                         "--n-train", "300", "--n-test", "200",
                         "--out", str(out)])
    saved = json.loads((out / "results.json").read_text())
    assert saved["settings"] == report["settings"]
    expected = {"teacher", "random generator", "deep AE", "shallow AE",
                "deep DAE", "shallow DAE", "deep AE, lam=auto", "real data",
                "deep AE, lam=0.4, mean output",
                "deep AE, lam searched on the means",
                "deep AE, lam searched on the means, all images"}
    assert set(saved["results"]) == expected
    for name in expected - {"teacher"}:
        curve = saved["results"][name]["curve"]
        # 2 epochs (capped to 1) of 2 steps x 5 walks x 8 kept samples.
        assert [seen for seen, _ in curve] == [80]
        assert 0.0 <= curve[0][1] <= 1.0
    for key in ("device", "versions", "wall_seconds", "command"):
        assert key in saved
    assert saved["settings"]["seeds"]["teacher"] >= 0
    table = (out / "table1.md").read_text()
    assert table.count("\n|") == 12 and "0.978" in table
    assert "lam calibrated by the package" in table
    assert "final denoising step" in table
    assert "lam searched on the final denoising step's output" in table
    assert saved["results"]["deep AE, lam=auto"]["lam"] > 0
    searched = saved["results"]["deep AE, lam searched on the means"]
    # The search's candidates are lam="auto"'s.
    assert searched["lam"] in searched["lam_grid"]
    assert len(searched["mean_test_scores"]) == len(searched["lam_grid"])
    # The refit row samples the all-images autoencoder at the searched lam.
    refit = saved["results"]["deep AE, lam searched on the means, all images"]
    assert refit["lam"] == searched["lam"]
    assert "deep AE on all images, lam searched" in table
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    assert (out / "learning_curves.png").stat().st_size > 1000


@pytest.mark.filterwarnings("ignore::sklearn_reinject.SamplingWarning")
def test_reproduce_table1_rows_run_alone_as_with_the_others(
        mnist_available, tmp_path):
    bench = _load_script("reproduce_table1")
    common = ["--device", "cpu", "--epoch-cap", "1", "--steps-per-epoch",
              "2", "--student-epochs", "2", "--walks-per-step", "5",
              "--n-train", "300", "--n-test", "200"]
    alone = bench.main([*common, "--rows", bench.SEARCHED, bench.REFIT,
                        "--out", str(tmp_path / "alone")])
    both = bench.main([*common, "--rows", "random generator", bench.SEARCHED,
                       "--out", str(tmp_path / "both")])
    full = bench.main([*common, "--out", str(tmp_path / "full")])
    needed = {"teacher", "deep AE", bench.CALIBRATED, bench.SEARCHED,
              bench.REFIT}
    assert set(alone["results"]) == needed
    assert set(both["results"]) == needed - {"deep AE", bench.REFIT} | {
        "random generator"}
    assert "student_seconds" not in alone["results"][bench.CALIBRATED]
    # The same networks (the search's MMD² to the last digit) and, as the
    # searched rows draw from streams of their own, the same students,
    # whatever else runs.
    for run in (both, full):
        for key in ("mean_test_scores", "curve"):
            assert (alone["results"][bench.SEARCHED][key]
                    == run["results"][bench.SEARCHED][key])
    assert (alone["results"][bench.REFIT]["curve"]
            == full["results"][bench.REFIT]["curve"])
    assert (alone["results"]["deep AE"]["test_reconstruction_score"]
            == full["results"]["deep AE"]["test_reconstruction_score"])
    table = (tmp_path / "alone" / "table1.md").read_text()
    row = "| deep AE | 600,400,100,400,600 | relu | 1 | - | 0.978 | - |"
    assert row in table
    with pytest.raises(SystemExit):
        bench.parse_args(["--rows", "no such row"])


@pytest.mark.filterwarnings("ignore::sklearn_reinject.SamplingWarning")
def test_table1_stream_spread_repeats_the_table_row(mnist_available,
                                                    tmp_path):
    # Its first stream is the refit row's: the same student, step by step;
    # the other streams give other students.
    common = ["--seed", "1", "--device", "cpu", "--epoch-cap", "1",
              "--steps-per-epoch", "10", "--walks-per-step", "10",
              "--n-train", "300", "--n-test", "200"]
    spread = _load_script("table1_stream_spread").main(
        [*common, "--streams", "3", "--out", str(tmp_path / "spread")])
    table = _load_script("reproduce_table1")
    row = table.main([*common, "--rows", table.REFIT,
                      "--out", str(tmp_path / "table")])
    curves = [s["curve"] for s in spread["students"]]
    assert curves[0] == row["results"][table.REFIT]["curve"]
    assert len({c[-1][1] for c in curves}) > 1
    summary = json.loads((tmp_path / "spread" / "results.json").read_text(
        ))["summary"]
    accuracies = [c[-1][1] for c in curves]
    assert summary["mean"] == pytest.approx(np.mean(accuracies))
    assert summary["at_least_paper"] == 0
    assert "(the table row's stream)" in (
        tmp_path / "spread" / "streams.md").read_text()
    with pytest.raises(SystemExit):
        _load_script("table1_stream_spread").parse_args(["--streams", "0"])


def test_reproduce_table1_epoch_overrides():
    bench = _load_script("reproduce_table1")
    quick = bench.settings_from(bench.parse_args([]))["epochs"]
    longer = bench.settings_from(bench.parse_args(
        ["--deep-ae-epochs", "20", "--student-epochs", "30"]))["epochs"]
    assert longer == {**quick, "deep_ae": 20, "deep_dae": 20,
                      "student_epochs": 30}
    assert quick["deep_ae"] == quick["deep_dae"] == 5
    # The quick profile keeps the paper's teacher and student budgets and
    # trains every autoencoder less than the full profile does.
    full = bench.settings_from(bench.parse_args(["--profile", "full"]))
    full = full["epochs"]
    assert quick["student_epochs"] == full["student_epochs"] == 50
    assert quick["teacher"] == full["teacher"] == 20
    assert all(quick[k] < full[k] for k in full
               if k not in ("student_epochs", "teacher"))


def test_reproduce_table1_help(capsys):
    bench = _load_script("reproduce_table1")
    with pytest.raises(SystemExit) as exc:
        bench.parse_args(["--help"])
    assert exc.value.code == 0
    assert "--profile" in capsys.readouterr().out


def test_loader_errors_name_file_and_folder(tmp_path):
    with pytest.raises(DatasetFileError, match="No mnist folder at"):
        load_mnist(tmp_path)
    (tmp_path / "mnist").mkdir()
    with pytest.raises(DatasetFileError,
                       match="not found: .*train-images-idx3-ubyte.gz"):
        load_mnist(tmp_path)
    (tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz").write_bytes(b"junk")
    with pytest.raises(DatasetFileError,
                       match="Could not read .*t10k-images"):
        load_mnist(tmp_path, subset="test")


def test_loader_reads_a_written_idx_file(tmp_path):
    import gzip

    import numpy as np

    from sklearn_reinject.datasets import load_idx

    data = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    header = b"\x00\x00\x08\x03" + np.array([2, 3, 4], ">u4").tobytes()
    path = tmp_path / "x.gz"
    with gzip.open(path, "wb") as f:
        f.write(header + data.tobytes())
    np.testing.assert_array_equal(load_idx(path), data)
    with gzip.open(path, "wb") as f:
        f.write(header + data.tobytes()[:-1])
    with pytest.raises(Exception, match="announces shape"):
        load_idx(path)


def test_mnist_matches_published_statistics(mnist_available):
    bunch = load_mnist()
    assert bunch.X_train.shape == (60000, 784)
    assert bunch.X_test.shape == (10000, 784)
    assert bunch.X_train.dtype.name == "float32"
    assert 0.0 == bunch.X_train.min() and bunch.X_train.max() == 1.0
    # The data README's figures: mean pixel 33.318 (train), digit counts.
    assert bunch.X_train.mean() * 255 == pytest.approx(33.318, abs=1e-3)
    assert list(__import__("numpy").bincount(bunch.y_test)) == [
        980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_compare_generators_reads_fashion_mnist(mnist_available):
    # The rest of the script is the MNIST code path's, tested below.
    from argparse import Namespace

    from sklearn_reinject.datasets import load_fashion_mnist

    try:
        X_fashion = load_fashion_mnist(subset="train", return_X_y=True)[0]
    except DatasetFileError as exc:
        pytest.skip(f"Fashion-MNIST files not found: {exc}")
    bench = _load_script("compare_generators")
    args = Namespace(dataset="fashion-mnist", data_home=None, n_train=400)
    X_train, y_train, X_test, y_test = bench.load_images(args)
    np.testing.assert_array_equal(X_train, X_fashion[:400])
    assert len(y_train) == 400 and X_test.shape == (10_000, 784)
    X_mnist = bench.load_images(Namespace(dataset="mnist", data_home=None,
                                          n_train=400))[0]
    assert not np.array_equal(X_mnist, X_train)
    # The table names the data set; reports written before the option
    # were MNIST's.
    report = json.loads((Path(__file__).resolve().parents[1] / "docs"
                         / "_static" / "compare_quick_fashion"
                         / "results.json").read_text())
    assert report["dataset"] == "fashion-mnist"
    assert "\nfashion-mnist, profile `quick`" in bench.table_markdown(report)
    del report["dataset"]
    assert "\nmnist, profile `quick`" in bench.table_markdown(report)


# Large lam (or 1-epoch autoencoders) on purpose: the warning is expected.
@pytest.mark.filterwarnings("ignore::sklearn_reinject.SamplingWarning")
def test_compare_generators_code_path(mnist_available, tmp_path):
    bench = _load_script("compare_generators")
    out = tmp_path / "compare"
    report = bench.main(["--profile", "quick", "--device", "cpu",
                         "--epoch-cap", "1", "--budget", "400",
                         "--n-eval", "150", "--n-train", "600",
                         "--c2st-trees", "--out", str(out)])
    saved = json.loads((out / "results.json").read_text())
    assert set(saved["results"]) == set(report["results"])
    assert len(saved["results"]) == 30
    assert bench.REFERENCE in saved["results"]
    # Every generator fits on one split; lam=auto rows calibrate the
    # network of the row they name, so their fit time includes its.
    assert saved["n_fit"] + saved["n_calibration"] == saved["n_train"] == 600
    for row, base in [
            ("reinjection, deep DAE, lam=auto", "reinjection, deep DAE"),
            ("VAE + reinjection, lam=auto", "VAE ancestral")]:
        assert "lam" in saved["results"][row]
        assert saved["results"][row]["network_of"] == base
        assert (saved["results"][row]["fit_seconds"]
                >= saved["results"][base]["fit_seconds"])
    for res in saved["results"].values():
        for key, _, _ in bench.COLUMNS:
            assert key in res
        for key, _ in bench.PRIVACY_COLUMNS:
            assert key in res
        assert 0.0 <= res["closer_to_train"] <= 1.0
        assert 0.0 <= res["student_accuracy"] <= 1.0
        assert 0.0 <= res["c2st_auc"] <= 1.0
        assert 0.0 <= res["c2st_trees_auc"] <= 1.0
    table = (out / "comparison.md").read_text()
    assert "| C2ST AUC ↓ | C2ST AUC (trees) ↓ |" in table
    # Without the flag, no such column.
    assert "(trees)" not in bench.table_markdown({**saved,
                                                  "c2st_trees": False})
    rows = [line for line in table.splitlines() if line.startswith("|")]
    # The quality table and the memorisation table.
    assert "Best in each column:" in table and len(rows) == 2 * (2 + 30)
    # The reference row is never a column's best.
    best = table[table.index("Best in each column:"):]
    assert bench.REFERENCE not in best.split("Memorisation")[0]
    reference = next(r for r in rows if r.startswith(f"| {bench.REFERENCE} "))
    assert "**" not in reference
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    assert (out / "samples.png").stat().st_size > 1000


@pytest.mark.filterwarnings("ignore::sklearn_reinject.SamplingWarning")
def test_noise_refinement_code_path(mnist_available, tmp_path):
    bench = _load_script("noise_refinement")
    report = bench.main(["--seeds", "3", "--n-fit", "300",
                         "--n-eval", "100", "--teacher-epochs", "1",
                         "--deep-epochs", "1", "--shallow-epochs", "1",
                         "--vae-epochs", "1", "--refiner-epochs", "1",
                         "--student-epochs", "1", "--budget", "200",
                         "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    assert list(saved["results"]) == [name for name, _, _ in bench.ROWS]
    table = (tmp_path / "refinement.md").read_text()
    assert table.count("\n|") == len(bench.ROWS) + 1
    for name, runs in saved["results"].items():
        assert [r["seed"] for r in runs] == [3]
        assert all(np.isfinite([r[key] for key, _, _ in bench.METRICS]).all()
                   for r in runs)
    # The moment map changes the samples of the same walks.
    matched = report["results"]["shallow DAE from noise, moments matched"]
    plain = report["results"]["shallow DAE from noise"]
    assert [r["mmd2"] for r in matched] != [r["mmd2"] for r in plain]


@pytest.mark.filterwarnings("ignore::sklearn_reinject.SamplingWarning")
def test_vae_students_code_path(mnist_available, tmp_path):
    bench = _load_script("vae_students")
    report = bench.main(["--seeds", "0", "1", "--n-train", "600",
                         "--n-val", "200", "--teacher-epochs", "1",
                         "--vae-epochs", "1", "--dae-epochs", "1",
                         "--student-epochs", "1", "--budget", "300",
                         "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    assert list(saved["results"]) == [name for name, _, _ in bench.ROWS]
    assert saved["lams"] == report["lams"] and len(saved["lams"]) == 2
    table = (tmp_path / "students.md").read_text()
    assert table.count("\n|") == len(bench.ROWS) + 1
    for name, runs in saved["results"].items():
        assert [r["seed"] for r in runs] == [0, 1]
        acc = [r["accuracy"] for r in runs]
        assert all(0.0 <= a <= 1.0 for a in acc)
        assert all(np.isfinite(r["mmd2"]) for r in runs)
        assert all(0.0 <= r["c2st_auc"] <= 1.0 for r in runs)
        assert all(0.0 <= r["teacher_entropy"] <= 1.0 and
                   0.0 <= r["teacher_unsure_share"] <= 1.0 for r in runs)
        # The table's row is this row's mean over the seeds.
        assert f"| {name} | {np.mean(acc):.4f} ± {np.std(acc):.4f} |" in table


@pytest.mark.filterwarnings("ignore::sklearn_reinject.SamplingWarning")
@pytest.mark.parametrize("candidates, n_rows, some", [
    ("setting", 8, {"lam=0.4, mean output", "lam=1.6, mean output"}),
    ("schedules", 6, {"lam=0.4, mean output, cosine AE and student lr",
                      "real images, cosine student lr"}),
    ("balance", 2, {"lam=0.4, mean output",
                    "lam=0.4, mean output, balanced"}),
    ("ae_epochs", 2, {"lam=0.4, mean output, deep AE 20 epochs"}),
    ("temperature", 3, {"lam=0.4, mean output, T=1",
                        "lam=0.4, mean output, T=4"}),
    ("walks", 3, {"lam=0.4, mean output, 10 steps, 2 burnt",
                  "lam=0.4, mean output, 3 steps, 2 burnt"}),
])
def test_table1_student_setting_code_path(mnist_available, tmp_path,
                                          candidates, n_rows, some):
    bench = _load_script("table1_student_setting")
    report = bench.main(["--epoch-cap", "1", "--steps-per-epoch", "2",
                         "--walks-per-step", "5", "--n-train", "300",
                         "--candidates", candidates, "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["results"].keys() == report["results"].keys()
    assert len(saved["results"]) == n_rows
    assert some <= set(saved["results"])
    table = (tmp_path / "students.md").read_text()
    if candidates == "balance":
        assert sum(saved["class_shares"]) == pytest.approx(1.0)
        assert "most probable class of 20,000 samples" in table
    for name, res in saved["results"].items():
        # 1 epoch of 2 steps x 5 walks x 8 kept states.
        assert [seen for seen, _ in res["curve"]] == [80]
        assert f"| {name} | {res['accuracy']:.4f} |" in table


def test_speed_benchmarks_code_paths(tmp_path):
    """Both speed benchmarks run end to end on tiny sizes (not timed)."""
    sampling = _load_script("bench_sampling")
    out = tmp_path / "sampling.json"
    result = sampling.main(["--device", "cpu", "--n-samples", "400",
                            "--n-chains", "25", "--naive-walks", "2",
                            "--precisions", "float32", "bfloat16",
                            "--no-memory", "--matmul-size", "256",
                            "--json", str(out)])
    assert [r["precision"] for r in result["runs"]] == ["float32",
                                                        "bfloat16"]
    for run in result["runs"]:
        # 400 samples = 50 walks of 8 kept states = 500 network rows.
        assert run["network_rows"] == 500 and run["chunk_walks"] == 25
        assert run["time_ratio_vs_bare"] > 0 and run["flops_fraction"] > 0
    assert json.loads(out.read_text())["versions"]["device"] == "cpu"

    training = _load_script("bench_training")
    result = training.main(["--device", "cpu", "--n-samples", "256",
                            "--epochs", "2", "--repeats", "1",
                            "--batch-sizes", "128", "--precisions",
                            "float32", "bfloat16"])
    assert [(r["precision"], r["batch_size"], r["fused"])
            for r in result["runs"]] == [
        ("float32", 128, True), ("float32", 128, False),
        ("bfloat16", 128, True), ("bfloat16", 128, False)]
    assert all(r["ratio"] > 0 and r["fused_over_unfused"] > 0
               for r in result["runs"])

    small = _load_script("bench_small_fits")
    result = small.main(["--repeats", "1"])
    assert list(result["tasks"]) == list(small.TASKS)
    for medians in result["tasks"].values():
        assert list(medians) == list(small.SETTINGS)
        assert all(t > 0 for t in medians.values())


def test_multiscale_levels_code_path(mnist_available, tmp_path):
    bench = _load_script("multiscale_levels")
    result = bench.main(["--levels", "3", "12", "--epochs", "1",
                         "--n-fit", "300", "--n-eval", "100",
                         "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    assert set(saved["ladders"]) == {"3", "12"}
    assert len(saved["ladders"]["3"]["walks"]) == len(bench.WALKS)
    assert len(saved["ladders"]["12"]["walks"]) == (len(bench.WALKS)
                                                    + len(bench.SHORT_WALKS))
    for row in result["ladders"]["12"]["walks"]:
        assert np.isfinite(row["mmd2"]) and 0 <= row["label_entropy"] <= 1


def test_multiscale_levels_extent_sets_the_top_level(
        mnist_available, tmp_path):
    from sklearn.metrics.pairwise import euclidean_distances

    bench = _load_script("multiscale_levels")
    result = bench.main(["--levels", "3", "--sigma-max", "extent",
                         "--epochs", "1", "--n-fit", "300", "--n-eval",
                         "100", "--out", str(tmp_path)])
    X = load_mnist(subset="train", return_X_y=True)[0][:300]
    # Fewer than 1,000 rows: the largest distance over all of them.
    assert result["sigma_max"] == pytest.approx(
        euclidean_distances(X).max(), rel=1e-5)
    assert result["sigma_max"] > 1.0


def test_multiscale_denoiser_code_path(mnist_available, tmp_path):
    bench = _load_script("multiscale_denoiser")
    result = bench.main(["--epochs", "1", "--n-fit", "300", "--n-eval",
                         "100", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    assert set(saved["networks"]) == {"previous", "current"}
    for entry in result["networks"].values():
        assert len(entry["mse_over_wiener"]) == 10
        assert all(np.isfinite(entry["mse_over_wiener"]))
        assert len(entry["walks"]) == len(bench.WALKS)
        for walk in entry["walks"]:
            assert np.isfinite(walk["mmd2"])
            assert 0 <= walk["label_entropy"] <= 1
    assert "current / Wiener" in (tmp_path / "denoiser.md").read_text()


def test_distiller_student_setting_code_path(tmp_path):
    bench = _load_script("distiller_student_setting")
    report = bench.main(["--datasets", "iris", "--seeds", "0",
                         "--out", str(tmp_path)])
    assert set(report["results"]["iris"]) == set(bench.STUDENTS)
    for entry in report["results"]["iris"].values():
        assert len(entry["scores"]) == 3
        assert all(0 <= s <= 1 for s in entry["scores"])
    assert "iris" in (tmp_path / "students.md").read_text()


def test_bench_checks_code_path():
    bench = _load_script("bench_checks")
    result = bench.main(["--estimators", "GaussianNoiseSampler()"])
    entry = result["estimators"]["GaussianNoiseSampler()"]
    assert entry["failed"] == [] and entry["seconds"] > 0


def test_bench_contractive_code_path():
    bench = _load_script("bench_contractive")
    result = bench.main(["--repeats", "1", "--datasets", "iris"])
    assert list(result["datasets"]["iris"]) == list(bench.SETTINGS)
    assert all(t > 0 for t in result["datasets"]["iris"].values())
    result = bench.main(["--repeats", "1", "--datasets", "iris",
                         "--activations", "elu"])
    assert list(result["datasets"]["iris"]["elu"]) == list(bench.DERIVATIVES)
    # The closed forms are back in place after the jvp runs.
    assert (bench.jacobian._elementwise_derivative
            is bench.DERIVATIVES["closed form (default)"])


@pytest.mark.filterwarnings("ignore::sklearn_reinject.SamplingWarning")
def test_continual_split_mnist_code_path(mnist_available, tmp_path):
    bench = _load_script("continual_split_mnist")
    report = bench.main(["--profile", "smoke", "--device", "cpu",
                         "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "continual.json").read_text())
    assert set(saved["results"]) == {
        "no replay (fine-tuning)", "Gaussian-noise replay",
        "VAE replay (deep generative replay)",
        "reinjection replay, DAE, lam=auto",
        "reinjection replay, DAE, lam=auto, mean output",
        "reinjection replay, VAE prior, lam=auto",
        "reinjection replay, VAE prior, lam=auto, shared memory",
        "reinjection replay, VAE prior, lam=auto, shared memory, trained on",
        bench.DEFAULT, bench.OLD_DEFAULT,
        "joint training (upper bound)"}
    assert saved["settings"] == report["settings"]
    for name, runs in saved["results"].items():
        assert len(runs) == 1
        assert 0.0 <= runs[0]["accuracy"] <= 1.0
        assert len(runs[0]["per_task"]) == 5
        if name != "joint training (upper bound)":
            assert len(runs[0]["curve"]) == 5
    assert "| method |" in (tmp_path / "continual.md").read_text()


def test_compare_imbalanced_code_path(tmp_path):
    pytest.importorskip("imblearn")
    bench = _load_script("compare_imbalanced")
    report = bench.main(["--profile", "smoke", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    assert set(saved["summary"]) == set(bench.PROFILES["smoke"]["problems"])
    for rows in saved["summary"].values():
        assert set(rows) == {"none", "RandomOverSampler", "SMOTE", "ADASYN",
                             "BorderlineSMOTE", "reinjection (DAE)"}
        for entry in rows.values():
            if "seconds" in entry:
                low, _ = entry["logistic balanced_accuracy"]
                assert 0.0 <= low <= 1.0
    assert set(saved["verdicts"]) == set(saved["summary"])
    table = (tmp_path / "imbalanced.md").read_text()
    assert "matches SMOTE" in table and report["profile"] == "smoke"
    # --walk sets the reinjection row's walk length, and nothing else.
    default = bench.samplers(0)["reinjection (DAE)"].get_params()
    short = bench.samplers(0, (3, 0))["reinjection (DAE)"].get_params()
    assert (short["n_steps"], short["burn_in"]) == (3, 0)
    assert {k: v for k, v in short.items() if k not in (
        "n_steps", "burn_in", "autoencoder")} == {
        k: v for k, v in default.items() if k not in (
            "n_steps", "burn_in", "autoencoder")}


@pytest.mark.parametrize("compare, table", [
    ("walks", "walk_length.md"), ("lam", "lam.md"), ("init", "init.md")])
def test_imbalanced_walk_length_code_path(tmp_path, compare, table):
    bench = _load_script("imbalanced_walk_length")
    report = bench.main(["--profile", "smoke", "--compare", compare,
                         "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    assert list(saved["summary"]) == list(bench.COMPARISONS[compare])
    assert saved["overall"] == report["overall"]
    for name, rows in saved["summary"].items():
        assert set(rows) == {"wine, class 2 cut to 10 (logistic)",
                             "wine, class 2 cut to 10 (forest)"}
        assert all(0.0 <= mean <= 1.0 for mean, _ in rows.values())
        assert f"**{saved['overall'][name]:.4f}**" in (
            tmp_path / table).read_text()
        energy = saved["energy"][name]["wine, class 2 cut to 10"]
        assert np.isfinite(energy) and energy > 0


@pytest.mark.filterwarnings("ignore::sklearn_reinject.SamplingWarning")
@pytest.mark.parametrize("candidates", ["sampler", "balance", "generator"])
def test_distiller_sampler_setting_code_path(mnist_available, tmp_path,
                                             candidates):
    bench = _load_script("distiller_sampler_setting")
    report = bench.main(["--datasets", "MNIST", "--seeds", "0",
                         "--n-train", "300", "--n-val", "200",
                         "--n-samples", "300", "--candidates", candidates,
                         "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    expected = {"sampler": bench.SETTINGS, "balance": bench.BALANCE,
                "generator": bench.GENERATORS}[candidates]
    assert list(saved["results"]["MNIST"]) == list(expected)
    assert saved["results"] == report["results"]
    for runs in saved["results"]["MNIST"].values():
        assert [r["seed"] for r in runs] == [0]
        assert all(0.0 <= r["accuracy"] <= 1.0 for r in runs)
    table = (tmp_path / "setting.md").read_text()
    assert table.count("\n|") == len(expected) + 1


def test_distiller_small_tables_code_path(tmp_path):
    bench = _load_script("distiller_small_tables")
    report = bench.main(["--seeds", "0", "--datasets", "iris", "--out",
                         str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["results"] == report["results"]
    assert list(saved["results"]) == ["iris, raw", "iris, scaled"]
    for by_sampler in saved["results"].values():
        assert list(by_sampler) == list(bench.SAMPLERS)
        for scores in by_sampler.values():
            assert len(scores) == 1 and 0.0 <= scores[0] <= 1.0
    for key, by_sampler in saved["folds"].items():
        for name, folds in by_sampler.items():
            assert [f["fold"] for f in folds] == [0, 1, 2]
            # The folds' accuracies average to the seed's score.
            assert np.isclose(np.mean([f["accuracy"] for f in folds]),
                              saved["results"][key][name][0])
            assert all(0.0 <= f["agreement"] <= 1.0 for f in folds)
    assert (tmp_path / "tables.md").read_text().count("\n|") == 11
