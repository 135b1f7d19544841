"""The state object `Metric.add_variable` returns: a tensor with Keras's variable methods.

Keras metrics keep their state in variables and update them with
`v.assign(v + x)`, `v.assign_add(x)` or `v.assign_sub(x)`; the keras.io
custom-metric guides do the same. `MetricVariable` is lamina's `Variable` (a
non-trainable `torch.nn.Parameter`), so it behaves as a plain tensor in every
torch op (arithmetic returns ordinary tensors, in-place `add_` works) and answers
those methods, `numpy()`, `name` and `path` (`"<metric name>/<variable name>"`).
"""

import numpy as np
import torch

from lamina.layers.variable import Variable

__all__ = ["MetricVariable"]


def _as_value(value):
    return value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))


class MetricVariable(Variable):
    """A metric's state tensor, updatable the Keras way without autograd.

    Created by `Metric.add_variable`; never trainable. Assignments run under
    `torch.no_grad()` and never leave the variable's device, so they do not
    synchronize with an accelerator.

    Example:
        >>> import lamina
        >>> m = lamina.metrics.Sum()
        >>> _ = m.total.assign_add(3.0)
        >>> m.total.assign(m.total * 2).numpy()
        array(6., dtype=float32)
        >>> m.total.path
        'sum/total'
    """

    def assign(self, value):
        """Copies `value` (same shape) into the variable, in place; returns the variable."""
        value = _as_value(value)
        if tuple(value.shape) != tuple(self.shape):
            raise ValueError(
                f"Cannot assign a value of shape {tuple(value.shape)} to metric variable "
                f"'{self.path}' of shape {tuple(self.shape)}. Pass a value of shape "
                f"{tuple(self.shape)} (e.g. `v.assign(v + x)` with a scalar x for a scalar state)."
            )
        with torch.no_grad():
            self.copy_(value)
        return self

    def assign_add(self, value):
        """Adds `value` (broadcastable to the variable's shape) in place; returns the variable."""
        with torch.no_grad():
            self.add_(_as_value(value).to(device=self.device, dtype=self.dtype))
        return self

    def assign_sub(self, value):
        """Subtracts `value` (broadcastable to the variable's shape) in place; returns the variable."""
        with torch.no_grad():
            self.sub_(_as_value(value).to(device=self.device, dtype=self.dtype))
        return self

    def __reduce_ex__(self, protocol):
        # torch.nn.Parameter pickles as a plain Parameter; keep the class and the name.
        return (_rebuild_metric_variable, (self.detach(), dict(self.__dict__)))

    def __repr__(self):
        return (f"<MetricVariable path={self.path}, shape={tuple(self.shape)}, "
                f"dtype={str(self.dtype).replace('torch.', '')}>")


def _rebuild_metric_variable(data, state):
    variable = MetricVariable(data, False)
    variable.__dict__.update(state)
    return variable
