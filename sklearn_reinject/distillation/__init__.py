"""Distillation of a teacher into a student through synthetic data."""

from ._continual import PseudoRehearsalClassifier
from ._distiller import SyntheticDistiller
from ._student import SoftTargetClassifier

__all__ = ["PseudoRehearsalClassifier", "SoftTargetClassifier",
           "SyntheticDistiller"]
