import re

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV

from sklearn_reinject import (ChainDivergenceError, DenoisingAutoencoder,
                              GaussianNoiseSampler, LossyAutoencoder,
                              ModuleAutoencoder,
                              MultiScaleDenoisingAutoencoder,
                              ReinjectionSampler, VariationalAutoencoder)
from sklearn_reinject.metrics import mmd2_unbiased
from sklearn_reinject.sampling import run_walks
from sklearn_reinject.sampling._runner import reinjection_chunks

from ._estimators import small_autoencoder


@pytest.fixture(scope="module")
def digits_dae(digits):
    return DenoisingAutoencoder(hidden_layer_sizes=(64, 32), loss="bce",
                                noise_std=0.2, max_epochs=60, device="cpu",
                                random_state=0).fit(digits[0])


def test_sample_works_on_fitted_autoencoder_without_fit(digits_dae):
    X_new = ReinjectionSampler(digits_dae, lam=0.1).sample(1000)
    assert X_new.shape == (1000, 64) and X_new.dtype == np.float32
    assert np.isfinite(X_new).all()


def test_sample_is_reproducible_and_seed_dependent(digits_dae):
    a = ReinjectionSampler(digits_dae, random_state=0).sample(300)
    b = ReinjectionSampler(digits_dae, random_state=0).sample(300)
    c = ReinjectionSampler(digits_dae, random_state=1).sample(300)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def _small_chain():
    """A contracting map on 5 features and 7 starting states."""
    gen = torch.Generator().manual_seed(0)
    W = torch.randn(5, 5, generator=gen) * 0.3

    def r(x):
        return torch.tanh(x @ W)

    return r, torch.randn(7, 5, generator=gen)


def test_walks_follow_the_recursion():
    """Compare with a slow, step-by-step reference of the same chain."""
    r, x0 = _small_chain()
    kept = run_walks(r, x0, n_steps=6, burn_in=2, lam=0.2,
                     generator=torch.Generator().manual_seed(1),
                     output="state")
    gen = torch.Generator().manual_seed(1)
    x, states = x0, []
    for _ in range(6):
        eps = torch.empty_like(x).normal_(generator=gen)
        x = r(x) + 0.2 ** 0.5 * eps
        states.append(x)
    torch.testing.assert_close(kept, torch.stack(states[2:]))
    means = run_walks(r, x0, 6, 2, 0.2, torch.Generator().manual_seed(1),
                      "mean")
    torch.testing.assert_close(means, r(torch.stack(states[1:5])))


@pytest.mark.parametrize("anneal", [False, True])
def test_smaller_steps_follow_their_recursion(anneal):
    """``x + eta (r(x) - x) + sqrt(eta lam) eps`` at every level."""
    r, x0 = _small_chain()
    eta, lam = 0.3, 0.2
    levels = [(lambda x: 0.5 * r(x), 0.8)] if anneal else []
    kept = run_walks(r, x0, 5, 1, lam, torch.Generator().manual_seed(1),
                     "state", anneal=levels, step_fraction=eta)
    gen = torch.Generator().manual_seed(1)
    x, states = x0, []
    for r_level, lam_level in levels:
        for _ in range(5):
            eps = torch.empty_like(x).normal_(generator=gen)
            x = x + eta * (r_level(x) - x) + (eta * lam_level) ** 0.5 * eps
    for _ in range(5):
        eps = torch.empty_like(x).normal_(generator=gen)
        x = x + eta * (r(x) - x) + (eta * lam) ** 0.5 * eps
        states.append(x)
    torch.testing.assert_close(kept, torch.stack(states[1:]))
    means = run_walks(r, x0, 5, 1, lam, torch.Generator().manual_seed(1),
                      "mean", anneal=levels, step_fraction=eta)
    torch.testing.assert_close(means, r(torch.stack(states[:4])))


def test_smaller_steps_shrink_the_discretisation_bias():
    """The exact stationary variance of the chain on a Gaussian.

    For data ``N(0, v I)`` and denoising noise ``sigma``, the ideal
    denoiser is ``r(x) = a x`` with ``a = v / (v + sigma**2)``. The chain
    ``x <- x + eta (r(x) - x) + sqrt(eta lam) eps`` with the matched ``lam
    = 2 sigma**2`` has stationary variance ``eta lam / (1 - (1 - eta (1 -
    a))**2)``: 1.8 at ``eta = 1`` and 1.525 at ``eta = 0.1``, against 1.5
    (the smoothed density ``v + sigma**2``) as ``eta -> 0``.
    """
    v, s2 = 1.0, 0.5
    a, lam = v / (v + s2), 2 * s2
    net = torch.nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        net.weight.copy_(a * torch.eye(2))
    ae = ModuleAutoencoder(net, lam=lam).fit(np.zeros((3, 2)))
    for eta, n_steps in ((1.0, 30), (0.1, 150)):
        exact = eta * lam / (1 - (1 - eta * (1 - a)) ** 2)
        samples = ReinjectionSampler(
            ae, lam=lam, n_steps=n_steps, burn_in=n_steps - 1,
            step_fraction=eta, random_state=0).sample(4000)
        # Sampling seeds 0-9: at most 0.061 from the exact variance (1.74
        # to 1.83 at eta = 1, 1.47 to 1.55 at eta = 0.1).
        assert abs(samples.var() - exact) < 0.1


class _NoHostSync(torch.overrides.TorchFunctionMode):
    """Fails on any tensor-to-host read: each would sync a device."""

    READS = {torch.Tensor.item, torch.Tensor.__bool__, torch.Tensor.__float__,
             torch.Tensor.__int__, torch.Tensor.tolist, torch.Tensor.numpy,
             torch.Tensor.cpu}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in self.READS:
            raise AssertionError(f"host read in the step loop: {func}")
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("blocks", [False, True])
@pytest.mark.parametrize("output", ["state", "mean"])
def test_step_loop_reads_nothing_back_to_the_host(blocks, output):
    r, x0 = _small_chain()
    generator = ([torch.Generator().manual_seed(s) for s in range(3)]
                 if blocks else torch.Generator().manual_seed(0))
    with _NoHostSync():
        kept = run_walks(r, x0, 6, 2, 0.1, generator, output,
                         block=3 if blocks else None)
    assert kept.shape == (4, 7, 5)
    with pytest.raises(AssertionError, match="host read"), _NoHostSync():
        bool(kept.sum() > 0)  # the mode does catch a read


def test_walks_in_blocks_draw_each_block_from_its_own_generator():
    """A block's walks do not depend on which other blocks run with them."""
    r, x0 = _small_chain()

    def gens(*seeds):
        return [torch.Generator().manual_seed(s) for s in seeds]

    together = run_walks(r, x0, 4, 1, 0.2, gens(10, 11, 12), "state",
                         block=3)
    alone = run_walks(r, x0[3:6], 4, 1, 0.2, gens(11), "state", block=3)
    torch.testing.assert_close(together[:, 3:6], alone)
    single = run_walks(r, x0[:3], 4, 1, 0.2,
                       torch.Generator().manual_seed(10), "state")
    torch.testing.assert_close(together[:, :3], single)
    with pytest.raises(ValueError, match="2 generators do not cover 7"):
        run_walks(r, x0, 4, 1, 0.2, gens(1, 2), "state", block=3)


@pytest.fixture
def restore_threads():
    n_threads = torch.get_num_threads()
    yield
    torch.set_num_threads(n_threads)


def _recording(estimator):
    """A copy of ``estimator`` whose reconstruct records its calling threads."""
    import copy
    import threading
    estimator = copy.deepcopy(estimator)
    module, calls = estimator.module_, []
    reconstruct = module.reconstruct

    def record(x):
        calls.append((threading.current_thread().name, len(x),
                      torch.is_inference_mode_enabled(),
                      torch.get_num_threads()))
        return reconstruct(x)

    module.reconstruct = record
    return estimator, calls


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_cpu_walks_run_on_single_threaded_workers(digits_dae, precision,
                                                  restore_threads):
    import threading

    from sklearn_reinject.utils._threads import openmp_backend
    if not openmp_backend():
        pytest.skip("CPU workers need PyTorch's OpenMP backend")
    torch.set_num_threads(2)
    ae, calls = _recording(digits_dae)
    sampler = ReinjectionSampler(ae, n_chains=512, n_steps=4, burn_in=1,
                                 precision=precision, random_state=0)
    # 1024 walks: two chunks of 512, each in 8 blocks of 64 walks (4096
    # values, the smallest block).
    X = sampler.sample(3072)
    assert np.isfinite(X).all()
    # The walks run on the pool's threads, never on the caller's. Which
    # thread takes which half is the pool's choice: on a busy machine one
    # may take both halves of a chunk before the other wakes.
    workers = {name for name, *_ in calls}
    assert 1 <= len(workers) <= 2
    assert all(name.startswith("sklearn_reinject") for name in workers)
    # Each chunk is split in two halves, run in inference mode with one
    # intra-op thread each...
    assert {(rows, inference, threads)
            for _, rows, inference, threads in calls} == {(256, True, 1)}
    assert len(calls) == 2 * 2 * 4  # workers x chunks x steps
    # ... and neither the caller's thread count nor the one that threads
    # started later inherit has changed.
    assert torch.get_num_threads() == 2
    seen = []
    thread = threading.Thread(target=lambda: seen.append(
        torch.get_num_threads()))
    thread.start()
    thread.join()
    assert seen == [2]


def test_cpu_samples_do_not_depend_on_the_thread_count(digits_dae,
                                                       restore_threads):
    sampler = ReinjectionSampler(digits_dae, n_chains=500, random_state=0)
    torch.set_num_threads(2)
    two = sampler.sample(4000)
    torch.set_num_threads(1)
    one = sampler.sample(4000)
    # Measured: identical. Matrix products of other row counts may round
    # differently on other BLAS builds, hence a tolerance.
    np.testing.assert_allclose(one, two, atol=1e-5)


def test_error_in_a_cpu_worker_reaches_the_caller(digits_dae,
                                                  restore_threads):
    import copy
    torch.set_num_threads(2)
    ae = copy.deepcopy(digits_dae)

    def broken(x):
        raise RuntimeError("reconstruct failed")

    ae.module_.reconstruct = broken
    with pytest.raises(RuntimeError, match="reconstruct failed"):
        ReinjectionSampler(ae, n_chains=300, random_state=0).sample(1000)


def test_samples_are_in_random_order(digits_dae):
    # In walk order, consecutive rows of one walk are strongly correlated;
    # shuffled, neighbours are as far apart as random pairs.
    X = ReinjectionSampler(digits_dae, lam=0.1, n_steps=10, burn_in=2,
                           random_state=0).sample(4000)
    neighbour = np.mean(np.sum((X[1:] - X[:-1]) ** 2, axis=1))
    rng = np.random.RandomState(0)
    i, j = rng.randint(len(X), size=(2, 4000))
    random_pairs = np.mean(np.sum((X[i] - X[j]) ** 2, axis=1))
    assert neighbour == pytest.approx(random_pairs, rel=0.1)


def test_chunks_have_fixed_size_and_cover_request(digits_dae):
    sampler = ReinjectionSampler(digits_dae, n_chains=10, n_steps=5,
                                 burn_in=1, random_state=0)
    sizes = [len(c) for c in sampler.iter_samples(1234)]
    assert sum(sizes) == 1234
    assert max(sizes) == 10 * 4


def test_streamed_chunks_do_not_alias(digits_dae):
    """Chunks share a device buffer internally; what users get never does."""
    sampler = ReinjectionSampler(digits_dae, n_chains=10, random_state=0)
    chunks = list(sampler.iter_samples(400))
    assert len(chunks) == 5
    for a, b in zip(chunks[:-1], chunks[1:]):
        assert not np.shares_memory(a, b) and not np.allclose(a, b)
    chains = sampler.sample_chains(30)  # three chunks of 10 walks
    assert not np.allclose(chains[:10], chains[10:20])
    assert not np.allclose(chains[10:20], chains[20:])


def test_cpu_chunks_in_flight_do_not_alias(digits_dae, restore_threads):
    """On a CPU the next chunk runs while the last one is handed over."""
    torch.set_num_threads(2)
    sampler = ReinjectionSampler(digits_dae, n_chains=512, n_steps=3,
                                 burn_in=1, random_state=0)
    chunks = list(sampler.iter_samples(4 * 1024))  # four chunks, two workers
    assert len(chunks) == 4
    for a, b in zip(chunks[:-1], chunks[1:]):
        assert not np.shares_memory(a, b) and not np.allclose(a, b)
    chains = sampler.sample_chains(3 * 512)
    for a, b in zip(chains[:-512:512], chains[512::512]):
        assert not np.allclose(a, b)
    np.testing.assert_array_equal(
        np.concatenate(chunks),
        np.concatenate(list(sampler.iter_samples(4 * 1024))))


def test_abandoned_stream_stops_its_workers(digits_dae, restore_threads):
    import gc
    import threading

    def workers():
        return [t for t in threading.enumerate()
                if t.name.startswith("sklearn_reinject")]

    torch.set_num_threads(2)
    sampler = ReinjectionSampler(digits_dae, n_chains=512, random_state=0)
    stream = sampler.iter_samples(100 * 512 * 8)
    next(stream)
    assert len(workers()) == 2
    stream.close()
    gc.collect()
    assert workers() == []


def test_code_between_streamed_chunks_runs_outside_inference_mode(
        digits_dae):
    """A consumer may train on each chunk: it must get ordinary tensors."""
    sampler = ReinjectionSampler(digits_dae, n_chains=10, random_state=0)
    layer = torch.nn.Linear(digits_dae.n_features_in_, 1)
    for chunk in sampler.iter_samples(120):
        assert not torch.is_inference_mode_enabled()
        layer(torch.from_numpy(chunk)).sum().backward()
    for _ in reinjection_chunks(sampler._plan(20), 20, 0):
        assert not torch.is_inference_mode_enabled()


def test_burn_in_keeps_n_steps_minus_burn_in_per_walk(digits_dae):
    sampler = ReinjectionSampler(digits_dae, n_chains=3, n_steps=4,
                                 burn_in=3, random_state=0)
    assert [len(c) for c in sampler.iter_samples(6)] == [3, 3]


def test_reinjected_samples_are_closer_than_noise(digits_dae, digits):
    X_test = digits[1]
    reinjected = ReinjectionSampler(digits_dae, lam=0.08,
                                    random_state=0).sample(1000)
    noise = GaussianNoiseSampler(random_state=0).fit(digits[0]).sample(1000)
    mmd_reinject = mmd2_unbiased(reinjected, X_test)
    mmd_noise = mmd2_unbiased(noise, X_test)
    # Measured with these seeds: 0.0170 (reinjection) and 0.141 (noise).
    assert mmd_reinject < 0.3 * mmd_noise


def test_fit_trains_a_clone_and_leaves_the_user_object(digits):
    ae = small_autoencoder()
    sampler = ReinjectionSampler(ae, random_state=0).fit(digits[0])
    assert not hasattr(ae, "module_")
    assert sampler.autoencoder_ is not ae
    assert sampler.sample(10).shape == (10, 64)


def test_fitted_and_frozen_autoencoders_are_used_as_is(digits_dae, digits):
    for given in (digits_dae, FrozenEstimator(digits_dae)):
        sampler = ReinjectionSampler(given).fit(digits[0])
        assert sampler.autoencoder_ is digits_dae


def test_unfitted_frozen_autoencoder_is_an_error(digits):
    with pytest.raises(NotFittedError, match="unfitted autoencoder"):
        ReinjectionSampler(FrozenEstimator(small_autoencoder())).fit(
            digits[0])


def test_unfitted_autoencoder_cannot_sample():
    with pytest.raises(NotFittedError):
        ReinjectionSampler(small_autoencoder()).sample(5)


def test_feature_mismatch_with_fitted_autoencoder(digits_dae):
    with pytest.raises(ValueError, match="expects 64"):
        ReinjectionSampler(digits_dae).fit(np.zeros((5, 3)))


def test_init_options(digits_dae, digits):
    for init in ("normal", "uniform"):
        ReinjectionSampler(digits_dae, init=init, random_state=0).sample(20)
    with pytest.raises(NotFittedError, match="init='data'"):
        ReinjectionSampler(digits_dae, init="data").sample(20)
    sampler = ReinjectionSampler(digits_dae, init="data", n_steps=1,
                                 burn_in=0, lam=1e-8, output="mean",
                                 random_state=0).fit(digits[0])
    # One noiseless step from training rows: reconstructions of those rows.
    X = sampler.sample(50)
    rec = digits_dae.reconstruct(digits[0])
    d = ((X[:, None, :] - rec[None]) ** 2).sum(-1).min(1)
    assert d.max() < 1e-4


class _PointMass(BaseEstimator):
    """A generator whose every sample is ``row``: walks' starts are known."""

    def __init__(self, row=None):
        self.row = row

    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        return self

    def sample(self, n_samples, random_state=None):
        return np.tile(np.asarray(self.row, dtype=np.float32), (n_samples, 1))


def test_init_generator_starts_walks_from_its_samples(digits_dae, digits):
    row = digits[0][7]
    sampler = ReinjectionSampler(
        digits_dae, init=_PointMass(row).fit(digits[0]), n_steps=1,
        burn_in=0, lam=1e-8, output="mean", random_state=0)
    # One noiseless step from the generator's only point: r(row).
    X = sampler.sample(30)
    expected = digits_dae.reconstruct(row[None])
    np.testing.assert_allclose(X, np.repeat(expected, 30, axis=0),
                               atol=1e-6)


def test_init_generator_samples_are_in_the_data_units(digits):
    """With a scaler, starts are standardised and samples mapped back."""
    X = digits[0] * 16.0
    row = X[3]
    sampler = ReinjectionSampler(
        DenoisingAutoencoder(hidden_layer_sizes=(16,), max_epochs=2,
                             device="cpu", random_state=0),
        init=_PointMass(row), n_steps=1, burn_in=0, lam=1e-8,
        output="mean", match_moments=False, random_state=0).fit(X)
    # (match_moments, on by default with a scaler, would move the point
    # mass onto the data's means: what is checked here is the units.)
    assert hasattr(sampler, "scaler_")
    start = sampler.scaler_.transform(row[None]).astype(np.float32)
    expected = sampler.scaler_.inverse_transform(
        sampler.autoencoder_.reconstruct(start))
    np.testing.assert_allclose(sampler.sample(5), np.repeat(expected, 5, 0),
                               rtol=1e-5, atol=1e-4)


def test_unfitted_init_generator_is_fitted_as_a_clone(digits_dae, digits):
    from sklearn.mixture import GaussianMixture

    gmm = GaussianMixture(2, covariance_type="diag", random_state=0)
    sampler = ReinjectionSampler(digits_dae, init=gmm, random_state=0)
    with pytest.raises(NotFittedError, match="'init' parameter is an "
                                             "unfitted GaussianMixture"):
        sampler.sample(5)
    sampler.fit(digits[0])
    assert sampler.init_ is not gmm and sampler.init_.n_features_in_ == 64
    assert not hasattr(gmm, "means_")
    a, b = sampler.sample(200), sampler.sample(200)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, sampler.sample(200, random_state=1))
    # A refit with a string init drops the generator.
    assert not hasattr(sampler.set_params(init="normal").fit(digits[0]),
                       "init_")


def test_init_generator_errors(digits_dae, digits):
    with pytest.raises(ValueError, match="'init' generator was fitted on 3 "
                                         "features, but X has 64"):
        ReinjectionSampler(digits_dae, init=_PointMass(np.zeros(3)).fit(
            np.zeros((2, 3)))).fit(digits[0])

    class Wrong(_PointMass):
        def sample(self, n_samples, random_state=None):
            return np.zeros((n_samples + 1, 64))

    with pytest.raises(ValueError, match=r"returned samples of shape "
                                         r"\(11, 64\) for sample\(10\)"):
        ReinjectionSampler(digits_dae, init=Wrong(np.zeros(64)).fit(
            digits[0]), n_steps=1, burn_in=0).sample(10)
    with pytest.raises(ValueError, match="'init' parameter of "
                                         "ReinjectionSampler must be"):
        ReinjectionSampler(digits_dae, init=object()).sample(5)


def test_fit_resample_fits_one_init_generator_per_class(digits):
    X, y = digits[0][:300], (digits[2][:300] == 3).astype(int)
    seen = []

    class Recording(_PointMass):
        def fit(self, X, y=None):
            seen.append(len(X))
            self.row = X.mean(axis=0)
            return super().fit(X)

    X_res, y_res = ReinjectionSampler(
        DenoisingAutoencoder(hidden_layer_sizes=(16,), max_epochs="auto",
                             device="cpu", random_state=0),
        init=Recording(), random_state=0).fit_resample(X, y)
    assert seen == [int((y == 1).sum())]
    assert np.bincount(y_res).tolist() == [int((y == 0).sum())] * 2


def test_lam_auto_uses_autoencoder_default(digits_dae):
    a = ReinjectionSampler(digits_dae, lam="auto", random_state=0).sample(50)
    b = ReinjectionSampler(digits_dae, lam=2 * 0.2 ** 2,
                           random_state=0).sample(50)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n_samples", [0, -3, 2.5, "10", True, None])
def test_bad_n_samples(digits_dae, n_samples):
    with pytest.raises(ValueError, match=r"'n_samples' parameter must be an "
                                         r"int >= 1\. Got "
                                         + repr(n_samples).replace(".", r"\.")):
        ReinjectionSampler(digits_dae).sample(n_samples)


@pytest.mark.parametrize("lam", [0.0, -0.1])
def test_lam_must_be_positive(digits_dae, lam):
    with pytest.raises(ValueError, match=r"'lam' parameter .* Got "
                                         + repr(lam).replace(".", r"\.")):
        ReinjectionSampler(digits_dae, lam=lam).sample(5)


def test_burn_in_must_be_below_n_steps(digits_dae):
    with pytest.raises(ValueError, match="'burn_in' parameter must be smaller"
                                         r" than 'n_steps' \(3\).*burn_in=3"):
        ReinjectionSampler(digits_dae, n_steps=3, burn_in=3).sample(5)


# 13 walks run in one block on the calling thread; 1,024 walks in 16
# blocks on two CPU workers, which check their own blocks.
@pytest.mark.parametrize("n_samples", [100, 8 * 1024])
def test_diverging_chain_raises(digits, n_samples, restore_threads):
    torch.set_num_threads(2)
    ae = small_autoencoder(hidden_layer_sizes=(8,)).fit(digits[0][:100])
    with torch.no_grad():
        for p in ae.module_.parameters():
            p.mul_(1e3)  # an expansive map: iterates overflow float32
    with pytest.raises(ChainDivergenceError, match="diverged to NaN or inf"):
        ReinjectionSampler(ae, n_steps=10, random_state=0).sample(n_samples)
    with pytest.raises(ChainDivergenceError, match="float16 overflows"):
        ReinjectionSampler(ae, n_steps=10, precision="float16",
                           random_state=0).sample(n_samples)


@pytest.mark.parametrize("method", ["reinject", "mh"])
def test_lower_precision_sampling_keeps_float32_samples(digits_dae, digits,
                                                        method):
    """bfloat16 arithmetic changes the chains a little, not their quality."""
    kw = dict(lam=0.08, method=method, random_state=0)
    exact = ReinjectionSampler(digits_dae, **kw).sample(1000)
    low = ReinjectionSampler(digits_dae, precision="bfloat16",
                             **kw).sample(1000)
    assert low.dtype == np.float32 and np.isfinite(low).all()
    diff = np.abs(low - exact).mean()
    # Same noise, network rounded to bfloat16. Measured over seeds 0-4: mean
    # |difference| 0.0017-0.0018 for reinjection (the noise std is 0.28)
    # and 0.0022-0.0080 for MH (a few accept decisions flip); MMD² within
    # 1e-4 of float32's (0.015-0.018 and 0.008-0.013).
    assert 1e-4 < diff < (0.005 if method == "reinject" else 0.02)
    X_test = digits[1]
    assert abs(mmd2_unbiased(low, X_test)
               - mmd2_unbiased(exact, X_test)) < 0.001


def test_score_is_reproducible_and_ranks_noise_last(digits_dae, digits):
    X_test = digits[1]
    sampler = ReinjectionSampler(digits_dae, lam=0.08, random_state=123)
    assert sampler.score(X_test) == sampler.score(X_test)
    noise = GaussianNoiseSampler().fit(digits[0])
    assert sampler.score(X_test) > noise.score(X_test)


# Large lam (or 1-epoch autoencoders) on purpose: the warning is expected.
@pytest.mark.filterwarnings("ignore::sklearn_reinject.SamplingWarning")
def test_grid_search_over_lam_with_frozen_autoencoder(digits_dae, digits):
    search = GridSearchCV(ReinjectionSampler(FrozenEstimator(digits_dae),
                                             random_state=0),
                          {"lam": [0.01, 0.1, 100.0]}, cv=2)
    search.fit(digits[0])
    scores = search.cv_results_["mean_test_score"]
    # lam=100 buries the data under noise of std 10.
    assert np.argmin(scores) == 2
    assert search.best_params_["lam"] in (0.01, 0.1)


def test_fit_resample_balances_with_per_class_autoencoders(digits):
    X, y = digits[0], digits[2]
    keep = (y != 3) | (np.arange(len(y)) % 4 == 0)
    X, y = X[keep], y[keep]
    sampler = ReinjectionSampler(
        LossyAutoencoder(hidden_layer_sizes=(32,), loss="bce", max_epochs=60,
                         batch_size=16, device="cpu", random_state=0),
        lam=0.05, output="mean", random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    counts = np.bincount(y_res)
    assert (counts == counts.max()).all()
    np.testing.assert_array_equal(X_res[:len(X)], X)
    new = X_res[len(X):][y_res[len(X):] == 3]
    # Synthetic 3s lie closer to real 3s than to the other digits.
    centroids = np.stack([digits[0][digits[2] == k].mean(0)
                          for k in range(10)])
    nearest = np.argmin(((new[:, None] - centroids[None]) ** 2).sum(-1), 1)
    assert np.mean(nearest == 3) > 0.8


def test_fit_resample_dict_strategy_and_errors(digits):
    X, y = digits[0][:200], digits[2][:200]
    sampler = GaussianNoiseSampler(sampling_strategy={0: 40},
                                   random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.sum(y_res == 0) == 40 and len(y_res) == 200 + 40 - np.sum(
        y == 0)
    with pytest.raises(ValueError, match="names class 42"):
        clone(sampler).set_params(sampling_strategy={42: 5}).fit_resample(
            X, y)
    with pytest.raises(ValueError, match="fit_resample only adds rows"):
        clone(sampler).set_params(sampling_strategy={0: 1}).fit_resample(
            X, y)


def test_gaussian_noise_sampler_moments():
    sampler = GaussianNoiseSampler(mean=2.0, std=0.5, random_state=0).fit(
        np.zeros((3, 4)))
    X = sampler.sample(200_000)
    assert X.shape == (200_000, 4)
    np.testing.assert_allclose(X.mean(0), 2.0, atol=0.01)
    np.testing.assert_allclose(X.std(0), 0.5, atol=0.01)


def test_verbose_sampling_shows_progress(digits_dae, capsys):
    ReinjectionSampler(digits_dae, verbose=1, n_chains=50).sample(1000)
    assert "reinjection" in capsys.readouterr().err
    ReinjectionSampler(digits_dae, n_chains=50).sample(1000)
    assert capsys.readouterr().err == ""


def test_far_too_large_lam_warns(digits_dae):
    import warnings

    from sklearn_reinject import SamplingWarning

    with pytest.warns(SamplingWarning,
                      match=r"lam=4 looks far too large") as record:
        ReinjectionSampler(digits_dae, lam=4.0, random_state=0).sample(500)
    # It names the caller's line, not the package's, on every path.
    assert record[0].filename == __file__
    with pytest.warns(SamplingWarning) as record:
        list(ReinjectionSampler(digits_dae, lam=4.0,
                                random_state=0).iter_samples(500))
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingWarning)
        ReinjectionSampler(digits_dae, lam=0.08, random_state=0).sample(500)


def test_pandas_output_keeps_feature_names(digits):
    pd = pytest.importorskip("pandas")
    from sklearn import config_context

    X = pd.DataFrame(digits[0], columns=[f"px{i}" for i in range(64)])
    sampler = ReinjectionSampler(
        LossyAutoencoder(hidden_layer_sizes=(16,), max_epochs=2,
                         device="cpu", random_state=0),
        random_state=0).fit(X)
    np.testing.assert_array_equal(sampler.feature_names_in_, X.columns)
    assert isinstance(sampler.sample(5), np.ndarray)
    out = sampler.set_output(transform="pandas").sample(5)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == list(
        X.columns)
    with config_context(transform_output="pandas"):
        noise = GaussianNoiseSampler(random_state=0).fit(X).sample(3)
    assert list(noise.columns) == list(X.columns)
    with pytest.raises(ValueError, match="'transform' parameter of "
                                         "set_output"):
        sampler.set_output(transform="polars")


@pytest.mark.parametrize("sigma", [0.1, 0.3])
def test_auto_lam_calibrates_to_better_samples(digits, sigma):
    """lam='auto' beats lam=0.1 and the matched 2 * sigma**2 on held-out data.

    Measured (digits, mean MMD² of seeds 0-2 on the test split): sigma=0.1:
    0.021 (auto, 0.04) vs 0.036 (0.1) and 0.033 (0.02); sigma=0.3: 0.009
    (auto, 0.045) vs 0.022 (0.1) and 0.089 (0.18).
    """
    from sklearn_reinject.metrics import median_heuristic, mmd2_unbiased

    X_train, X_test = digits[0], digits[1]
    ae = DenoisingAutoencoder(hidden_layer_sizes=(64, 16), noise_std=sigma,
                              max_epochs=30, device="cpu", random_state=0)
    sampler = ReinjectionSampler(ae, lam="auto", random_state=0).fit(X_train)
    assert sampler.lam_ in sampler.lam_grid_
    assert sampler.lam_scores_.shape == sampler.lam_grid_.shape
    assert sampler.lam_grid_[6] == pytest.approx(2 * sigma**2)
    # The candidates are the round numbers they stand for (0.02, not
    # 2 * 0.1**2 = 0.020000000000000004).
    assert sampler.lam_grid_[6] == round(2 * sigma**2, 12)
    bandwidth = median_heuristic(X_test)

    def mmd(lam):
        return np.mean([mmd2_unbiased(ReinjectionSampler(
            sampler.autoencoder_, lam=lam, random_state=seed).sample(
            len(X_test)), X_test, bandwidth=bandwidth) for seed in range(3)])

    auto = mmd(sampler.lam_)
    assert auto < 0.8 * mmd(0.1)
    assert auto < 0.8 * mmd(2 * sigma**2)


def test_float_lam_is_recorded_and_prefit_autoencoders_calibrate_on_X(
        digits, digits_dae):
    sampler = ReinjectionSampler(digits_dae, lam=0.05).fit(digits[1])
    assert sampler.lam_ == 0.05 and not hasattr(sampler, "lam_grid_")
    auto = ReinjectionSampler(digits_dae, lam="auto", random_state=0)
    # Without fit there is nothing to calibrate on: the matched value.
    assert auto._lam() == digits_dae.default_lam()
    auto.fit(digits[1])
    assert auto.autoencoder_ is digits_dae
    assert auto.lam_ == auto.lam_grid_[np.argmin(auto.lam_scores_)]


def test_auto_lam_needs_rows_to_hold_out():
    X = np.random.RandomState(0).uniform(size=(2, 4))
    with pytest.raises(ValueError, match="lam=.auto.*n_samples = 2"):
        ReinjectionSampler(DenoisingAutoencoder(max_epochs=1, device="cpu"),
                           lam="auto").fit(X)


def test_pandas_output_names_the_columns_of_a_prefit_autoencoder():
    pd = pytest.importorskip("pandas")
    X = np.random.RandomState(0).rand(60, 5).astype(np.float32)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    ae = small_autoencoder().fit(frame)
    sampler = ReinjectionSampler(ae, random_state=0).set_output(
        transform="pandas")
    assert list(sampler.sample(3).columns) == list(frame.columns)


@pytest.mark.parametrize("cls", [LossyAutoencoder, VariationalAutoencoder,
                                 MultiScaleDenoisingAutoencoder])
def test_autoencoder_sample_follows_the_output_config(cls):
    """An autoencoder's own ``sample`` returns what ``set_output`` asks.

    Before, ``sample`` ignored the autoencoder's ``set_output``, and the
    VAE's ignored scikit-learn's ``transform_output`` config as well.
    """
    pd = pytest.importorskip("pandas")
    from sklearn import config_context

    X = np.random.RandomState(0).rand(60, 5).astype(np.float32)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    params = dict(max_epochs=2, device="cpu", random_state=0)
    if cls is MultiScaleDenoisingAutoencoder:
        ae = cls(hidden_layer_sizes=(8,), n_noise_levels=3, **params)
    else:
        ae = cls(hidden_layer_sizes=(8, 3), loss="mse", **params)
    ae.fit(frame)
    plain = ae.sample(4, random_state=0)
    assert isinstance(plain, np.ndarray)
    with config_context(transform_output="pandas"):
        out = ae.sample(4, random_state=0)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(frame.columns)
    np.testing.assert_array_equal(out.to_numpy(), plain)
    if hasattr(ae, "set_output"):
        out = ae.set_output(transform="pandas").sample(4, random_state=0)
        assert list(out.columns) == list(frame.columns)
        # transform keeps naming the codes, as scikit-learn's set_output does.
        assert list(ae.transform(frame).columns)[0].startswith(
            cls.__name__.lower())


def test_walks_from_noise_warn_when_the_data_is_far_wider(digits):
    """An autoencoder fitted on unscaled pixels (0-16): walks never arrive.

    Measured (default DenoisingAutoencoder, seed 0, MMD² of 1,000 samples
    against the test split, median-heuristic kernel): fitted on the raw
    pixels and walked from N(0, I), 0.606, against 0.687 for Gaussian
    noise and 0.0033 when the sampler trains it on standardised pixels.
    """
    import warnings

    from sklearn_reinject import SamplingWarning
    from sklearn_reinject.metrics import median_heuristic, mmd2_unbiased

    X_train, X_test = 16 * digits[0], 16 * digits[1]
    raw = DenoisingAutoencoder(random_state=0).fit(X_train)
    with pytest.warns(SamplingWarning, match=r"44 of 64 features of the "
                      r"data the autoencoder was trained on spread or sit "
                      r"beyond the reach of init='normal'") as record:
        far = ReinjectionSampler(raw, random_state=0).sample(1000)
    assert record[0].filename == __file__
    with pytest.warns(SamplingWarning, match=r"U\(0, 1\)"):
        ReinjectionSampler(raw, init="uniform", random_state=0).sample(10)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingWarning)
        # The sampler standardises what it trains; walks in [0, 1] pixels,
        # and walks from a generator of the data, start within reach.
        scaled = ReinjectionSampler(DenoisingAutoencoder(random_state=0),
                                    random_state=0).fit(X_train).sample(1000)
        ReinjectionSampler(_unit_pixel_dae(digits), random_state=0).sample(10)
        ReinjectionSampler(raw, init=GaussianNoiseSampler(
            mean=8.0, std=4.0), random_state=0).fit(X_train).sample(10)
    bandwidth = median_heuristic(X_test)
    noise = GaussianNoiseSampler(random_state=0).fit(X_train).sample(1000)
    far_mmd, noise_mmd, scaled_mmd = (
        mmd2_unbiased(S, X_test, bandwidth=bandwidth)
        for S in (far, noise, scaled))
    assert far_mmd > 0.5 * noise_mmd
    assert scaled_mmd < 0.05 * far_mmd


def test_walks_from_noise_warn_when_the_data_sits_far_away():
    """Narrow features far from the start are out of reach too.

    Measured (seed 0): features of mean 1000 (std 0.5) and 10 (std 1)
    came out of the walks with means 2.8 and 0.09; the N(0, 1) feature
    beside them is within reach.
    """
    from sklearn_reinject import SamplingWarning

    rng = np.random.RandomState(0)
    X = np.c_[rng.randn(2000), 1000 + 0.5 * rng.randn(2000),
              10 + rng.randn(2000)].astype(np.float32)
    ae = DenoisingAutoencoder(random_state=0).fit(X)
    with pytest.warns(SamplingWarning) as record:
        samples = ReinjectionSampler(ae, random_state=0).sample(2000)
    # One warning, on the start; not a second one blaming lam for the
    # states outside the data's range.
    assert len(record) == 1
    assert re.search(r"2 of 3 features .*\(up to 1e\+03\) is above 3",
                     str(record[0].message))
    assert np.all(np.abs(samples.mean(axis=0)[1:] - X.mean(axis=0)[1:])
                  > 5 * X.std(axis=0)[1:])


def _unit_pixel_dae(digits):
    """A quick autoencoder of the [0, 1] pixels."""
    return DenoisingAutoencoder(hidden_layer_sizes=(16,), max_epochs=2,
                                device="cpu", random_state=0).fit(digits[0])
