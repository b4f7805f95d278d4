"""Seconds of ContractiveAutoencoder.fit with each exact Jacobian penalty.

``ContractiveAutoencoder`` penalises ``||d r(x) / d x||_F**2``. Up to 32
features it computes the penalty exactly. It now carries the Jacobian
forward through the layers with the activations
(:func:`sklearn_reinject.nn.chain_jacobian_frobenius_sq`: ``n_features``
tangent directions, then one ordinary backward pass); before, it
back-propagated once per output feature in one batched call with a
second-order graph (``jacobian_frobenius_sq(method="exact")``), which the
"batched backward" setting here restores. Both give the same penalty and
gradients up to float rounding (``tests/test_score_estimation.py``).

Times, alternating the settings in one run, the default
``ContractiveAutoencoder()`` on standardised data sets that ship with
scikit-learn, and prints the medians and their ratio.

``--activations gelu elu ...`` times instead, for each activation, the
forward-carried penalty with the activation's derivative in closed form
(the default for the package's named activations) and through one
forward-mode ``torch.func.jvp`` (what any other element-wise module
gets).

    python benchmarks/bench_contractive.py --repeats 5
    python benchmarks/bench_contractive.py --repeats 5 --datasets breast_cancer \
        --activations gelu elu silu softplus leaky_relu
"""

import argparse
import functools
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (alternating_medians, markdown_table,  # noqa: E402
                     ratio_rows, versions)

import sklearn_reinject.nn._jacobian as jacobian  # noqa: E402
from sklearn_reinject import ContractiveAutoencoder  # noqa: E402
from sklearn_reinject.nn import jacobian_frobenius_sq  # noqa: E402

CLOSED_FORM = jacobian._elementwise_derivative


def jvp_derivative(activation, z, a):
    """Every activation's derivative through one forward-mode jvp."""
    if isinstance(activation, torch.nn.Identity):
        return None
    return torch.func.jvp(activation, (z,), (torch.ones_like(z),))[1]


DERIVATIVES = {"closed form (default)": CLOSED_FORM,
               "forward-mode jvp": jvp_derivative}


class BatchedBackwardCAE(ContractiveAutoencoder):
    """The previous exact penalty: one batched backward pass per output."""

    def _penalty_fn(self, generator):
        weight = float(self.contraction)

        def penalty(module, x):
            return weight * jacobian_frobenius_sq(
                module.reconstruct, x, method="exact").mean()

        return penalty


SETTINGS = {"forward-carried (default)": ContractiveAutoencoder,
            "batched backward": BatchedBackwardCAE}


def load(name):
    from sklearn import datasets

    X = getattr(datasets, f"load_{name}")(return_X_y=True)[0]
    return ((X - X.mean(0)) / X.std(0)).astype(np.float32)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5,
                        help="alternating runs of each setting; the median "
                             "counts")
    parser.add_argument("--datasets", nargs="+",
                        default=["iris", "wine", "breast_cancer"])
    parser.add_argument("--activations", nargs="+", default=None,
                        help="compare the activation derivatives instead")
    args = parser.parse_args(argv)
    if args.activations:
        return measure(args, derivative_cases(args.activations),
                       "ContractiveAutoencoder(activation=...).fit",
                       ["data, activation", "derivative"])
    return measure(args, penalty_cases, "ContractiveAutoencoder().fit",
                   ["data", "penalty"])


def penalty_cases(X):
    """The default fit with each exact penalty: one case per data set."""
    def run(cls, rep):
        start = time.perf_counter()
        cls(random_state=rep).fit(X)
        return time.perf_counter() - start

    return [(None, SETTINGS, run, "forward-carried (default)",
             ContractiveAutoencoder)]


def derivative_cases(activations):
    """Closed-form against jvp derivatives: one case per activation."""
    def cases(X):
        out = []
        for activation in activations:
            def run(derivative, rep, activation=activation):
                jacobian._elementwise_derivative = derivative
                try:
                    start = time.perf_counter()
                    ContractiveAutoencoder(activation=activation,
                                           random_state=rep).fit(X)
                    return time.perf_counter() - start
                finally:
                    jacobian._elementwise_derivative = CLOSED_FORM

            out.append((activation, DERIVATIVES, run, "closed form (default)",
                        functools.partial(ContractiveAutoencoder,
                                          activation=activation)))
        return out
    return cases


def measure(args, cases, what, columns):
    """Alternating medians of every case on every data set, as a table.

    ``cases(X)`` lists ``(key, settings, run, reference, warm_up)``: the
    medians go to ``result["datasets"][name][key]`` (to ``[name]`` when
    ``key`` is None), after one warm-up fit of ``warm_up(random_state=0)``.
    """
    result = {"versions": versions("cpu"), "command": " ".join(sys.argv),
              "datasets": {}}
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in args.datasets:
            X = load(name)
            for key, settings, run, reference, warm_up in cases(X):
                warm_up(random_state=0).fit(X)
                medians = alternating_medians(settings, run, args.repeats)
                label = f"{name} ({X.shape[0]} x {X.shape[1]})"
                if key is None:
                    result["datasets"][name] = medians
                else:
                    result["datasets"].setdefault(name, {})[key] = medians
                    label += f", {key}"
                rows += ratio_rows(label, medians, reference)
    print(f"{result['versions']['threads']} threads; median seconds of "
          f"{args.repeats} alternating runs of {what}\n")
    print(markdown_table(rows, columns + ["seconds", "ratio to the default"]))
    return result


if __name__ == "__main__":
    main()
