"""Small, fast instances of every public estimator, shared by the tests."""

import torch

from sklearn_reinject import (ContractiveAutoencoder, DenoisingAutoencoder,
                              GaussianNoiseSampler, VariationalAutoencoder,
                              LossyAutoencoder, MultiScaleDenoisingAutoencoder,
                              PseudoRehearsalClassifier, ReinjectionSampler,
                              SoftTargetClassifier, SyntheticDistiller)

from sklearn_reinject.sampling import ModuleAutoencoder

FAST = dict(max_epochs=3, batch_size=32, device="cpu", random_state=0)


def small_autoencoder(cls=LossyAutoencoder, **kwargs):
    return cls(**{"hidden_layer_sizes": (8, 3), **FAST, **kwargs})


def all_estimators():
    """One small instance of each public estimator."""
    return [
        small_autoencoder(),
        small_autoencoder(DenoisingAutoencoder, preact_noise_std=0.1,
                          salt_pepper_prob=0.05),
        small_autoencoder(ContractiveAutoencoder, contraction=0.05),
        small_autoencoder(VariationalAutoencoder, loss="mse"),
        MultiScaleDenoisingAutoencoder(hidden_layer_sizes=(8,),
                                       n_noise_levels=3, **FAST),
        ReinjectionSampler(small_autoencoder(), random_state=0),
        ReinjectionSampler(small_autoencoder(), method="mh", n_steps=4,
                           burn_in=1, random_state=0),
        ReinjectionSampler(MultiScaleDenoisingAutoencoder(
            hidden_layer_sizes=(8,), n_noise_levels=3, **FAST),
            lam="auto", output="mean", n_steps=3, burn_in=1,
            random_state=0),
        GaussianNoiseSampler(random_state=0),
        # A shape-preserving module: the checks fit on any width.
        ModuleAutoencoder(torch.nn.Sequential(torch.nn.Tanh())),
        ReinjectionSampler(ModuleAutoencoder(torch.nn.Sequential(
            torch.nn.Tanh())), lam=0.05, random_state=0),
        SoftTargetClassifier(hidden_layer_sizes=(16,),
                             **{**FAST, "max_epochs": 30}),
        SyntheticDistiller(
            teacher=SoftTargetClassifier(hidden_layer_sizes=(16,), **FAST),
            sampler=ReinjectionSampler(small_autoencoder()),
            student=SoftTargetClassifier(hidden_layer_sizes=(16,), **FAST),
            n_samples=200, random_state=0),
        PseudoRehearsalClassifier(
            ReinjectionSampler(small_autoencoder(), n_steps=3, burn_in=1),
            SoftTargetClassifier(hidden_layer_sizes=(16,),
                                 **{**FAST, "max_epochs": 30}),
            random_state=0),
    ]


def default_estimators():
    """Public estimators as a new user makes them: default parameters.

    A dict from each estimator's name, as printed, to a function that makes
    a fresh one. ``ReinjectionSampler`` needs an autoencoder: it gets the
    README's ``DenoisingAutoencoder()``. ``tests/test_common.py`` runs
    scikit-learn's checks on these and ``benchmarks/bench_checks.py`` times
    them.
    """
    return {
        "LossyAutoencoder()": LossyAutoencoder,
        "DenoisingAutoencoder()": DenoisingAutoencoder,
        "ContractiveAutoencoder()": ContractiveAutoencoder,
        "VariationalAutoencoder()": VariationalAutoencoder,
        "MultiScaleDenoisingAutoencoder()": MultiScaleDenoisingAutoencoder,
        "GaussianNoiseSampler()": GaussianNoiseSampler,
        "SoftTargetClassifier()": SoftTargetClassifier,
        "PseudoRehearsalClassifier()": PseudoRehearsalClassifier,
        "SyntheticDistiller()": SyntheticDistiller,
        "ReinjectionSampler(DenoisingAutoencoder())":
            lambda: ReinjectionSampler(DenoisingAutoencoder()),
    }
