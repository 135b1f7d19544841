"""Utilities shared across lamina (nested structures, config serialization)."""

from lamina.utils.random import set_random_seed  # noqa: E402,F401  (keras.utils.set_random_seed)
from lamina.visualization.plot_model import plot_model  # noqa: E402,F401  (keras.utils.plot_model)
