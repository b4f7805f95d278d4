"""Constants shared by the autoencoders and the samplers."""

#: The sampling ``lam`` used when nothing better is known: the default of
#: :class:`~sklearn_reinject.ReinjectionSampler` and of ``default_lam()``
#: for autoencoders that know no matched value.
DEFAULT_LAM = 0.1


def round_lam(value):
    """``value`` to twelve significant digits, as a float.

    Matched and calibrated ``lam`` values are products of floats: ``2 *
    0.2**2`` is 0.08000000000000002. Rounded, they print as the numbers
    they stand for, and differ from the products by far less than float32
    arithmetic resolves.
    """
    return float(f"{float(value):.12g}")


#: Rows generated or labelled per block where a whole request would not
#: fit in memory at once (ancestral samples, Gaussian noise, teacher labels).
CHUNK_ROWS = 65_536
#: Rows of the fixed-shape blocks in which per-row outputs (reconstruction
#: scores, class probabilities) are computed: every block is padded to this
#: many rows, so that the matrix products have one shape and a row's result
#: does not depend on the rows it was computed with (BLAS and oneDNN pick
#: kernels by shape, and they round differently).
BLOCK_ROWS = 256
#: Samples drawn at ``fit`` to measure the per-feature mean and spread of
#: a :class:`~sklearn_reinject.ReinjectionSampler`'s output
#: (``match_moments``).
MOMENT_SAMPLES = 10_000
