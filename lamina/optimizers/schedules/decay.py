"""Exponential, piecewise-constant, inverse-time and polynomial decay schedules."""

import torch

from lamina.optimizers.schedules.schedule import LearningRateSchedule, _check_positive

__all__ = ["ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay", "PolynomialDecay"]


class _RateDecay(LearningRateSchedule):
    """What `ExponentialDecay` and `InverseTimeDecay` share: arguments, config and the decay
    progress `step / decay_steps` (floored with `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        _check_positive(decay_steps, "decay_steps", self._KIND)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step, ops):
        p = step / self.decay_steps
        if self.staircase:
            p = ops.floor(p)
        return p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_RateDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps per factor of `decay_rate` (> 0).
        decay_rate: the decay factor.
        staircase: decay in discrete jumps (`floor(step / decay_steps)`).
        name: defaults to "ExponentialDecay".

    Example:
        >>> ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)(20)
        0.025
    """

    _KIND = "ExponentialDecay"

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def _compute(self, step, ops):
        p = self._progress(step, ops)
        return self.initial_learning_rate * self.decay_rate ** p


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[i]` for `boundaries[i-1] < step <= boundaries[i]`.

    Args:
        boundaries: increasing step boundaries.
        values: one more value than boundaries: `values[0]` up to and including
            `boundaries[0]`, ..., `values[-1]` after `boundaries[-1]`.
        name: defaults to "PiecewiseConstant".

    Example:
        >>> PiecewiseConstantDecay([5, 15], [0.1, 0.05, 0.01])(15)
        0.05
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of `boundaries` should be 1 less than the length of "
                f"`values`, but received {len(boundaries)} boundaries and {len(values)} "
                "values."
            )
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def _compute(self, step, ops):
        if isinstance(step, torch.Tensor):
            out = torch.full_like(step, float(self.values[-1]))
            for b, v in zip(reversed(self.boundaries), reversed(self.values[:-1])):
                out = torch.where(step <= b, float(v), out)
            return out
        for b, v in zip(self.boundaries, self.values):
            if step <= b:
                return v
        return self.values[-1]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class InverseTimeDecay(_RateDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps per unit of decay (> 0).
        decay_rate: the decay rate.
        staircase: use `floor(step / decay_steps)`.
        name: defaults to "InverseTimeDecay".

    Example:
        >>> InverseTimeDecay(0.1, decay_steps=10, decay_rate=0.5)(20)
        0.05
    """

    _KIND = "InverseTimeDecay"

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def _compute(self, step, ops):
        p = self._progress(step, ops)
        return self.initial_learning_rate / (1.0 + self.decay_rate * p)


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from `initial_learning_rate` to `end_learning_rate`.

    `(initial - end) * (1 - step / decay_steps) ** power + end`, with the step
    capped at `decay_steps`, or, with `cycle`, `decay_steps` stretched to the next
    multiple of itself above the step.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: length of the decay (> 0).
        end_learning_rate: the final rate. Defaults to 1e-4.
        power: the polynomial power. Defaults to 1.0 (linear).
        cycle: restart the decay after `decay_steps`.
        name: defaults to "PolynomialDecay".

    Example:
        >>> PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0)(5)
        0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        _check_positive(decay_steps, "decay_steps", "PolynomialDecay")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def _compute(self, step, ops):
        decay_steps = self.decay_steps
        if self.cycle:
            # The first multiple of decay_steps above the step; 1 at step 0.
            multiplier = ops.where(step == 0, 1.0, ops.ceil(step / self.decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            step = ops.minimum(step, float(decay_steps))
        p = step / decay_steps
        return (self.initial_learning_rate - self.end_learning_rate) * (1.0 - p) ** self.power + self.end_learning_rate

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}
