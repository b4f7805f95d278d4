"""Variational autoencoder."""

from numbers import Real

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ..nn import NegativeELBO, VAEModule, negative_elbo
from ..utils._compat import Interval
from ..utils._constants import CHUNK_ROWS
from ..utils._random import draw_seeds, torch_generator
from ..utils._validation import check_n_samples
from ._base import BaseAutoencoder, wrap_samples


class VariationalAutoencoder(BaseAutoencoder):
    """Variational autoencoder (Kingma & Welling, 2014) trained by skorch.

    Minimises the negative ELBO ``-E_q[log p(x|z)] + beta * KL(q(z|x) ||
    N(0, I))`` with a Gaussian encoder ``q(z|x) = N(mu(x), diag(exp(
    logvar(x))))``, the reparameterisation ``z = mu + exp(logvar / 2) *
    eps`` and the closed-form Gaussian KL. The likelihood is Bernoulli
    (``loss="bce"``, data in [0, 1]) or Gaussian with unit variance
    (``loss="mse"``).

    :meth:`sample` decodes ``z ~ N(0, I)`` (ancestral sampling, returning
    the decoder's mean). ``ReinjectionSampler(vae, init="prior")`` starts
    reinjection walks from such decoded samples and refines them.
    :meth:`transform` returns the posterior mean ``mu(x)``; ``reconstruct``
    (used by reinjection) is ``decode(mu(x))``.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(128, 16)
        Encoder hidden widths; the last entry is the latent dimension.
    activation : str or torch.nn.Module subclass, default="relu"
        Hidden activation.
    output_activation : str or torch.nn.Module subclass, default="auto"
        Activation of the decoder's mean; ``"auto"`` is ``"sigmoid"`` for
        ``loss="bce"`` and ``"identity"`` for ``loss="mse"``.
    loss : {"auto", "bce", "mse"}, default="auto"
        Likelihood: Bernoulli or unit-variance Gaussian. ``"auto"`` chooses
        ``"bce"`` when the training data lie in [0, 1] (pixels, or data
        scaled with :class:`~sklearn.preprocessing.MinMaxScaler`) and
        ``"mse"`` otherwise; the choice is ``loss_``.
    beta : float, default=1.0
        Weight of the KL term (beta-VAE).
    max_epochs : int or "auto", default="auto"
        Passes over the training data. ``"auto"`` is 50 epochs, or more on
        small data so that training takes at least 500 gradient steps
        (``ceil(500 / ceil(n_samples / batch_size))`` epochs; 500 epochs
        for a class of 100 rows, which 50 epochs would give 50 steps).
    batch_size : int, default=128
        Mini-batch size.
    lr : float, default=1e-3
        Learning rate.
    optimizer : str or torch.optim.Optimizer subclass, default="adam"
        Optimiser.
        As in skorch, ``set_params`` (or a parameter grid) routes
        ``optimizer__<param>`` to it (``optimizer__momentum=0.9`` with
        ``"sgd"``, ``optimizer__betas=(0.9, 0.99)``; it overrides ``lr``
        and ``weight_decay``) and ``callbacks__<name>__<param>`` to the
        callback of that name (``callbacks__print_log=None`` removes
        one). ``get_params`` and ``clone`` keep them.
        Optimisers with a fused kernel (Adam, AdamW, SGD, Adagrad) use it
        on the CPU and CUDA unless ``optimizer__fused`` or
        ``optimizer__foreach`` says otherwise.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimiser.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks.
    validation_fraction : float or None, default=None
        Share of the rows that :meth:`fit` holds out (at random, seeded by
        ``random_state``) to score every epoch: skorch's ``valid_loss`` in
        ``history_``, the training objective on those rows with their
        noise redrawn the same at every epoch, which callbacks such as
        ``EarlyStopping()`` and ``Checkpoint()`` monitor. The held-out rows
        are not trained on and not kept. ``None`` trains on every row.
        :meth:`partial_fit` ignores it, as scikit-learn's
        ``MLPClassifier`` ignores ``early_stopping`` there.
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Where to train and run; resolved in :meth:`fit`.
    precision : {"float32", "bfloat16", "float16"}, default="float32"
        Arithmetic of training. ``"bfloat16"`` and ``"float16"`` train with
        mixed precision: the forward pass and loss run under
        :class:`torch.autocast` while weights and optimiser state stay
        float32; ``"float16"`` also scales the loss against gradient
        underflow (:class:`torch.amp.GradScaler`). Inference
        (:meth:`transform` and the like) runs in float32.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and the reparameterisation noise.
    verbose : int, default=0
        1: print a line per epoch; 2 and more: also a progress bar over the
        batches.

    **kwargs : dict
        skorch's routed parameters, as :class:`skorch.NeuralNet` takes them:
        ``optimizer__<param>`` to the optimiser's constructor,
        ``callbacks__<name>__<param>`` to a callback and
        ``callbacks__<name>=None`` to remove one. ``get_params``,
        ``set_params`` and ``clone`` treat them as parameters. Any other
        name is refused at :meth:`fit`, with the declared parameter it
        resembles.

    Attributes
    ----------
    loss_ : {"bce", "mse"}
        The loss trained with: ``loss``, or its choice for ``"auto"``.
    module_ : VAEModule
        The trained torch module, in eval mode, on ``device_``.
    device_ : torch.device
        The device the module lives on.
    history_ : skorch.History
        skorch's record of the training epochs.
    loss_curve_ : list of float
        Mean negative ELBO of each epoch.
    n_iter_ : int
        Number of epochs run (one per :meth:`partial_fit` call).
    n_samples_seen_ : int
        Number of rows trained on: those of :meth:`fit`, or the sum over
        the :meth:`partial_fit` calls since the first.
    data_min_ : ndarray of shape (n_features,)
        Each feature's smallest training value (samplers use the range to
        flag chains that leave it). Each entry is a value of some training
        row; see "What a fitted model keeps" in the user guide.
    data_max_ : ndarray of shape (n_features,)
        Each feature's largest training value.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during :meth:`fit`, when ``X`` has string
        column names.

    References
    ----------
    .. [1] D. P. Kingma and M. Welling, "Auto-encoding variational Bayes",
       ICLR 2014.
    .. [2] I. Higgins et al., "beta-VAE: learning basic visual concepts with
       a constrained variational framework", ICLR 2017.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_reinject import VariationalAutoencoder
    >>> X = load_digits().data / 16.0
    >>> vae = VariationalAutoencoder(hidden_layer_sizes=(64, 8), max_epochs=2,
    ...                              device="cpu", random_state=0).fit(X)
    >>> vae.transform(X[:3]).shape, vae.sample(5, random_state=0).shape
    ((3, 8), (5, 64))
    """

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, *, hidden_layer_sizes=(128, 16), activation="relu",
                 output_activation="auto", loss="auto", beta=1.0,
                 max_epochs="auto", batch_size=128, lr=1e-3, optimizer="adam",
                 weight_decay=0.0, callbacks=None,
                 validation_fraction=None, device="auto",
                 precision="float32", random_state=None, verbose=0,
                 **kwargs):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.beta = beta
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.callbacks = callbacks
        self.validation_fraction = validation_fraction
        self.device = device
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose
        self._set_routed(kwargs)

    def _build_module(self, n_features):
        return VAEModule(n_features, self._hidden_layer_sizes,
                         activation=self.activation,
                         output_activation=self._output_activation(),
                         output_logits=self.loss_ == "bce")

    def _make_criterion(self):
        return NegativeELBO(loss=self.loss_, beta=float(self.beta))

    def score_samples(self, X):
        """Minus the negative ELBO of each sample, at the posterior mean.

        The expectation over ``q(z|x)`` is evaluated at ``z = mu(x)``, so
        the score is deterministic.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``-(reconstruction NLL + beta * KL)``; higher is better.
        """
        return super().score_samples(X)

    def _per_sample_loss(self, xb):
        out, mu, logvar = self.module_(xb)
        return negative_elbo(out.double(), mu.double(), logvar.double(),
                             xb.double(), self.loss_, float(self.beta))

    def sample_prior_tensor(self, n, generator):
        """Decode ``n`` draws of ``z ~ N(0, I)`` on ``device_``.

        The start of reinjection walks with ``init="prior"`` (see
        :class:`~sklearn_reinject.sampling.ReinjectableAutoencoder`).

        Parameters
        ----------
        n : int
            Number of draws.
        generator : torch.Generator
            Generator on ``device_`` that the latent draws come from.

        Returns
        -------
        X_new : torch.Tensor of shape (n, n_features)
            The decoder's means.
        """
        z = torch.randn((n, self.module_.latent_dim), generator=generator,
                        device=self.device_)
        return self.module_.decode(z)

    def sample(self, n_samples=1, random_state=None):
        """Ancestral samples: the decoder's mean at ``z ~ N(0, I)``.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seed of the latent draws.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features), dtype float32
            Decoded samples; a pandas DataFrame named like the input
            features when ``set_output(transform="pandas")`` or
            scikit-learn's ``transform_output`` config asks for pandas.
        """
        n_samples = check_n_samples(n_samples)
        check_is_fitted(self)
        (seed,) = draw_seeds(random_state, 1)
        gen = torch_generator(seed, self.device_)
        out = []
        with torch.inference_mode():
            for start in range(0, n_samples, CHUNK_ROWS):
                n = min(CHUNK_ROWS, n_samples - start)
                out.append(self.sample_prior_tensor(n, gen).cpu().numpy())
        return wrap_samples(self, np.concatenate(out))
