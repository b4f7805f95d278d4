import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback

from sklearn_reinject import (ContractiveAutoencoder, DenoisingAutoencoder,
                              LossyAutoencoder, ReinjectionSampler,
                              VariationalAutoencoder)
from sklearn_reinject.autoencoder._denoising import corrupt

from ._estimators import small_autoencoder

AE_CLASSES = [LossyAutoencoder, DenoisingAutoencoder]


@pytest.fixture(scope="module")
def fitted_dae(digits):
    X_train, _, _, _ = digits
    return DenoisingAutoencoder(hidden_layer_sizes=(64, 32), loss="bce",
                                noise_std=0.2, max_epochs=30, device="cpu",
                                random_state=0).fit(X_train)


@pytest.mark.parametrize("cls", AE_CLASSES)
def test_training_loss_falls(cls, digits):
    X_train = digits[0]
    ae = cls(hidden_layer_sizes=(32,), loss="bce", max_epochs=15,
             device="cpu", random_state=0).fit(X_train)
    # Measured: the loss roughly halves in 15 epochs (44 -> 21 for the AE).
    assert ae.loss_curve_[-1] < 0.7 * ae.loss_curve_[0]
    assert ae.n_iter_ == 15 == len(ae.history_)


def test_reconstruction_beats_mean_predictor(fitted_dae, digits):
    X_test = digits[1]
    rec = fitted_dae.reconstruct(X_test)
    mse_ae = np.mean((rec - X_test) ** 2)
    mse_mean = np.mean((X_test.mean(axis=0) - X_test) ** 2)
    assert mse_ae < 0.5 * mse_mean


@pytest.mark.parametrize("cls", AE_CLASSES)
def test_fit_is_reproducible_and_seed_dependent(cls, digits):
    X = digits[0][:300]
    make = lambda seed: cls(hidden_layer_sizes=(16,), max_epochs=3,  # noqa
                            device="cpu", random_state=seed).fit(X)
    a, b, c = make(0), make(0), make(1)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert a.loss_curve_ == b.loss_curve_
    assert not np.allclose(a.transform(X), c.transform(X))
    np.testing.assert_array_equal(a.sample(50, random_state=3),
                                  b.sample(50, random_state=3))
    assert not np.allclose(a.sample(50, random_state=3),
                           a.sample(50, random_state=4))


def test_fit_leaves_global_torch_rng_alone(digits):
    X = digits[0][:100]
    state = torch.random.get_rng_state()
    small_autoencoder(DenoisingAutoencoder, preact_noise_std=0.3,
                      salt_pepper_prob=0.1).fit(X)
    assert torch.equal(state, torch.random.get_rng_state())


def test_transform_and_inverse_shapes(fitted_dae, digits):
    X_test = digits[1]
    Z = fitted_dae.transform(X_test)
    assert Z.shape == (len(X_test), 32) and Z.dtype == np.float32
    assert fitted_dae.inverse_transform(Z).shape == X_test.shape
    np.testing.assert_allclose(fitted_dae.inverse_transform(Z),
                               fitted_dae.reconstruct(X_test), atol=1e-6)
    names = fitted_dae.get_feature_names_out()
    assert names[0] == "denoisingautoencoder0" and len(names) == 32


def test_inverse_transform_checks_code_width(fitted_dae):
    with pytest.raises(ValueError, match="codes with 32 features"):
        fitted_dae.inverse_transform(np.zeros((2, 5)))


def test_score_is_minus_mean_reconstruction_loss(fitted_dae, digits):
    X_test = digits[1]
    rec = np.clip(fitted_dae.reconstruct(X_test).astype(np.float64),
                  1e-7, 1 - 1e-7)
    bce = -(X_test * np.log(rec) + (1 - X_test) * np.log(1 - rec)).sum(1)
    assert fitted_dae.score(X_test) == pytest.approx(-bce.mean(), rel=1e-3)
    noise = np.random.RandomState(0).rand(*X_test.shape)
    assert fitted_dae.score(X_test) > fitted_dae.score(noise)


def test_bce_needs_unit_interval():
    with pytest.raises(ValueError, match=r"loss='bce' needs X scaled to "
                                         r"\[0, 1\].*\[-1, 2\]"):
        small_autoencoder(loss="bce").fit(np.array([[-1.0, 2.0], [0, 1]]))
    with pytest.raises(ValueError, match="output_activation='sigmoid'"):
        small_autoencoder(loss="bce", output_activation="tanh").fit(
            np.zeros((4, 2)))


@pytest.mark.parametrize("param, value, match", [
    ("hidden_layer_sizes", (4, 0), "hidden_layer_sizes"),
    ("hidden_layer_sizes", (), "hidden_layer_sizes"),
    ("activation", "swishy", "activation"),
    ("lr", 0.0, "lr"),
    ("max_epochs", 0, "max_epochs"),
    ("device", "tpu", "device"),
    ("optimizer", "lbfgs-ish", "optimizer"),
])
def test_bad_parameters_are_named(param, value, match):
    ae = small_autoencoder().set_params(**{param: value})
    with pytest.raises((ValueError, TypeError), match=match):
        ae.fit(np.random.RandomState(0).rand(10, 3))


def test_cuda_request_without_cuda_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="'device' parameter is 'cuda'"):
        small_autoencoder(device="cuda").fit(np.zeros((4, 2)))


def test_custom_activation_and_optimizer_classes(digits):
    ae = small_autoencoder(activation=torch.nn.Tanh,
                           optimizer=torch.optim.SGD, lr=0.05)
    ae.fit(digits[0][:100])
    assert isinstance(ae.module_.first_activation, torch.nn.Tanh)


def test_unfitted_use_raises_not_fitted():
    ae = small_autoencoder()
    for method in ("transform", "reconstruct", "score", "estimate_score"):
        with pytest.raises(NotFittedError):
            getattr(ae, method)(np.zeros((2, 3)))
    with pytest.raises(NotFittedError):
        ae.sample(3)


def test_salt_and_pepper_rate_and_values():
    gen = torch.Generator().manual_seed(0)
    x = torch.full((200, 500), 0.5)
    out = corrupt(x, gen, 0.0, 0.3, (torch.tensor(-1.0), torch.tensor(2.0)))
    low = (out == -1.0).float().mean().item()
    high = (out == 2.0).float().mean().item()
    # 100,000 Bernoulli draws: the standard error of each share is ~0.0013.
    assert low == pytest.approx(0.15, abs=0.01)
    assert high == pytest.approx(0.15, abs=0.01)
    assert ((out == 0.5) | (out == -1.0) | (out == 2.0)).all()


def test_gaussian_corruption_std():
    gen = torch.Generator().manual_seed(0)
    x = torch.zeros((1000, 100))
    out = corrupt(x, gen, 0.3, 0.0, (torch.tensor(0.0), torch.tensor(1.0)))
    assert out.std().item() == pytest.approx(0.3, rel=0.01)


def test_denoising_default_lam_matches_noise():
    assert DenoisingAutoencoder(noise_std=0.5).default_lam() == 0.5
    # Rounded to the number it stands for, not 2 * 0.2**2 =
    # 0.08000000000000002.
    assert DenoisingAutoencoder(noise_std=0.2).default_lam() == 0.08
    assert DenoisingAutoencoder(noise_std=0.0).default_lam() == 0.1
    assert LossyAutoencoder().default_lam() == 0.1


def test_preactivation_noise_only_in_training(digits):
    X = digits[0][:200]
    ae = small_autoencoder(DenoisingAutoencoder, noise_std=0.0,
                           preact_noise_std=1.0).fit(X)
    assert ae.module_.preact_noise_std == 1.0
    np.testing.assert_array_equal(ae.transform(X), ae.transform(X))


def test_estimate_score_is_scaled_residual(fitted_dae, digits):
    X = digits[1][:20]
    expected = (fitted_dae.reconstruct(X) - X) / 0.04
    np.testing.assert_allclose(fitted_dae.estimate_score(X), expected,
                               rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError, match="'scale' parameter must be a float > 0"):
        fitted_dae.estimate_score(X, scale=0.0)


def test_pickle_round_trip(fitted_dae, digits):
    X = digits[1][:50]
    loaded = pickle.loads(pickle.dumps(fitted_dae))
    np.testing.assert_array_equal(loaded.transform(X),
                                  fitted_dae.transform(X))
    assert loaded.loss_curve_ == fitted_dae.loss_curve_


def test_pickling_leaves_the_live_estimator_as_it_was(digits):
    # Pickling once replaced the fitted estimator's device_ by a string and
    # dropped its training net; a CUDA-fitted estimator would also have had
    # its module_ swapped for a CPU copy.
    import torch

    from sklearn_reinject import LossyAutoencoder

    X = digits[1][:100]
    ae = LossyAutoencoder(hidden_layer_sizes=(8,), max_epochs=2,
                          device="cpu", random_state=0).fit(X)
    before = dict(vars(ae))
    pickle.dumps(ae)
    assert vars(ae).keys() == before.keys()
    assert all(vars(ae)[key] is value for key, value in before.items())
    assert isinstance(ae.device_, torch.device)


def test_joblib_round_trip(fitted_dae, digits, tmp_path):
    import joblib

    path = tmp_path / "dae.joblib"
    joblib.dump(fitted_dae, path)
    loaded = joblib.load(path)
    X = digits[1][:50]
    np.testing.assert_array_equal(loaded.transform(X),
                                  fitted_dae.transform(X))


def test_cuda_fitted_model_loads_without_cuda(fitted_dae, digits,
                                              monkeypatch):
    # What a CUDA fit leaves behind is device_ = cuda: the pickle must
    # carry CPU tensors and the loader must fall back to the CPU.
    est = clone(fitted_dae)
    est.__dict__.update({k: v for k, v in fitted_dae.__dict__.items()
                         if k.endswith("_")})
    est.device_ = torch.device("cuda")
    blob = pickle.dumps(est)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = pickle.loads(blob)
    assert loaded.device_ == torch.device("cpu")
    X = digits[1][:20]
    np.testing.assert_array_equal(loaded.transform(X),
                                  fitted_dae.transform(X))


def test_clone_gives_unfitted_copy(fitted_dae):
    fresh = clone(fitted_dae)
    assert not hasattr(fresh, "module_")
    assert fresh.get_params() == fitted_dae.get_params()


def test_verbose_prints_epochs(capsys, digits):
    small_autoencoder(verbose=1).fit(digits[0][:50])
    out = capsys.readouterr().out
    assert "train_loss" in out
    small_autoencoder(verbose=0).fit(digits[0][:50])
    assert capsys.readouterr().out == ""


def test_keyboard_interrupt_keeps_finished_epochs(digits):
    from skorch.callbacks import Callback

    class InterruptAfter(Callback):
        """Stands in for Ctrl-C pressed during the third epoch."""

        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise KeyboardInterrupt

    ae = small_autoencoder(max_epochs=5, callbacks=[InterruptAfter()])
    with pytest.warns(UserWarning, match="interrupted after 2 of 5 epochs"):
        ae.fit(digits[0][:200])
    assert ae.n_iter_ == 2
    assert ae.transform(digits[1][:5]).shape == (5, 3)
    assert ae.sample(5, random_state=0).shape == (5, 64)


def test_verbose_2_adds_a_progress_bar(capsys, digits):
    small_autoencoder(verbose=2).fit(digits[0][:100])
    captured = capsys.readouterr()
    assert "train_loss" in captured.out
    assert "it/s" in captured.err or "it]" in captured.err


def test_rising_final_loss_warns(digits):
    from skorch.callbacks import LRScheduler
    from sklearn.exceptions import ConvergenceWarning
    from torch.optim.lr_scheduler import LambdaLR

    # The learning rate jumps 300-fold for the last epoch only.
    jump = LRScheduler(policy=LambdaLR,
                       lr_lambda=lambda epoch: 300.0 if epoch >= 4 else 1.0)
    with pytest.warns(ConvergenceWarning,
                      match="rose in the last epoch") as record:
        small_autoencoder(max_epochs=5, callbacks=[jump]).fit(digits[0])
    assert record[0].filename == __file__


class _GradNorms(Callback):
    """Records the gradient norm that ``on_grad_computed`` callbacks see."""

    def initialize(self):
        self.norms = []
        return self

    def on_grad_computed(self, net, named_parameters, **kwargs):
        self.norms.append(float(torch.sqrt(sum(
            (p.grad.float() ** 2).sum() for _, p in named_parameters))))


@pytest.mark.parametrize("cls", [LossyAutoencoder, DenoisingAutoencoder,
                                 ContractiveAutoencoder,
                                 VariationalAutoencoder])
@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_mixed_precision_training(cls, precision, digits):
    """Autocast engages, weights stay float32, and the loss tracks float32."""
    kw = dict(hidden_layer_sizes=(64, 16), max_epochs=5, device="cpu",
              random_state=0)
    exact = cls(**kw).fit(digits[0])
    mixed = cls(precision=precision, **kw).fit(digits[0])
    assert all(p.dtype == torch.float32 for p in mixed.module_.parameters())
    assert mixed.transform(digits[1][:5]).dtype == np.float32
    # Lower-precision products change the trajectory, but only slightly.
    # Measured relative differences of the final loss across these four
    # classes: 1e-6 to 2.7e-4 (bfloat16) and 4e-6 to 5.0e-3 (float16, whose
    # loss scaler skips the first, overflowing step).
    rel = abs(mixed.loss_curve_[-1] / exact.loss_curve_[-1] - 1)
    assert 0 < rel < (1e-3 if precision == "bfloat16" else 1e-2)


def test_float16_training_scales_and_unscales_gradients(digits):
    kw = dict(hidden_layer_sizes=(64, 16), loss="bce", max_epochs=5,
              device="cpu", random_state=0)
    cb32, cb16 = _GradNorms(), _GradNorms()
    LossyAutoencoder(callbacks=[cb32], **kw).fit(digits[0])
    ae = LossyAutoencoder(precision="float16", callbacks=[cb16],
                          **kw).fit(digits[0])
    scaler = ae._net.grad_scaler_
    # The scaler starts at 2**16; an overflowing first step halves it.
    assert scaler.get_scale() < 2.0 ** 16
    norms16 = np.array(cb16.norms)
    assert not np.isfinite(norms16).all()  # the skipped, overflowing steps
    # Callbacks (gradient clipping, logging) see unscaled gradients.
    ratio = np.median(norms16[np.isfinite(norms16)]) / np.median(cb32.norms)
    assert 0.95 < ratio < 1.05


def test_loss_noise_of_long_runs_does_not_warn():
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    # 500 epochs of one batch each: the per-epoch loss jumps by 10% from
    # one epoch to the next. The last epoch alone would warn; the windows
    # of 25 epochs see a flat curve.
    est = small_autoencoder()
    est.loss_curve_ = [1.0, 1.1] * 250
    est.n_iter_ = 500
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est._warn_if_loss_rose()
    est.loss_curve_ = [1.0, 1.1] * 240 + [1.3] * 20
    with pytest.warns(ConvergenceWarning, match="rose in the last 25 epochs"):
        est._warn_if_loss_rose()


def test_a_rise_within_the_windows_noise_does_not_warn():
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    # A plateau whose per-epoch loss scatters by 10%, as a class of ten rows
    # trained one batch per epoch does: window means 1.0, 1.0, 1.0 and then
    # 1.06, 6% up but 2.1 standard errors of the difference of two window
    # means. The same rise with a scatter of 1% (21 standard errors) warns.
    def curve(scatter, last):
        window = [1.0 + scatter * (-1) ** i for i in range(24)] + [1.0]
        return window * 19 + [last - 1.0 + v for v in window]

    est = small_autoencoder()
    est.n_iter_ = 500
    est.loss_curve_ = curve(0.1, 1.06)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est._warn_if_loss_rose()
    est.loss_curve_ = curve(0.01, 1.06)
    with pytest.warns(ConvergenceWarning, match="rose in the last 25 epochs"):
        est._warn_if_loss_rose()


MLP_AES = [LossyAutoencoder, DenoisingAutoencoder, ContractiveAutoencoder,
           VariationalAutoencoder]


@pytest.mark.parametrize("cls", MLP_AES)
def test_partial_fit_calls_are_the_epochs_of_fit(cls, digits):
    """k calls of partial_fit on X train exactly as fit with max_epochs=k."""
    X = digits[0][:200]
    params = dict(hidden_layer_sizes=(16, 4), max_epochs=3, batch_size=64,
                  device="cpu", random_state=0)
    fitted = cls(**params).fit(X)
    stream = cls(**params)
    for _ in range(3):
        assert stream.partial_fit(X) is stream
    np.testing.assert_array_equal(stream.transform(X), fitted.transform(X))
    assert stream.loss_curve_ == fitted.loss_curve_
    assert stream.n_iter_ == 3 and stream.n_samples_seen_ == 3 * len(X)


@pytest.mark.parametrize("cls", MLP_AES)
def test_partial_fit_on_chunks_summarises_every_row_and_survives_pickling(
        cls):
    rng = np.random.RandomState(0)
    # Chunks of different means and spreads, as a stream may bring.
    chunks = [rng.normal(i, 1 + i, size=(50 + 20 * i, 3)).astype(np.float32)
              for i in range(3)]
    X = np.concatenate(chunks)
    ae = cls(hidden_layer_sizes=(8, 2), device="cpu", random_state=0)
    for chunk in chunks:
        ae.partial_fit(chunk)
    assert ae.loss_ == "mse" and ae.n_samples_seen_ == len(X)
    np.testing.assert_array_equal(ae.data_min_, X.min(axis=0))
    np.testing.assert_array_equal(ae.data_max_, X.max(axis=0))
    np.testing.assert_allclose(ae._feature_mean,
                               X.mean(axis=0, dtype=np.float64))
    np.testing.assert_allclose(ae._feature_std,
                               X.std(axis=0, dtype=np.float64))
    # Training goes on from the optimiser's state after pickling too.
    loaded = pickle.loads(pickle.dumps(ae))
    ae.partial_fit(chunks[0])
    loaded.partial_fit(chunks[0])
    np.testing.assert_array_equal(ae.transform(X), loaded.transform(X))
    # fit starts afresh.
    ae.set_params(max_epochs=2).fit(chunks[1])
    assert ae.n_iter_ == 2 and ae.n_samples_seen_ == len(chunks[1])
    np.testing.assert_array_equal(ae.data_min_, chunks[1].min(axis=0))


def test_partial_fit_rejects_rows_its_first_call_rules_out(digits):
    X = digits[0][:100]
    ae = DenoisingAutoencoder(hidden_layer_sizes=(8,), loss="auto",
                              device="cpu", random_state=0).partial_fit(X)
    assert ae.loss_ == "bce"  # loss='auto' chose it from the first pixels
    with pytest.raises(ValueError, match=r"loss='bce'.*\[-1, 1\]"):
        ae.partial_fit(2 * X - 1)
    with pytest.raises(ValueError, match="features"):
        ae.partial_fit(X[:, :10])
    # The refused calls trained nothing.
    assert ae.n_iter_ == 1 and ae.n_samples_seen_ == len(X)


def test_sampler_walks_an_autoencoder_trained_by_partial_fit(digits):
    X = digits[0]
    ae = DenoisingAutoencoder(hidden_layer_sizes=(32,), noise_std=0.2,
                              device="cpu", random_state=0)
    for start in range(0, len(X), 256):
        ae.partial_fit(X[start:start + 256])
    samples = ReinjectionSampler(ae, lam=0.08, random_state=0).fit(
        X[:10]).sample(200)
    assert samples.shape == (200, X.shape[1])
    assert np.all(np.isfinite(samples))
