"""Walk kernels: reinjection and Metropolis-Hastings on tensors.

Pure functions of tensors and generators: no estimator, no device
placement, no host synchronisation. The chunk runner (``_runner.py``)
calls them on blocks of walks; tests and users may call them on any
``torch`` function ``r``.
"""

import math

import torch

#: Sampled values beyond this magnitude mean a diverging chain: their
#: squares overflow float32, so no metric or model could use them.
MAX_ABS_VALUE = 1e18


def within_bounds(kept):
    """Whether every value is finite and within ``MAX_ABS_VALUE``.

    One pass over the tensor (NaN fails both comparisons).
    """
    lo, hi = torch.aminmax(kept)
    return bool((lo >= -MAX_ABS_VALUE) & (hi <= MAX_ABS_VALUE))


def run_walks(reconstruct, x0, n_steps, burn_in, lam, generator, output,
              out=None, block=None, anneal=(), step_fraction=1.0):
    """Run reinjection walks from ``x0``; return the kept states.

    ``x_{t+1} = r(x_t) + sqrt(lam) * eps_t`` for ``t = 0 .. n_steps - 1``;
    with ``step_fraction`` ``eta < 1``, the smaller Langevin step
    ``x_{t+1} = x_t + eta (r(x_t) - x_t) + sqrt(eta lam) eps_t``.
    The states of steps ``burn_in + 1 .. n_steps`` are kept: the noise-free
    means ``r(x_t)`` when ``output == "mean"``, the noisy states otherwise.
    Runs with no host synchronisation (the caller enters
    ``inference_mode`` and checks finiteness once on the result). States
    and noise keep ``x0``'s dtype even when ``reconstruct`` returns a lower
    precision (autocast). ``out``, a tensor of the result's shape, dtype
    and device, receives the kept states instead of a new allocation; it
    may be a view whose rows of each step are contiguous.

    ``generator`` is one ``torch.Generator`` for all walks, or a sequence
    of them with ``block`` given: walks ``k * block`` to
    ``(k + 1) * block - 1`` then draw their noise from ``generator[k]``,
    so a block's noise does not depend on which other walks run with it.

    ``anneal``, a sequence of ``(reconstruct_i, lam_i)`` pairs, runs
    ``n_steps`` reinjections with each pair first, in order, keeping
    nothing: the noise levels of annealed reinjection above the last one,
    which ``reconstruct`` and ``lam`` then run as above.

    Parameters
    ----------
    reconstruct : callable
        ``r``: maps a (n_walks, n_features) tensor to one of the same shape.
    x0 : torch.Tensor of shape (n_walks, n_features)
        The walks' starts.
    n_steps : int
        Reinjections of the kept walk (and of each annealing level).
    burn_in : int
        Leading steps of the kept walk that are not kept.
    lam : float
        Noise variance of the kept walk's reinjections.
    generator : torch.Generator or sequence of torch.Generator
        Source of the noise; see above.
    output : {"state", "mean"}
        What is kept of each step.
    out : torch.Tensor, default=None
        Receives the kept states.
    block : int, default=None
        Walks per generator when ``generator`` is a sequence.
    anneal : sequence of (callable, float), default=()
        Earlier levels of annealed reinjection.
    step_fraction : float, default=1.0
        ``eta`` in ``(0, 1]``: the fraction of the way to ``r(x)`` that each
        step moves, at every level; 1 is plain reinjection.

    Returns
    -------
    kept : torch.Tensor of shape (n_steps - burn_in, n_walks, n_features)
    """
    n_walks, n_features = x0.shape
    kept = out if out is not None else torch.empty(
        (n_steps - burn_in, n_walks, n_features), dtype=x0.dtype,
        device=x0.device)
    noise = torch.empty_like(x0)
    streams = _noise_streams(noise, generator, block)
    eta = float(step_fraction)
    x = x0
    for level_reconstruct, level_lam in anneal:
        for _ in range(n_steps):
            x = _reinject(_towards(x, level_reconstruct(x), eta), noise,
                          streams, eta * level_lam)
    std = math.sqrt(eta * lam)
    for t in range(n_steps):
        mean = reconstruct(x)
        if output == "state" and t >= burn_in:
            # Write the new state straight into its kept slot.
            _draw(streams)
            x = torch.add(_towards(x, mean, eta), noise, alpha=std,
                          out=kept[t - burn_in])
            continue
        if t >= burn_in:
            kept[t - burn_in].copy_(mean)
        x = _reinject(_towards(x, mean, eta), noise, streams, eta * lam)
    return kept


def _towards(x, mean, eta):
    """``x + eta (mean - x)``: ``mean`` itself (not a copy) when ``eta == 1``.

    ``mean`` may come in a lower precision (autocast); the blend is taken
    in ``x``'s dtype.
    """
    if eta == 1.0:
        return mean
    return torch.lerp(x, mean.to(x.dtype), eta)


def _noise_streams(noise, generator, block):
    """Pairs ``(rows of noise, generator)`` that together fill ``noise``."""
    if isinstance(generator, torch.Generator):
        return [(noise, generator)]
    n_walks = len(noise)
    if block is None or len(generator) != math.ceil(n_walks / block):
        raise ValueError(
            f"{len(generator)} generators do not cover {n_walks} walks "
            f"in blocks of {block}.")
    return [(noise[k * block:(k + 1) * block], gen)
            for k, gen in enumerate(generator)]


def _draw(streams):
    for part, gen in streams:
        part.normal_(generator=gen)


def _reinject(mean, noise, streams, lam):
    """``mean + sqrt(lam) * eps`` with fresh noise, in place where possible.

    ``mean`` is a fresh tensor from ``r``: the noise is added to it in
    place, unless it came in a lower precision (autocast) and must be
    promoted to the state's dtype.
    """
    _draw(streams)
    std = math.sqrt(lam)
    if mean.dtype == noise.dtype:
        return mean.add_(noise, alpha=std)
    return torch.add(mean, noise, alpha=std)


def run_mh_walks(reconstruct, x0, n_steps, burn_in, lam, generator,
                 score_scale, n_integration_points=2, proposal="reinject",
                 step_size=None):
    """Metropolis-Hastings walks with an energy from the estimated score.

    The score is ``s(x) = (r(x) - x) / score_scale``. The energy difference
    between the state ``x`` and a proposal ``y`` is the line integral of
    the score, discretised by the midpoint rule on ``n_integration_points``
    points: ``E(y) - E(x) ~ -(1/n) sum_i s(x_i) . (y - x)``. A proposal is
    accepted with probability ``min(1, exp(E(x) - E(y)) q(x|y) / q(y|x))``.

    ``proposal="reinject"`` proposes ``y = r(x) + sqrt(lam) eps`` (not
    symmetric: ``q(y|x) = N(y; r(x), lam I)``, so the ratio includes the
    Hastings correction); ``"gaussian"`` proposes ``y = x + step_size eps``
    (symmetric). Network evaluations per step and walk: ``n`` for the
    integral, plus one (``r(y)``) for the reinjection proposal.

    Parameters
    ----------
    reconstruct : callable
        ``r``: maps a (n, n_features) tensor to one of the same shape.
    x0 : torch.Tensor of shape (n_walks, n_features)
        The walks' starts.
    n_steps : int
        Proposals per walk.
    burn_in : int
        Leading steps that are not kept.
    lam : float
        Noise variance of the reinjection proposal.
    generator : torch.Generator
        Source of the proposals' noise and of the acceptance draws.
    score_scale : float
        Divisor of ``r(x) - x`` in the score estimate.
    n_integration_points : int, default=2
        Points of the midpoint rule for the energy difference.
    proposal : {"reinject", "gaussian"}, default="reinject"
        The proposal, see above.
    step_size : float, default=None
        Std of the Gaussian proposal (required with ``"gaussian"``).

    Returns
    -------
    kept : torch.Tensor of shape (n_steps - burn_in, n_walks, n_features)
        The states after ``burn_in``.
    accepted : torch.Tensor of shape (n_walks,)
        Accepted proposals per walk.
    """
    n_walks, n_features = x0.shape
    device, dtype = x0.device, x0.dtype
    kept = torch.empty((n_steps - burn_in, n_walks, n_features),
                       dtype=dtype, device=device)
    accepted = torch.zeros(n_walks, dtype=dtype, device=device)
    n = int(n_integration_points)
    nodes = ((torch.arange(n, device=device, dtype=dtype) + 0.5) / n)
    noise_std = math.sqrt(lam) if proposal == "reinject" else float(step_size)
    x = x0
    r_x = reconstruct(x) if proposal == "reinject" else None
    for t in range(n_steps):
        eps = torch.randn(x.shape, generator=generator, device=device,
                          dtype=dtype)
        if proposal == "reinject":
            y = r_x + noise_std * eps
        else:
            y = x + noise_std * eps
        delta = y - x
        points = x[None] + nodes[:, None, None] * delta[None]
        flat = points.reshape(-1, n_features)
        score = (reconstruct(flat) - flat).reshape(n, n_walks, n_features)
        # -(E(y) - E(x)) = mean_i s(x_i) . (y - x)
        log_alpha = (score.mean(0) * delta).sum(1) / score_scale
        if proposal == "reinject":
            r_y = reconstruct(y)
            log_alpha = log_alpha + (
                ((y - r_x) ** 2).sum(1) - ((x - r_y) ** 2).sum(1)) / (2 * lam)
        u = torch.rand(n_walks, generator=generator, device=device,
                       dtype=dtype)
        accept = torch.log(u) < log_alpha
        accepted += accept.to(dtype)
        x = torch.where(accept[:, None], y, x)
        if proposal == "reinject":
            r_x = torch.where(accept[:, None], r_y, r_x)
        if t >= burn_in:
            kept[t - burn_in] = x
    return kept, accepted
