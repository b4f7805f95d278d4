"""skorch's optimizer__* and callbacks__* arguments on the estimators."""

import pickle
import warnings
from copy import copy as shallow_copy

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Checkpoint, EarlyStopping

from sklearn_reinject import (ContractiveAutoencoder, DenoisingAutoencoder,
                              LossyAutoencoder,
                              MultiScaleDenoisingAutoencoder,
                              SoftTargetClassifier, VariationalAutoencoder)

ESTIMATORS = [LossyAutoencoder, DenoisingAutoencoder, ContractiveAutoencoder,
              VariationalAutoencoder, MultiScaleDenoisingAutoencoder,
              SoftTargetClassifier]


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.rand(64, 4).astype(np.float32)
    return X, (X[:, 0] > 0.5).astype(int)


def _fit(est, data):
    X, y = data
    return est.fit(X, y) if isinstance(est, SoftTargetClassifier) else \
        est.fit(X)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_optimizer_arguments_reach_the_optimizer(cls, data):
    est = cls(hidden_layer_sizes=(4,), max_epochs=2, device="cpu",
              random_state=0, optimizer="sgd").set_params(
                  optimizer__momentum=0.9)
    _fit(est, data)
    group = est._net.optimizer_.param_groups[0]
    assert group["momentum"] == 0.9
    # clone, set_params and pickles keep them.
    assert clone(est).get_params()["optimizer__momentum"] == 0.9
    est.set_params(optimizer__momentum=0.5, optimizer__nesterov=True)
    _fit(est, data)
    group = est._net.optimizer_.param_groups[0]
    assert group["momentum"] == 0.5 and group["nesterov"] is True
    assert pickle.loads(pickle.dumps(est)).optimizer__momentum == 0.5


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_the_constructor_takes_routed_arguments(cls, data):
    # As skorch.NeuralNet(..., optimizer__momentum=0.9) does: the same
    # training as set_params, shown by repr and kept by clone.
    common = dict(hidden_layer_sizes=(4,), max_epochs=3, device="cpu",
                  random_state=0, optimizer="sgd")
    est = _fit(cls(**common, optimizer__momentum=0.9,
                   callbacks__train_loss__lower_is_better=True), data)
    assert est._net.optimizer_.param_groups[0]["momentum"] == 0.9
    assert "optimizer__momentum=0.9" in repr(est)
    same = _fit(cls(**common).set_params(
        optimizer__momentum=0.9,
        callbacks__train_loss__lower_is_better=True), data)
    assert est.loss_curve_ == same.loss_curve_
    copy = clone(est)
    assert copy.get_params()["optimizer__momentum"] == 0.9
    assert copy.callbacks__train_loss__lower_is_better is True


@pytest.mark.parametrize("how", ["constructor", "set_params"])
def test_routed_parameters_pass_the_init_attribute_check(how):
    # scikit-learn's check that __init__ sets no public attribute other
    # than its declared parameters, on an estimator with routed ones.
    from sklearn.utils.estimator_checks import check_no_attributes_set_in_init

    routed = dict(optimizer__momentum=0.9, callbacks__print_log=None)
    est = (LossyAutoencoder(optimizer="sgd", **routed) if how ==
           "constructor" else LossyAutoencoder(optimizer="sgd").set_params(
               **routed))
    check_no_attributes_set_in_init("LossyAutoencoder", est)
    assert est.optimizer__momentum == 0.9
    with pytest.raises(AttributeError, match="optimizer__nesterov"):
        est.optimizer__nesterov
    # A shallow copy's parameters are its own.
    other = shallow_copy(est).set_params(optimizer__momentum=0.5)
    assert (est.optimizer__momentum, other.optimizer__momentum) == (0.9, 0.5)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_fit_refuses_other_constructor_keywords(cls, data):
    # As skorch does, and as scikit-learn's checks require (they construct
    # every estimator with kwargs=...): kept as a parameter, refused at fit.
    est = cls(hiden_layer_sizes=(4,), max_epochs=1, device="cpu")
    assert est.get_params()["hiden_layer_sizes"] == (4,)
    assert clone(est).set_params(hiden_layer_sizes=(3,)).hiden_layer_sizes \
        == (3,)
    with pytest.raises(InvalidParameterError,
                       match=r"'hiden_layer_sizes' \(did you mean "
                       r"'hidden_layer_sizes'\?\).*'optimizer__' or "
                       "'callbacks__'"):
        _fit(est, data)
    # A name that was not given to the constructor stays invalid.
    with pytest.raises(ValueError, match="Invalid parameter 'foo'"):
        cls().set_params(foo=1)


def test_adam_betas_and_weight_decay_override(data):
    est = LossyAutoencoder(hidden_layer_sizes=(4,), max_epochs=1,
                           device="cpu", weight_decay=0.1).set_params(
                               optimizer__betas=(0.5, 0.9),
                               optimizer__weight_decay=0.2)
    group = _fit(est, data)._net.optimizer_.param_groups[0]
    assert group["betas"] == (0.5, 0.9) and group["weight_decay"] == 0.2


def test_optimizer_class_with_routed_arguments(data):
    est = LossyAutoencoder(hidden_layer_sizes=(4,), max_epochs=1,
                           device="cpu", optimizer=torch.optim.Adagrad
                           ).set_params(optimizer__lr_decay=0.01)
    group = _fit(est, data)._net.optimizer_.param_groups[0]
    assert group["lr_decay"] == 0.01


def test_grid_search_over_an_optimizer_argument(data):
    X, _ = data
    search = GridSearchCV(
        DenoisingAutoencoder(hidden_layer_sizes=(4,), max_epochs=2,
                             optimizer="sgd", device="cpu", random_state=0),
        {"optimizer__momentum": [0.0, 0.9]}, cv=2).fit(X)
    assert search.best_params_["optimizer__momentum"] in (0.0, 0.9)
    assert search.best_estimator_.optimizer__momentum == \
        search.best_params_["optimizer__momentum"]


def test_callbacks_routing_and_removal(data, capsys):
    est = LossyAutoencoder(hidden_layer_sizes=(4,), max_epochs=30, lr=1e-5,
                           device="cpu", verbose=1,
                           callbacks=[("stop", EarlyStopping(
                               monitor="train_loss", patience=1))]
                           ).set_params(callbacks__stop__threshold=10.0,
                                        callbacks__print_log=None)
    # The routed threshold stops training early, without a warning: that
    # is what the callback is for. No epoch log is printed.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fit(est, data)
    assert est.n_iter_ < 30
    out = capsys.readouterr().out
    assert "Stopping since train_loss" in out and "epoch" not in out.replace(
        "epochs.", "")


def test_unknown_routed_arguments_are_refused(data):
    with pytest.raises(ValueError, match="Invalid parameter 'foo'"):
        LossyAutoencoder().set_params(foo__bar=1)
    with pytest.raises(ValueError, match="'optimizer__mommentum'.*SGD"):
        _fit(LossyAutoencoder(optimizer="sgd", max_epochs=1, device="cpu"
                              ).set_params(optimizer__mommentum=0.9), data)
    with pytest.raises(ValueError, match="callback 'printlog'"):
        _fit(LossyAutoencoder(max_epochs=1, device="cpu").set_params(
            callbacks__printlog__floatfmt=".2f"), data)


@pytest.mark.parametrize("callback, monitor", [
    (EarlyStopping(), "valid_loss"), (Checkpoint(), "valid_loss_best")])
def test_callbacks_that_monitor_validation_scores_are_refused(
        callback, monitor, data, tmp_path):
    # skorch's defaults monitor scores of a validation split, which these
    # nets do not have: a clear error, not skorch's KeyError mid-fit.
    if isinstance(callback, Checkpoint):
        callback.set_params(dirname=str(tmp_path))
    est = LossyAutoencoder(hidden_layer_sizes=(4,), max_epochs=3,
                           device="cpu", callbacks=[("watch", callback)])
    with pytest.raises(ValueError, match=f"'watch' monitors '{monitor}'.*"
                       "monitor='train_loss'"):
        _fit(est, data)
    # Monitoring the training loss works.
    _fit(est.set_params(callbacks__watch__monitor=monitor.replace(
        "valid", "train")), data)
    assert len(est.loss_curve_) == 3


def _batch_rows(row, prefix):
    return sum(b[f"{prefix}_batch_size"] for b in row["batches"]
               if f"{prefix}_batch_size" in b)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_validation_fraction_scores_held_out_rows(cls, data):
    X, _ = data
    est = _fit(cls(hidden_layer_sizes=(8,), max_epochs=4, batch_size=16,
                   device="cpu", random_state=0, validation_fraction=0.25),
               data)
    # 16 of the 64 rows are held out: trained on 48, scored on 16, at
    # every epoch.
    for row in est.history_:
        assert _batch_rows(row, "train") == 48
        assert _batch_rows(row, "valid") == 16
        assert np.isfinite(row["valid_loss"])
    # Seeded: the same split, noise and scores again.
    again = _fit(clone(est), data)
    assert again.history_[:, "valid_loss"] == est.history_[:, "valid_loss"]
    assert again.loss_curve_ == est.loss_curve_
    # Without it, every row trains and nothing is scored.
    plain = _fit(clone(est).set_params(validation_fraction=None), data)
    assert _batch_rows(plain.history_[0], "train") == 64
    assert "valid_loss" not in plain.history_[0]


def test_validation_loss_is_the_training_objective_on_held_out_rows(data):
    # A lossy autoencoder draws no noise: the last epoch's validation loss
    # is the reconstruction loss of the held-out rows under the weights
    # of the last update, and none of those rows was trained on.
    from sklearn_reinject.utils._random import draw_seeds

    X, _ = data
    est = LossyAutoencoder(hidden_layer_sizes=(8,), max_epochs=3,
                           batch_size=16, device="cpu", random_state=0,
                           validation_fraction=0.25).fit(X)
    seed = draw_seeds(0, 4)[3]
    X_train, _, (held_out, _) = est._hold_out(X, None, seed, "cpu")
    assert len(held_out.X) == 16 and len(X_train) == 48
    assert not set(map(tuple, held_out.X.numpy())) & set(map(tuple, X_train))
    with torch.no_grad():
        loss = est._make_criterion()(est.module_(held_out.X), held_out.X)
    # Measured: equal to the last bit over random_state 0-4 (one batch).
    assert est.history_[-1]["valid_loss"] == pytest.approx(float(loss),
                                                           rel=1e-5)


def test_early_stopping_and_checkpoint_on_the_validation_loss(data,
                                                              tmp_path):
    # skorch's defaults monitor valid_loss and valid_loss_best: with
    # validation_fraction they work as in skorch.
    est = LossyAutoencoder(
        hidden_layer_sizes=(4,), max_epochs=30, device="cpu", lr=1e-4,
        validation_fraction=0.2, random_state=0,
        callbacks=[("stop", EarlyStopping(patience=2, threshold=10.0)),
                   ("checkpoint", Checkpoint(dirname=str(tmp_path)))])
    _fit(est, data)
    assert est.n_iter_ == 3
    assert (tmp_path / "params.pt").exists()


def test_partial_fit_trains_on_every_row_and_refuses_validation_monitors(
        data):
    # As MLPClassifier ignores early_stopping in partial_fit.
    est = LossyAutoencoder(hidden_layer_sizes=(4,), device="cpu",
                           validation_fraction=0.25)
    _fit(est, data)
    est.partial_fit(data[0])
    assert _batch_rows(est.history_[-1], "train") == 64
    assert "valid_loss" not in est.history_[-1]
    assert est._net.train_split is None
    stopping = clone(est).set_params(callbacks=[EarlyStopping()])
    with pytest.raises(ValueError, match="only fit with validation_fraction"):
        stopping.partial_fit(data[0])


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.5, "0.2"])
def test_validation_fraction_is_validated(fraction, data):
    with pytest.raises(InvalidParameterError, match="validation_fraction"):
        _fit(LossyAutoencoder(validation_fraction=fraction, max_epochs=1),
             data)


def test_validation_fraction_that_leaves_no_training_row(data):
    X, _ = data
    with pytest.raises(ValueError, match="holds out 2, which leaves no row"):
        LossyAutoencoder(validation_fraction=0.9, max_epochs=1,
                         device="cpu").fit(X[:2])


@pytest.mark.parametrize("optimizer, fused", [
    ("adam", True), ("adamw", True), ("sgd", True), (torch.optim.Adagrad, True),
    # RMSprop has no fused kernel.
    ("rmsprop", None)])
def test_fused_optimizer_kernel_by_default(optimizer, fused, data):
    est = _fit(LossyAutoencoder(hidden_layer_sizes=(4,), max_epochs=1,
                                device="cpu", optimizer=optimizer), data)
    assert est._net.optimizer_.param_groups[0].get("fused") is fused
    # The default is not a parameter: get_params and clone show none.
    assert "optimizer__fused" not in est.get_params()


@pytest.mark.parametrize("routed, fused, foreach", [
    ({"optimizer__fused": False}, False, None),
    ({"optimizer__foreach": True}, None, True)])
def test_the_users_fused_or_foreach_wins(routed, fused, foreach, data):
    est = _fit(LossyAutoencoder(hidden_layer_sizes=(4,), max_epochs=1,
                                device="cpu").set_params(**routed), data)
    group = est._net.optimizer_.param_groups[0]
    assert group["fused"] is fused and group["foreach"] is foreach


def test_no_fused_default_with_a_differentiable_optimiser():
    # The fused kernel refuses differentiable=True at construction.
    from sklearn_reinject._base import _fuses_by_default

    assert _fuses_by_default(torch.optim.Adam, "cpu", {}) is True
    assert _fuses_by_default(torch.optim.Adam, "cpu", {
        "optimizer__differentiable": True}) is False
    assert _fuses_by_default(torch.optim.Adam, "meta", {}) is False


def test_fused_and_per_tensor_adam_train_the_same_network(data):
    # Same seed, same update up to float rounding.
    X, _ = data
    fused = LossyAutoencoder(hidden_layer_sizes=(8,), max_epochs=20,
                             device="cpu", random_state=0).fit(X)
    plain = clone(fused).set_params(optimizer__fused=False).fit(X)
    assert fused._net.optimizer_.param_groups[0]["fused"] is True
    # Measured: at most 6e-8 apart over random_state 0-4.
    np.testing.assert_allclose(fused.transform(X), plain.transform(X),
                               rtol=0, atol=1e-6)


def test_a_silent_fit_runs_without_skorchs_print_log(data, capsys):
    # PrintLog formats its table at every epoch even when nothing prints.
    def names(est):
        return [name for name, _ in est._net.callbacks_]

    silent = _fit(LossyAutoencoder(hidden_layer_sizes=(4,), max_epochs=2,
                                   device="cpu"), data)
    assert "print_log" not in names(silent)
    loud = _fit(clone(silent).set_params(verbose=1), data)
    assert "print_log" in names(loud) and "train_loss" in \
        capsys.readouterr().out
    # A routed PrintLog parameter keeps it, silent or not.
    routed = _fit(clone(silent).set_params(
        callbacks__print_log__floatfmt=".2f"), data)
    assert "print_log" in names(routed)


def test_no_valid_loss_scoring_without_a_validation_split(data):
    # The nets have no validation split: skorch's valid_loss scoring would
    # search the history for a score at every epoch and never find one.
    def names(est):
        return [name for name, _ in est._net.callbacks_]

    est = _fit(LossyAutoencoder(hidden_layer_sizes=(4,), max_epochs=2,
                                device="cpu"), data)
    assert "valid_loss" not in names(est)
    assert "train_loss" in names(est) and len(est.loss_curve_) == 2
    assert "valid_loss" not in est.history_[-1]
    # A routed valid_loss parameter keeps skorch's callback.
    kept = _fit(clone(est).set_params(
        callbacks__valid_loss__lower_is_better=True), data)
    assert "valid_loss" in names(kept)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_train_loss_is_the_batch_size_weighted_mean_of_the_batches(cls, data):
    # The train_loss column is skorch's PassthroughScoring (averaged in
    # Python for speed): the same name, routing and values as skorch's.
    from skorch.callbacks import PassthroughScoring

    est = _fit(cls(hidden_layer_sizes=(4,), max_epochs=3, batch_size=24,
                   device="cpu", random_state=0)
               .set_params(callbacks__train_loss__lower_is_better=False),
               data)
    callback = dict(est._net.callbacks_)["train_loss"]
    assert isinstance(callback, PassthroughScoring)
    assert callback.lower_is_better is False
    for row in est.history_:
        sizes = [b["train_batch_size"] for b in row["batches"]]
        assert sizes == [24, 24, 16]
        expected = np.average([b["train_loss"] for b in row["batches"]],
                              weights=sizes)
        assert row["train_loss"] == pytest.approx(expected, rel=1e-12)
    # lower_is_better=False marks the highest loss so far as the best.
    best = [row["train_loss_best"] for row in est.history_]
    curve = est.loss_curve_
    assert best == [curve[i] == max(curve[:i + 1]) for i in range(3)]
