"""Number types returned by `Optimizer.learning_rate` and `Optimizer.iterations`.

They are plain `float` / `int` values (cheap, usable anywhere a number is), that
also answer the Keras variable methods user callbacks call on them:
`.numpy()` and `.assign(value)`.
"""

import numpy as np

__all__ = ["IterationCount", "LearningRateValue", "StateValue"]


class LearningRateValue(float):
    """A float learning rate that can be `.assign()`-ed back to its optimizer.

    Example:
        >>> from lamina.optimizers import SGD
        >>> optimizer = SGD(learning_rate=0.1)
        >>> lr = optimizer.learning_rate
        >>> lr.assign(float(lr) * 0.5)  # same as `optimizer.learning_rate = 0.05`
        >>> optimizer.learning_rate
        0.05
    """

    def __new__(cls, value, optimizer):
        obj = float.__new__(cls, value)
        obj._optimizer = optimizer
        return obj

    def numpy(self):
        """The value as a `numpy.float32`, like a Keras variable."""
        return np.float32(self)

    def assign(self, value):
        """Sets the optimizer's learning rate to `value`."""
        self._optimizer.learning_rate = value


class IterationCount(int):
    """The optimizer step count, as an int with Keras variable methods."""

    def __new__(cls, value, optimizer):
        obj = int.__new__(cls, value)
        obj._optimizer = optimizer
        return obj

    def numpy(self):
        """The value as a `numpy.int64`."""
        return np.int64(self)

    def assign(self, value):
        """Sets the optimizer's step count to `value`."""
        self._optimizer.iterations = value


class StateValue(float):
    """A scalar optimizer state (e.g. `LossScaleOptimizer.dynamic_scale`) as a float with the
    Keras variable methods `.numpy()` and `.assign(value)`."""

    def __new__(cls, value, setter, dtype=np.float32):
        obj = float.__new__(cls, value)
        obj._setter = setter
        obj._dtype = dtype
        return obj

    def numpy(self):
        """The value as a NumPy scalar of the Keras variable's dtype."""
        return self._dtype(self)

    def assign(self, value):
        """Sets the state to `value`."""
        self._setter(value)
