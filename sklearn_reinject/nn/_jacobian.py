"""Frobenius norm of the Jacobian of a map, exactly or by projections."""

import math

import torch
from torch import nn

_INV_SQRT2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def jacobian_frobenius_sq(fn, x, method="exact", n_projections=1,
                          generator=None, create_graph=True):
    """Per-sample ``||d fn(x) / dx||_F**2`` for a batch ``x``.

    ``"exact"`` back-propagates once per output feature (all in one batched
    call), costing about ``n_out`` backward passes: right for narrow maps.
    ``"projection"`` is the unbiased Hutchinson-style estimate
    ``E_v ||J^T v||**2 = ||J||_F**2`` for ``v ~ N(0, I)``, averaged over
    ``n_projections`` draws: one backward pass each, whatever the width.

    Returns a tensor of shape ``(n_samples,)``; differentiable when
    ``create_graph`` is true (for training).
    """
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        y = fn(x)
        n, n_out = y.shape
        if method == "exact":
            eye = torch.eye(n_out, dtype=y.dtype, device=y.device)
            vs = eye[:, None, :].expand(n_out, n, n_out)
            (rows,) = torch.autograd.grad(y, x, grad_outputs=vs,
                                          is_grads_batched=True,
                                          create_graph=create_graph)
            return rows.pow(2).sum(dim=(0, 2))
        total = torch.zeros(n, dtype=y.dtype, device=y.device)
        for i in range(n_projections):
            v = torch.randn(y.shape, generator=generator, device=y.device,
                            dtype=y.dtype)
            (g,) = torch.autograd.grad(
                y, x, grad_outputs=v, create_graph=create_graph,
                retain_graph=create_graph or i < n_projections - 1)
            total = total + g.pow(2).sum(dim=1)
        return total / n_projections


def batch_jacobian(fn, x):
    """Per-sample Jacobians of a row-wise map: shape (n, n_out, n_in)."""
    def single(row):
        return fn(row[None])[0]

    return torch.func.vmap(torch.func.jacrev(single))(x)


def _elementwise_derivative(activation, z, a):
    """``activation'(z)`` for an element-wise activation (``a`` its value).

    Closed forms for the package's named activations; any other module is
    differentiated in forward mode (one ``jvp`` with a tangent of ones),
    which is exact for element-wise maps. ``None`` stands for the identity.
    """
    if isinstance(activation, nn.Identity):
        return None
    if isinstance(activation, nn.Tanh):
        return 1 - a * a
    if isinstance(activation, nn.Sigmoid):
        return a * (1 - a)
    if isinstance(activation, nn.ReLU):
        return (z > 0).to(z.dtype)
    if isinstance(activation, nn.LeakyReLU):
        return torch.where(z > 0, 1.0, activation.negative_slope).to(z.dtype)
    if isinstance(activation, nn.ELU):
        # alpha * exp(z) = a + alpha below 0.
        return torch.where(z > 0, torch.ones_like(z), a + activation.alpha)
    if isinstance(activation, nn.SiLU):
        s = torch.sigmoid(z)
        return s * (1 + z * (1 - s))
    if isinstance(activation, nn.Softplus):
        # Linear above the threshold, as the module is.
        bz = activation.beta * z
        return torch.where(bz > activation.threshold, torch.ones_like(z),
                           torch.sigmoid(bz))
    if isinstance(activation, nn.GELU) and activation.approximate == "none":
        # Phi(z) + z * phi(z).
        return (0.5 * (1 + torch.erf(z * _INV_SQRT2))
                + z * torch.exp(-0.5 * z * z) * _INV_SQRT_2PI)
    return torch.func.jvp(activation, (z,), (torch.ones_like(z),))[1]


def chain_jacobian_frobenius_sq(layers, x):
    """Per-sample ``||J||_F**2`` of a chain of linear and element-wise maps.

    ``layers`` is the chain in order: ``torch.nn.Linear`` layers and
    element-wise activation modules, as in a multi-layer perceptron. The
    Jacobian is carried forward with the activations, as ``n_in`` tangent
    directions per sample (``W`` for a linear layer, a row scaling by the
    activation's derivative otherwise), so the whole penalty is one forward
    pass of ``n_in`` times the width and one ordinary backward pass, with
    no second-order graph. It equals ``jacobian_frobenius_sq(fn, x,
    method="exact")`` for the map ``fn`` the chain computes, up to float
    rounding, at a fraction of the cost on narrow inputs.

    Returns a differentiable tensor of shape ``(n_samples,)``.
    """
    h, tangents = x, None
    for layer in layers:
        if isinstance(layer, nn.Linear):
            # tangents: (n_in, n_samples or 1, width) directional derivatives.
            tangents = (layer.weight.t().unsqueeze(1) if tangents is None
                        else tangents @ layer.weight.t())
            h = layer(h)
        else:
            a = layer(h)
            slope = _elementwise_derivative(layer, h, a)
            if slope is not None and tangents is not None:
                tangents = tangents * slope
            h = a
    if tangents is None:
        # A chain without linear layers is not what this is for.
        raise ValueError("chain_jacobian_frobenius_sq needs at least one "
                         "torch.nn.Linear layer in 'layers'.")
    tangents = tangents.expand(-1, x.shape[0], -1)
    return tangents.pow(2).sum(dim=(0, 2))
