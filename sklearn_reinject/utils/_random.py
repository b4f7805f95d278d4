"""Random state plumbing: one numpy RandomState, torch generators from it."""

import numpy as np
import torch
from sklearn.utils import check_random_state

MAX_SEED = np.iinfo(np.int32).max


def draw_seeds(random_state, n):
    """Draw ``n`` integer seeds from ``random_state`` (int, RandomState, None)."""
    rng = check_random_state(random_state)
    return [int(s) for s in rng.randint(MAX_SEED, size=n)]


def torch_generator(seed, device="cpu"):
    """A ``torch.Generator`` on ``device`` seeded with ``seed``.

    Random numbers for chains and corruption are drawn on the device itself so
    that no host-device copy is needed per step.
    """
    device = torch.device(device)
    gen = torch.Generator(device=device)
    gen.manual_seed(int(seed))
    return gen
