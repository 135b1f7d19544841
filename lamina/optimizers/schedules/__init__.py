"""Keras 3 learning-rate schedules.

Example:
    >>> from lamina.optimizers.schedules import CosineDecay
    >>> CosineDecay(0.1, decay_steps=100)(50)
    0.05
"""

from lamina.optimizers.schedules.cosine import CosineDecay, CosineDecayRestarts
from lamina.optimizers.schedules.decay import (
    ExponentialDecay,
    InverseTimeDecay,
    PiecewiseConstantDecay,
    PolynomialDecay,
)
from lamina.optimizers.schedules.schedule import LearningRateSchedule, deserialize, serialize

__all__ = [
    "ALL_OBJECTS_DICT",
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "serialize",
]

ALL_OBJECTS_DICT = {
    cls.__name__: cls
    for cls in (CosineDecay, CosineDecayRestarts, ExponentialDecay, InverseTimeDecay,
                PiecewiseConstantDecay, PolynomialDecay, LearningRateSchedule)
}
