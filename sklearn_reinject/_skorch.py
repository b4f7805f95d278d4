"""skorch plumbing: the training net and its mini-batch loader.

The estimators own their public surface (``_base.py``); skorch owns the
training loop. This module holds what the estimators hand to skorch: the
optimizer names, a loader that slices tensors already on the device, and
a ``NeuralNet`` that corrupts inputs, adds penalties, runs under autocast
and saves the training generators' states in its history.
"""

import base64
import inspect
import math

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import PassthroughScoring
from skorch.dataset import unpack_data
from skorch.utils import TeeGenerator

from .utils._device import autocast

#: Key of the history entry that holds the training generators' states.
RNG_STATE_KEY = "rng_states"

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}


class _SliceLoader:
    """Mini-batches by slicing tensors that already sit on the device.

    skorch's default ``DataLoader`` indexes samples one by one and collates
    them; for in-memory arrays that costs more than the step itself on small
    networks. Shuffling uses a ``torch.Generator`` passed in by ``fit``.
    """

    def __init__(self, dataset, batch_size=128, shuffle=False, generator=None):
        self.X = dataset.X
        self.y = dataset.y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self):
        return math.ceil(len(self.X) / self.batch_size)

    def __iter__(self):
        n = len(self.X)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).to(
                self.X.device)
            for start in range(0, n, self.batch_size):
                idx = order[start:start + self.batch_size]
                yield self.X[idx], (None if self.y is None else self.y[idx])
        else:
            for start in range(0, n, self.batch_size):
                sl = slice(start, start + self.batch_size)
                yield self.X[sl], (None if self.y is None else self.y[sl])


class _TrainLossScoring(PassthroughScoring):
    """skorch's ``train_loss`` callback, averaging the batches in Python.

    The same callback, name and parameters as skorch's default
    ``PassthroughScoring(name="train_loss", on_train=True)``, recording the
    same batch-size-weighted mean of the batch losses. skorch computes it
    with ``numpy.average`` at every epoch, slow for a mean of a few numbers: a
    default ``SyntheticDistiller`` fit on 30 rows (one batch per epoch)
    ran 1.11 times as long with it, a 1,400-row ``fit_resample`` 1.04
    times (``benchmarks/bench_small_fits.py``).
    """

    def get_avg_score(self, history):
        size_key = "train_batch_size" if self.on_train else "valid_batch_size"
        rows = [row for row in history[-1]["batches"]
                if self.name in row and size_key in row]
        total = sum(row[size_key] for row in rows)
        return np.float64(
            sum(row[self.name] * row[size_key] for row in rows) / total)


class _TrainingNet(NeuralNet):
    """skorch net whose criterion sees the clean input when there is no ``y``.

    ``corrupt_fn`` (training only) maps a clean batch to the network input,
    which is how denoising autoencoders are trained; ``penalty_fn`` adds a
    regulariser computed from the module and the batch. ``precision``
    other than ``"float32"`` runs the forward pass and loss under
    ``torch.autocast``; ``"float16"`` also scales the loss with a
    ``GradScaler``. ``noise_generator`` drives all training noise: it is
    passed to the module's ``forward`` as ``generator`` when it takes one.

    With a validation split, ``valid_noise`` is ``(generator, seed,
    corrupt_fn, penalty_fn)`` for the held-out rows: their loss is the
    training objective (corruption, training-mode noise, penalty), with
    ``generator`` re-seeded at every epoch so that epochs compare.
    """

    def __init__(self, *args, corrupt_fn=None, penalty_fn=None,
                 precision="float32", noise_generator=None,
                 epoch_generators=(), valid_noise=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.noise_generator = noise_generator
        self.corrupt_fn = corrupt_fn
        self.penalty_fn = penalty_fn
        self.precision = precision
        self.epoch_generators = epoch_generators
        self.valid_noise = valid_noise
        self.grad_scaler_ = None

    def get_default_callbacks(self):
        return [(name, _TrainLossScoring(name="train_loss", on_train=True)
                 if name == "train_loss" else callback)
                for name, callback in super().get_default_callbacks()]

    def on_epoch_end(self, net, **kwargs):
        super().on_epoch_end(net, **kwargs)
        # The states of the shuffling and noise generators go into the
        # history (the last epoch's row only), which skorch's Checkpoint
        # saves and LoadInitState loads: a resumed fit then draws exactly
        # what the uninterrupted fit drew.
        if len(self.history) > 1:
            self.history[-2].pop(RNG_STATE_KEY, None)
        # A generator that drew nothing this epoch (the noise generator of
        # a net without training noise) keeps its encoded state.
        raw = [g.get_state() for g in self.epoch_generators]
        previous = getattr(self, "_raw_states", None) or [None] * len(raw)
        encoded = getattr(self, "recorded_states_", None) or [None] * len(raw)
        self.recorded_states_ = [
            old if old is not None and last is not None
            and torch.equal(state, last)
            else base64.b64encode(state.numpy().tobytes()).decode("ascii")
            for state, last, old in zip(raw, previous, encoded)]
        self._raw_states = raw
        self.history.record(RNG_STATE_KEY, self.recorded_states_)

    def on_epoch_begin(self, net, **kwargs):
        super().on_epoch_begin(net, **kwargs)
        if self.valid_noise is not None:
            generator, seed = self.valid_noise[:2]
            generator.manual_seed(seed)
        if len(self.history) < 2:
            return
        states = self.history[-2].get(RNG_STATE_KEY)
        # The generators already hold the states this net recorded at the
        # end of the last epoch; only a history loaded from elsewhere (a
        # checkpoint) has states to restore.
        if states is None or states is getattr(self, "recorded_states_",
                                               None):
            return
        for g, state in zip(self.epoch_generators, states):
            g.set_state(torch.frombuffer(
                bytearray(base64.b64decode(state)), dtype=torch.uint8))

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        if epochs is None:
            # Epochs already in the history (loaded from a checkpoint by
            # skorch's LoadInitState) count towards max_epochs.
            epochs = max(self.max_epochs - len(self.history), 0)
        return super().fit_loop(X, y, epochs=epochs, **fit_params)

    def initialize(self):
        super().initialize()
        # Modules that draw training noise (pre-activation noise, the VAE's
        # latent draws, noise levels) take the generator as an argument of
        # forward.
        self.forward_takes_generator_ = "generator" in inspect.signature(
            self.module_.forward).parameters
        if self.precision == "float16":
            self.grad_scaler_ = torch.amp.GradScaler(
                torch.device(self.device).type)
        return self

    def _objective(self, batch, fit_params, generator, corrupt_fn,
                   penalty_fn):
        """The training loss of a batch, its noise drawn from ``generator``."""
        Xi, yi = unpack_data(batch)
        X_in = Xi if corrupt_fn is None else corrupt_fn(Xi)
        if self.forward_takes_generator_:
            fit_params = {**fit_params, "generator": generator}
        with autocast(self.device, self.precision):
            y_pred = self.infer(X_in, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=True)
            if penalty_fn is not None:
                loss = loss + penalty_fn(self.module_, Xi)
        return y_pred, loss

    def validation_step(self, batch, **fit_params):
        # The module stays in training mode: a VAE's latent draws and the
        # multi-scale denoiser's noise levels are part of the objective.
        self._set_training(True)
        generator, _, corrupt_fn, penalty_fn = self.valid_noise
        with torch.no_grad():
            y_pred, loss = self._objective(batch, fit_params, generator,
                                           corrupt_fn, penalty_fn)
        return {"loss": loss, "y_pred": y_pred}

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        y_pred, loss = self._objective(batch, fit_params,
                                       self.noise_generator, self.corrupt_fn,
                                       self.penalty_fn)
        if self.grad_scaler_ is None:
            loss.backward()
        else:
            self.grad_scaler_.scale(loss).backward()
        return {"loss": loss, "y_pred": y_pred}

    def train_step(self, batch, **fit_params):
        if self.grad_scaler_ is None:
            return super().train_step(batch, **fit_params)
        # A GradScaler cannot drive closure-based optimizer steps: unscale
        # the gradients, let callbacks see them, then step through the
        # scaler (which skips steps whose gradients overflowed).
        optimizers = [getattr(self, name + "_") for name in self._optimizers]
        self._zero_grad_optimizer()
        step = self.train_step_single(batch, **fit_params)
        for optimizer in optimizers:
            self.grad_scaler_.unscale_(optimizer)
        self.notify("on_grad_computed",
                    named_parameters=TeeGenerator(
                        self.get_all_learnable_params()),
                    batch=batch, training=True)
        for optimizer in optimizers:
            self.grad_scaler_.step(optimizer)
        self.grad_scaler_.update()
        return step

    def get_loss(self, y_pred, y_true, X=None, training=False):
        target = X if y_true is None else y_true
        return self.criterion_(y_pred, target)
