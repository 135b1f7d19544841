"""Cosine decay (with optional linear warmup) and cosine decay with restarts (SGDR)."""

import math

from lamina.optimizers.schedules.schedule import LearningRateSchedule, _check_positive

__all__ = ["CosineDecay", "CosineDecayRestarts"]


class CosineDecay(LearningRateSchedule):
    """Cosine decay (Loshchilov & Hutter, 2016), optionally after a linear warmup.

    Without warmup: `initial * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)`
    with `s = min(step, decay_steps)`. With `warmup_target`, the rate first goes
    linearly from `initial_learning_rate` to `warmup_target` over `warmup_steps`,
    then decays from `warmup_target` over the next `decay_steps`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: length of the decay (> 0).
        alpha: the final rate as a fraction of the decayed-from rate.
        name: defaults to "CosineDecay".
        warmup_target: the rate reached at the end of warmup; `None` for no warmup.
        warmup_steps: length of the warmup.

    Example:
        >>> CosineDecay(0.1, decay_steps=10)(5)
        0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        _check_positive(decay_steps, "decay_steps", "CosineDecay")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step, decay_from, ops):
        cosine = 0.5 * (1.0 + ops.cos(math.pi * (step / self.decay_steps)))
        return decay_from * ((1.0 - self.alpha) * cosine + self.alpha)

    def _compute(self, step, ops):
        if self.warmup_target is None:
            step = ops.minimum(step, float(self.decay_steps))
            return self._decay(step, self.initial_learning_rate, ops)
        step = ops.minimum(step, float(self.decay_steps + self.warmup_steps))
        warmup = (self.warmup_target - self.initial_learning_rate) * (step / max(self.warmup_steps, 1e-30)) \
            + self.initial_learning_rate
        decayed = self._decay(step - self.warmup_steps, self.warmup_target, ops)
        return ops.where(step < self.warmup_steps, warmup, decayed)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter, 2016).

    The first period lasts `first_decay_steps`; each next period is `t_mul` times
    longer and starts from `m_mul` times the previous initial rate.

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: length of the first period (> 0).
        t_mul: period length multiplier. Defaults to 2.0.
        m_mul: initial-rate multiplier per restart. Defaults to 1.0.
        alpha: the minimum rate as a fraction of `initial_learning_rate`.
        name: defaults to "SGDRDecay".

    Example:
        >>> CosineDecayRestarts(0.1, first_decay_steps=10)(10)
        0.1
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        _check_positive(first_decay_steps, "first_decay_steps", "CosineDecayRestarts")
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def _compute(self, step, ops):
        fraction = step / self.first_decay_steps
        t_mul = self._t_mul
        if t_mul == 1.0:
            i_restart = ops.floor(fraction)
            fraction = fraction - i_restart
        else:
            # Index of the current period of a geometric series of lengths.
            i_restart = ops.floor(ops.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            sum_r = (1.0 - t_mul ** i_restart) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / t_mul ** i_restart
        m_fac = self._m_mul ** i_restart
        cosine = 0.5 * m_fac * (1.0 + ops.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self._t_mul, "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}
