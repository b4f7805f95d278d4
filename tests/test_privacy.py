"""Nothing of the training rows is kept; memorisation measures."""

import pickle
import warnings

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from sklearn_reinject import (PseudoRehearsalClassifier, ReinjectionSampler,
                              SoftTargetClassifier, SyntheticDistiller)
from sklearn_reinject.metrics import (closer_to_training_share,
                                      distance_to_closest_record,
                                      near_copy_share,
                                      nearest_neighbor_distance_ratio)

from ._estimators import all_estimators, small_autoencoder


def _marked_data():
    """Data with a recognisable marker row inside the data's range."""
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 1, size=(60, 6)).astype(np.float32)
    X[5] = [0.123, 0.456, 0.789, 0.321, 0.654, 0.987]
    return X, np.arange(60) % 3


def _rows_in(blob, X):
    """Indices of the rows of X whose float32 or float64 bytes are in blob."""
    return [i for i, row in enumerate(X)
            if row.astype(np.float32).tobytes() in blob
            or row.astype(np.float64).tobytes() in blob]


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y) if hasattr(est, "predict") else est.fit(X)


@pytest.mark.parametrize("est", all_estimators(),
                         ids=lambda e: type(e).__name__)
def test_fitted_estimators_keep_no_training_row(est):
    X, y = _marked_data()
    blob = pickle.dumps(_fit(est, X, y))
    assert _rows_in(blob, X) == []


@pytest.mark.parametrize("make", [SyntheticDistiller,
                                  PseudoRehearsalClassifier],
                         ids=lambda m: f"{m.__name__}()")
def test_default_generators_keep_no_training_row(make):
    # The default sampler walks from a VAE's prior and calibrates lam on a
    # held-out slice; neither the slice nor a start row may be kept.
    X, y = _marked_data()
    est = make(random_state=0)
    if isinstance(est, PseudoRehearsalClassifier):
        est.set_params(classifier=SoftTargetClassifier(max_epochs=2))
    blob = pickle.dumps(_fit(est, X, y))
    assert _rows_in(blob, X) == []


def _rows_reachable_from(obj, X):
    """Rows of X whose bytes are in an array or tensor that obj reaches.

    Follows every reference (``gc.get_referents``), so it also sees what a
    pickle leaves out: the skorch net, its optimiser, closures, iterators.
    """
    import gc
    import types

    import torch

    seen, stack, blobs = set(), [obj], []
    while stack:
        o = stack.pop()
        if id(o) in seen or isinstance(o, (types.ModuleType, type)):
            continue
        seen.add(id(o))
        if isinstance(o, np.ndarray):
            blobs.append(np.ascontiguousarray(o).tobytes())
            if o.base is not None:
                stack.append(o.base)
        elif isinstance(o, torch.Tensor):
            blobs.append(o.detach().cpu().contiguous().numpy().tobytes())
        else:
            stack.extend(gc.get_referents(o))
    return _rows_in(b"|".join(blobs), X)


@pytest.mark.parametrize("est", all_estimators(),
                         ids=lambda e: type(e).__name__)
def test_fitted_estimators_hold_no_training_row_in_memory(est):
    # For users who cannot keep the data in memory (continual learning):
    # the live estimator, net and optimiser included, holds no row either.
    X, y = _marked_data()
    fitted = _fit(est, X.copy(), y.copy())
    assert _rows_reachable_from(fitted, X) == []


@pytest.mark.parametrize("est", [
    e for e in all_estimators() if "validation_fraction" in e.get_params()],
    ids=lambda e: type(e).__name__)
def test_held_out_validation_rows_are_not_kept(est):
    # The rows that fit holds out to score its epochs are dropped with
    # the training rows: from the pickle and from the live net.
    X, y = _marked_data()
    fitted = _fit(est.set_params(validation_fraction=0.5), X.copy(),
                  y.copy())
    assert "valid_loss" in fitted.history_[-1]
    assert _rows_reachable_from(fitted, X) == []
    assert _rows_in(pickle.dumps(fitted), X) == []


def test_the_search_for_rows_finds_a_kept_row():
    # The check above can fail: init="data" keeps rows, and it finds them.
    X, y = _marked_data()
    sampler = _fit(ReinjectionSampler(small_autoencoder(), init="data",
                                      random_state=0), X, y)
    assert 5 in _rows_in(pickle.dumps(sampler), X)
    assert 5 in _rows_reachable_from(sampler, X)
    assert sampler.init_data_.shape == X.shape


def test_refit_with_another_init_drops_the_kept_rows():
    X, y = _marked_data()
    sampler = _fit(ReinjectionSampler(small_autoencoder(), init="data",
                                      random_state=0), X, y)
    _fit(sampler.set_params(init="normal"), X, y)
    assert not hasattr(sampler, "init_data_")
    assert _rows_in(pickle.dumps(sampler), X) == []


def test_a_generator_as_init_keeps_no_training_row():
    # init=<estimator>: the sampler holds the fitted generator (init_),
    # which for a VAE is weights, not rows.
    from sklearn_reinject import VariationalAutoencoder

    X, y = _marked_data()
    sampler = _fit(ReinjectionSampler(
        small_autoencoder(), random_state=0,
        init=small_autoencoder(VariationalAutoencoder, loss="mse")), X, y)
    assert hasattr(sampler, "init_")
    assert _rows_in(pickle.dumps(sampler), X) == []
    assert _rows_reachable_from(sampler, X) == []


# -- memorisation measures -----------------------------------------------


@pytest.fixture(scope="module")
def gaussian_sets():
    rng = np.random.RandomState(0)
    X_train, X_holdout, X_fresh = rng.normal(size=(3, 500, 5))
    return X_train, X_holdout, X_fresh


@pytest.mark.parametrize("batch_size", [7, 1024])
def test_dcr_and_nndr_match_a_direct_computation(gaussian_sets, batch_size):
    X_train, _, X_fresh = gaussian_sets
    d = np.sort(cdist(X_fresh, X_train), axis=1)
    np.testing.assert_allclose(
        distance_to_closest_record(X_fresh, X_train, batch_size=batch_size),
        d[:, 0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        nearest_neighbor_distance_ratio(X_fresh, X_train,
                                        batch_size=batch_size),
        d[:, 0] / d[:, 1], rtol=0, atol=1e-6)
    radius = np.median(d[:, 0])
    assert near_copy_share(X_fresh, X_train, radius=radius,
                           batch_size=batch_size) == pytest.approx(
        np.mean(d[:, 0] <= radius), abs=1e-12)


def test_closer_to_training_share_matches_a_direct_computation(
        gaussian_sets):
    X_train, X_holdout, X_fresh = gaussian_sets
    d_t = cdist(X_fresh, X_train).min(1)
    d_h = cdist(X_fresh, X_holdout).min(1)
    expected = np.mean((d_t < d_h) + 0.5 * (d_t == d_h))
    assert closer_to_training_share(X_fresh, X_train, X_holdout,
                                    batch_size=64) == pytest.approx(
        expected, abs=1e-12)


def test_a_copying_generator_scores_as_memorising(gaussian_sets):
    X_train, X_holdout, _ = gaussian_sets
    copies = X_train[::2].astype(np.float32)
    train32 = X_train.astype(np.float32)
    assert closer_to_training_share(copies, train32, X_holdout) == 1.0
    assert near_copy_share(copies, train32) == 1.0
    np.testing.assert_array_equal(
        distance_to_closest_record(copies, train32), 0.0)
    np.testing.assert_array_equal(
        nearest_neighbor_distance_ratio(copies, train32), 0.0)


def test_a_fresh_sample_does_not_score_as_memorising(gaussian_sets):
    X_train, X_holdout, X_fresh = gaussian_sets
    # Over 20 seeds of this set-up the share lay in [0.468, 0.538].
    assert abs(closer_to_training_share(X_fresh, X_train, X_holdout)
               - 0.5) < 0.06
    assert near_copy_share(X_fresh, X_train) == 0.0
    # Fresh rows sit between training rows: their mean ratio was 0.82.
    assert nearest_neighbor_distance_ratio(X_fresh, X_train).mean() > 0.7


def test_closer_share_equalises_set_sizes(gaussian_sets):
    # With ten times more training rows a fresh sample would look closer
    # to the training data; the subsample removes that advantage.
    X_train, X_holdout, X_fresh = gaussian_sets
    rng = np.random.RandomState(1)
    big_train = np.vstack([X_train, rng.normal(size=(4500, 5))])
    assert abs(closer_to_training_share(X_fresh, big_train, X_holdout)
               - 0.5) < 0.06


@pytest.mark.parametrize("fn", [distance_to_closest_record,
                                nearest_neighbor_distance_ratio,
                                near_copy_share])
def test_memorisation_measures_reject_bad_input(fn):
    good = np.zeros((4, 3))
    with pytest.raises(ValueError, match="NaN"):
        fn(np.full((4, 3), np.nan), good)
    with pytest.raises(ValueError, match="X_train"):
        fn(good, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="0 sample"):
        fn(np.zeros((0, 3)), good)
    with pytest.raises(ValueError, match="batch_size"):
        fn(good, good, batch_size=0)


def test_closer_share_rejects_bad_input():
    good = np.zeros((4, 3))
    with pytest.raises(ValueError, match="X_holdout"):
        closer_to_training_share(good, good, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="inf"):
        closer_to_training_share(good, good, np.full((4, 3), np.inf))
    with pytest.raises(ValueError, match="radius"):
        near_copy_share(good, good, radius=-1.0)


# -- long fits survive interruption ---------------------------------------


class _InterruptDuringEpoch:
    """Stands in for Ctrl-C pressed during epoch ``epoch``."""

    def __new__(cls, epoch):
        from skorch.callbacks import Callback

        class Interrupt(Callback):
            def on_batch_end(self, net, **kwargs):
                if len(net.history) == epoch and len(
                        net.history[-1]["batches"]) == 2:
                    raise KeyboardInterrupt

        return Interrupt()


def _state(est):
    return [p.detach().clone() for p in est.module_.parameters()]


@pytest.mark.parametrize("kind", ["lossy", "denoising"])
def test_checkpointed_fit_resumes_to_the_uninterrupted_result(
        tmp_path, digits, kind):
    from skorch.callbacks import Checkpoint, LoadInitState

    from sklearn_reinject import DenoisingAutoencoder, LossyAutoencoder

    cls, extra = ((LossyAutoencoder, {}) if kind == "lossy" else
                  (DenoisingAutoencoder, dict(noise_std=0.2,
                                              salt_pepper_prob=0.05)))
    X = digits[0][:256]

    def make(*callbacks):
        return small_autoencoder(cls, max_epochs=6, callbacks=list(callbacks),
                                 **extra)

    reference = make().fit(X)

    checkpoint = Checkpoint(dirname=str(tmp_path), monitor=None)
    with pytest.warns(UserWarning, match="interrupted after 3 of 6"):
        make(checkpoint, _InterruptDuringEpoch(4)).fit(X)
    # A new process: a fresh estimator that loads the last checkpoint
    # (weights, Adam's moments, history) and runs the remaining epochs.
    checkpoint = Checkpoint(dirname=str(tmp_path), monitor=None)
    resumed = make(checkpoint, LoadInitState(checkpoint)).fit(X)

    assert resumed.n_iter_ == 6
    np.testing.assert_allclose(resumed.loss_curve_, reference.loss_curve_,
                               rtol=1e-6)
    for a, b in zip(_state(resumed), _state(reference)):
        torch_testing_equal(a, b)


def torch_testing_equal(a, b):
    import torch

    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_partial_fit_after_unpickling_continues_the_optimiser(digits):
    from sklearn_reinject import SoftTargetClassifier

    X, y = digits[0][:300], digits[2][:300]
    clf = SoftTargetClassifier(hidden_layer_sizes=(16,), batch_size=64,
                               device="cpu", random_state=0)
    for _ in range(3):
        clf.partial_fit(X, y, classes=np.arange(10))
    copy = pickle.loads(pickle.dumps(clf))
    clf.partial_fit(X, y)
    copy.partial_fit(X, y)
    assert copy.n_iter_ == clf.n_iter_ == 4
    for a, b in zip(_state(copy), _state(clf)):
        torch_testing_equal(a, b)


# -- bad input, round two ---------------------------------------------------


def test_distiller_on_one_class_raises_a_clear_error():
    X, _ = _marked_data()
    with pytest.raises(ValueError, match="at least 2 classes.*only one "
                                         "class: 7"):
        SyntheticDistiller(n_samples=50).fit(X, np.full(len(X), 7))


def test_lam_that_throws_chains_out_of_float32_range_raises(digits):
    from sklearn_reinject import ChainDivergenceError

    ae = small_autoencoder(loss="mse").fit(digits[0][:200])
    # Finite values, but of magnitude 1e15 and more: before, these came back
    # with a SamplingWarning only.
    with pytest.raises(ChainDivergenceError,
                       match=r"beyond 1e\+18 .*lam=1e\+40.*matched value"):
        ReinjectionSampler(ae, lam=1e40, random_state=0).sample(50)
