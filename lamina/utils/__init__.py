"""Utilities shared across lamina (nested structures, config serialization)."""

from lamina.utils.random import set_random_seed  # noqa: E402,F401  (keras.utils.set_random_seed)
