"""Measures of how close synthetic samples are to real data."""

from ._distances import energy_distance, frechet_distance, sliced_wasserstein
from ._fidelity import (autocorrelation, class_balance,
                        classifier_two_sample_auc, effective_sample_size,
                        precision_recall_density_coverage)
from ._mmd import median_heuristic, mmd2_unbiased, mmd_permutation_test
from ._privacy import (closer_to_training_share, distance_to_closest_record,
                       near_copy_share, nearest_neighbor_distance_ratio)
from ._scorers import SampleScorer, get_sample_scorer

__all__ = ["SampleScorer", "autocorrelation", "class_balance",
           "classifier_two_sample_auc", "closer_to_training_share",
           "distance_to_closest_record", "effective_sample_size",
           "energy_distance", "frechet_distance", "get_sample_scorer",
           "median_heuristic", "mmd2_unbiased", "mmd_permutation_test",
           "near_copy_share", "nearest_neighbor_distance_ratio",
           "precision_recall_density_coverage", "sliced_wasserstein"]
