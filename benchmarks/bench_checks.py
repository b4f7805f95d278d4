"""Seconds of scikit-learn's check_estimator on each default estimator.

Every public estimator is constructed with its default parameters (the
sampler around a default ``DenoisingAutoencoder``) and run through
``sklearn.utils.estimator_checks.check_estimator`` in this one process,
one after the other. Prints the seconds each took and the checks that
failed (none expected).

    python benchmarks/bench_checks.py
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, versions  # noqa: E402

# The test suite's list of default estimators, so that the two agree.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests._estimators import default_estimators  # noqa: E402


def main(argv=None):
    from sklearn.utils.estimator_checks import check_estimator

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--estimators", nargs="+", default=None,
                        help="names as printed (default: all)")
    args = parser.parse_args(argv)
    estimators = default_estimators()
    names = args.estimators or list(estimators)
    result = {"versions": versions("cpu"), "command": " ".join(sys.argv),
              "estimators": {}}
    rows = []
    for name in names:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            checks = check_estimator(estimators[name](), on_fail=None)
            seconds = time.perf_counter() - start
        failed = [c["check_name"] for c in checks if c["status"] == "failed"]
        result["estimators"][name] = {"seconds": seconds, "failed": failed}
        rows.append([name, f"{seconds:.1f}", ", ".join(failed) or "none"])
        print(f"{name}: {seconds:.1f} s", flush=True)
    print(f"\n{result['versions']['threads']} threads\n")
    print(markdown_table(rows, ["estimator", "seconds", "failed checks"]))
    return result


if __name__ == "__main__":
    main()
