"""Plain torch modules: MLP autoencoder and MLP classifier.

This subpackage never imports scikit-learn. Modules are built on the
``meta`` device and initialised from an explicit ``torch.Generator`` so that
weight initialisation neither reads nor advances torch's global RNG.
"""

import math

import torch
from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU,
    "softplus": nn.Softplus,
    "silu": nn.SiLU,
    "identity": nn.Identity,
}


def make_activation(activation):
    """Return a fresh activation module from a name or a module class."""
    if isinstance(activation, str):
        return ACTIVATIONS[activation]()
    return activation()


def init_linear_(layer, generator):
    """Initialise ``layer`` like ``nn.Linear.reset_parameters`` does.

    The same Kaiming-uniform scheme as torch's default, drawn from
    ``generator`` instead of the global RNG.
    """
    fan_in = layer.in_features
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    with torch.no_grad():
        # kaiming_uniform_(a=sqrt(5)) reduces to U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        layer.weight.uniform_(-bound, bound, generator=generator)
        if layer.bias is not None:
            layer.bias.uniform_(-bound, bound, generator=generator)


def _mlp(sizes, activation, final_activation):
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out, device="meta"))
        last = i == len(sizes) - 2
        act = final_activation if last else activation
        if act is not None:
            layers.append(make_activation(act))
    return nn.Sequential(*layers)


def materialize_(module, generator, device="cpu"):
    """Allocate a meta-device module on ``device`` and initialise it.

    Buffers that were not on the meta device keep their values.
    """
    kept = {name: buf.clone() for name, buf in module.named_buffers()
            if not buf.is_meta}
    module.to_empty(device=device)
    with torch.no_grad():
        for name, buf in module.named_buffers():
            if name in kept:
                buf.copy_(kept[name])
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            init_linear_(layer, generator)
    return module


class MLPAutoencoder(nn.Module):
    """Multi-layer perceptron autoencoder with a mirrored decoder.

    Parameters
    ----------
    n_features : int
        Input width.
    hidden_layer_sizes : tuple of int
        Encoder widths; the last entry is the code size. The decoder mirrors
        the encoder.
    activation : str or type
        Hidden activation.
    code_activation : str, type or None
        Activation applied to the code layer (``None`` for linear codes).
    output_activation : str or type
        Activation applied to the reconstruction by :meth:`reconstruct`.
        When ``output_logits`` is true, :meth:`forward` returns
        pre-activation outputs (logits) so that the loss can fuse the sigmoid.
    output_logits : bool
        Whether ``forward`` returns logits (for a fused BCE loss).
    preact_noise_std : float
        Standard deviation of Gaussian noise added to the first layer's
        pre-activation during training (the paper's DAE corruption).
    """

    def __init__(self, n_features, hidden_layer_sizes, activation="relu",
                 code_activation="same", output_activation="identity",
                 output_logits=False, preact_noise_std=0.0):
        super().__init__()
        sizes = (n_features, *hidden_layer_sizes)
        if code_activation == "same":
            code_activation = activation
        # The first encoder layer is kept apart so that training noise can be
        # added to its pre-activation.
        self.first = nn.Linear(sizes[0], sizes[1], device="meta")
        first_activation = activation if len(sizes) > 2 else code_activation
        self.first_activation = make_activation(
            "identity" if first_activation is None else first_activation)
        self.encoder_rest = (_mlp(sizes[1:], activation, code_activation)
                             if len(sizes) > 2 else nn.Sequential())
        self.decoder = _mlp(sizes[::-1], activation, None)
        self.output_activation = make_activation(output_activation)
        self.output_logits = output_logits
        self.preact_noise_std = float(preact_noise_std)

    def encode(self, x, generator=None):
        """Codes of ``x``; in training, with pre-activation noise.

        ``generator`` draws that noise (torch's global generator if None).
        """
        h = self.first(x)
        if self.training and self.preact_noise_std > 0:
            h = h + self.preact_noise_std * torch.randn(
                h.shape, generator=generator, device=h.device,
                dtype=h.dtype)
        return self.encoder_rest(self.first_activation(h))

    def decode_logits(self, z):
        return self.decoder(z)

    def decode(self, z):
        return self.output_activation(self.decoder(z))

    def forward(self, x, generator=None):
        out = self.decoder(self.encode(x, generator))
        return out if self.output_logits else self.output_activation(out)

    def reconstruct(self, x):
        """Return ``r(x)`` in data space (output activation applied)."""
        return self.decode(self.encode(x))

    def reconstruction_chain(self):
        """The layers of :meth:`reconstruct` in order, noise aside.

        Linear layers and element-wise activations, for
        :func:`chain_jacobian_frobenius_sq`.
        """
        return [self.first, self.first_activation, *self.encoder_rest,
                *self.decoder, self.output_activation]


class MLPClassifierModule(nn.Module):
    """MLP returning class logits."""

    def __init__(self, n_features, n_classes, hidden_layer_sizes,
                 activation="relu"):
        super().__init__()
        sizes = (n_features, *hidden_layer_sizes, n_classes)
        self.net = _mlp(sizes, activation, None)

    def forward(self, x):
        return self.net(x)


class VAEModule(nn.Module):
    """Gaussian-encoder variational autoencoder with an MLP on each side.

    ``hidden_layer_sizes[:-1]`` are the encoder's hidden widths and the last
    entry is the latent dimension; the decoder mirrors them. In training,
    ``forward`` samples ``z = mu + exp(logvar / 2) * eps`` (the
    reparameterisation trick, with the ``generator`` argument); in eval mode it
    uses ``z = mu``. ``forward`` returns ``(output, mu, logvar)``.
    """

    def __init__(self, n_features, hidden_layer_sizes, activation="relu",
                 output_activation="identity", output_logits=False):
        super().__init__()
        *hidden, latent = hidden_layer_sizes
        self.latent_dim = latent
        body = (n_features, *hidden)
        self.body = (_mlp(body, activation, activation) if hidden
                     else nn.Sequential())
        self.mu = nn.Linear(body[-1], latent, device="meta")
        self.logvar = nn.Linear(body[-1], latent, device="meta")
        self.decoder = _mlp((latent, *hidden[::-1], n_features), activation,
                            None)
        self.output_activation = make_activation(output_activation)
        self.output_logits = output_logits

    def posterior(self, x):
        h = self.body(x)
        return self.mu(h), self.logvar(h)

    def encode(self, x):
        return self.posterior(x)[0]

    def decode(self, z):
        return self.output_activation(self.decoder(z))

    def reconstruct(self, x):
        return self.decode(self.encode(x))

    def forward(self, x, generator=None):
        mu, logvar = self.posterior(x)
        z = mu
        if self.training:
            eps = torch.randn(mu.shape, generator=generator,
                              device=mu.device, dtype=mu.dtype)
            z = mu + torch.exp(0.5 * logvar) * eps
        out = self.decoder(z)
        if not self.output_logits:
            out = self.output_activation(out)
        return out, mu, logvar


class NoiseConditionalDenoiser(nn.Module):
    """MLP denoiser conditioned on the index of its noise level.

    ``noise_levels`` holds the noise stds ``sigma_1 > ... > sigma_L``. For a
    noisy input ``x = x_clean + sigma_i * eps`` the denoised estimate is

    ``denoise(x, i) = c_skip * x + c_out * F(c_in * x, i)``

    with the preconditioning of Karras et al. (2022), taken per feature:
    ``c_in = 1 / sqrt(sigma**2 + s**2)``, ``c_skip = s**2 / (sigma**2 +
    s**2)``, ``c_out = sigma * s / sqrt(sigma**2 + s**2)`` for each feature's
    std ``s`` (``sigma_data``, one number or one per feature), so that the
    network's input and training target have unit variance at every level
    and in every feature: at small noise it only corrects the identity, at
    large noise it predicts the clean data. One std for all features
    would ask the network, on a feature that barely varies (an image's
    border pixel), for a gain of ``s / sigma`` that changes with the level.
    The score of the data smoothed at ``sigma_i`` is ``(denoise(x, i) - x) /
    sigma_i**2`` (Vincent, 2011). The level enters as a learned bias of the
    first hidden layer (a one-hot input to a bias-free linear map).

    ``F`` is the MLP plus a linear map of its input, shared by the levels
    (bias-free; of rank the first hidden width when that is smaller than
    ``n_features``): it carries much of the linear part of each level's
    denoiser (the Wiener filter, the best linear one) between the
    per-level coefficients, and the hidden layers learn what it misses.

    With ``data_range = (low, high)``, per-feature bounds of the training
    data, the denoised estimate is clipped to them. The exact denoiser, a
    posterior mean, lies in the convex hull of the data, so clipping only
    removes the network's errors; without it, annealed walks at the small
    levels, where ``c_skip`` is about 1, can drift far outside the data
    (the same reason DDPM samplers clip their predicted ``x_0``).

    In training mode, ``forward(x_clean)`` draws a level and Gaussian noise
    for every row (from the ``generator`` argument) and returns ``(F, target)``,
    the network's output and the value it should take,
    ``(x_clean - c_skip * x) / c_out``; in eval mode it returns
    ``reconstruct(x)``, the denoised estimate at the smallest level.
    """

    def __init__(self, n_features, hidden_layer_sizes, noise_levels,
                 sigma_data=0.5, activation="relu", data_range=None):
        super().__init__()
        sizes = (n_features, *hidden_layer_sizes)
        self._levels = [float(s) for s in noise_levels]
        self._clipped = data_range is not None
        if self._clipped:
            low, high = (torch.as_tensor(b, dtype=torch.float32).reshape(
                n_features) for b in data_range)
            self.register_buffer("data_low", low.clone())
            self.register_buffer("data_high", high.clone())
        self.register_buffer("sigma_data", torch.as_tensor(
            sigma_data, dtype=torch.float32).expand(n_features).clone())
        self.first = nn.Linear(sizes[0], sizes[1], device="meta")
        self.condition = nn.Linear(len(self._levels), sizes[1], bias=False,
                                   device="meta")
        self.activation = make_activation(activation)
        self.body = (_mlp(sizes[1:], activation, activation)
                     if len(sizes) > 2 else nn.Sequential())
        self.out = nn.Linear(sizes[-1], n_features, device="meta")
        rank = min(n_features, sizes[1])
        self.linear = (
            nn.Linear(n_features, n_features, bias=False, device="meta")
            if rank == n_features else nn.Sequential(
                nn.Linear(n_features, rank, bias=False, device="meta"),
                nn.Linear(rank, n_features, bias=False, device="meta")))

    def _coefficients(self, sigma):
        """``c_in, c_skip, c_out`` per feature, for a tensor or float sigma.

        A float gives vectors of ``n_features``; a column of one ``sigma``
        per row gives ``(n_rows, n_features)`` arrays.
        """
        s = self.sigma_data
        total = torch.sqrt(sigma ** 2 + s ** 2)
        return 1.0 / total, s ** 2 / total ** 2, sigma * s / total

    def _network(self, x, level_onehot):
        h = self.activation(self.first(x) + self.condition(level_onehot))
        return self.out(self.body(h)) + self.linear(x)

    def denoise(self, x, level):
        """Denoised estimate of ``x`` at level index ``level`` (an int)."""
        onehot = torch.zeros(len(self._levels), device=x.device,
                             dtype=x.dtype)
        onehot[level] = 1.0
        c_in, c_skip, c_out = self._coefficients(self._levels[level])
        f = self._network(c_in * x, onehot.expand(len(x), -1))
        out = c_skip * x + c_out * f
        if self._clipped:
            out = torch.clamp(out, self.data_low.to(out.dtype),
                              self.data_high.to(out.dtype))
        return out

    def reconstruct(self, x):
        """Denoised estimate at the smallest noise level."""
        return self.denoise(x, len(self._levels) - 1)

    def forward(self, x, generator=None):
        if not self.training:
            return self.reconstruct(x)
        idx = torch.randint(len(self._levels), (len(x),),
                            generator=generator, device=x.device)
        sigma = torch.tensor(self._levels, device=x.device,
                             dtype=x.dtype)[idx][:, None]
        noisy = x + sigma * torch.randn(x.shape, generator=generator,
                                        device=x.device, dtype=x.dtype)
        c_in, c_skip, c_out = self._coefficients(sigma)
        onehot = nn.functional.one_hot(idx, len(self._levels)).to(x.dtype)
        return (self._network(c_in * noisy, onehot),
                (x - c_skip * noisy) / c_out)
