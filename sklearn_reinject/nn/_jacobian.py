"""Frobenius norm of the Jacobian of a map, exactly or by projections."""

import torch


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
