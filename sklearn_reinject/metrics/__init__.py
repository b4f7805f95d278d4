"""Measures of how close synthetic samples are to real data."""

from ._mmd import median_heuristic, mmd2_unbiased

__all__ = ["median_heuristic", "mmd2_unbiased"]
