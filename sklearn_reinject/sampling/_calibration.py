"""``lam="auto"``: choose the sampling ``lam`` on rows held out from training."""

import warnings

import numpy as np

from ..exceptions import ChainDivergenceError, SamplingWarning
from ..metrics import median_heuristic, mmd2_unbiased
from ..utils._constants import round_lam
from ..utils._random import draw_seeds

#: Share of X held out from the autoencoder's training, and the most rows
#: held out (and sampled per candidate).
CALIBRATION_FRACTION = 0.1
CALIBRATION_MAX_ROWS = 2000
#: Candidates, as multiples of the autoencoder's matched ``default_lam()``.
CALIBRATION_GRID = np.geomspace(1 / 64, 4, 9)


def calibration_split(X, prefit, random_state):
    """Rows to train on and rows to calibrate ``lam`` on.

    A fitted (or frozen) autoencoder (``prefit``) is calibrated on up to
    ``CALIBRATION_MAX_ROWS`` rows of ``X``, which should then be rows it
    was not trained on. Otherwise a held-out slice of ``X``, drawn from
    ``random_state``, is kept from the autoencoder's training.
    """
    if prefit:
        return X, X[:CALIBRATION_MAX_ROWS]
    n_cal = min(CALIBRATION_MAX_ROWS,
                max(2, int(len(X) * CALIBRATION_FRACTION)))
    if len(X) - n_cal < 1:
        raise ValueError(
            "lam='auto' calibrates lam on a held-out slice of X "
            f"({CALIBRATION_FRACTION:.0%}, at least 2 rows), which X with "
            f"n_samples = {len(X)} cannot spare. Pass a float lam.")
    rng = np.random.RandomState(draw_seeds(random_state, 2)[1])
    order = rng.permutation(len(X))
    return X[np.sort(order[n_cal:])], X[np.sort(order[:n_cal])]


def calibrate_lam(sample, centre, X_cal):
    """Choose ``lam`` by the MMD² of samples to held-out rows.

    Candidates: ``centre`` times a geometric grid from 1/64 to 4. Every
    candidate samples ``len(X_cal)`` rows with the same seed (common random
    numbers) through ``sample(lam, n_samples)``, and the one with the
    smallest unbiased MMD² (median-heuristic bandwidth on ``X_cal``) wins.

    Returns
    -------
    lam : float
        The chosen candidate.
    grid : ndarray of shape (9,)
        The candidates.
    scores : ndarray of shape (9,)
        Their MMD², ``inf`` where the chains diverged.
    """
    grid = np.array([round_lam(v) for v in float(centre) * CALIBRATION_GRID])
    bandwidth = median_heuristic(X_cal, random_state=0)
    scores = []
    for lam in grid:
        with warnings.catch_warnings():
            # Candidates far above the matched value are expected to stray;
            # the calibration is what rules them out.
            warnings.simplefilter("ignore", SamplingWarning)
            try:
                X_syn = sample(float(lam), len(X_cal))
            except ChainDivergenceError:
                scores.append(np.inf)
                continue
        scores.append(mmd2_unbiased(X_syn, X_cal, bandwidth=bandwidth))
    scores = np.asarray(scores)
    if not np.isfinite(scores).any():
        raise ChainDivergenceError(
            "Every lam candidate of the calibration diverged (from "
            f"{grid[0]:g} to {grid[-1]:g}): check the autoencoder.")
    return float(grid[np.argmin(scores)]), grid, scores
