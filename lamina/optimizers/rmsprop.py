"""RMSprop on `torch.optim.RMSprop` (foreach), with Keras's epsilon placement."""

import torch

from lamina.optimizers._momentum import MomentumUnits
from lamina.optimizers._arguments import scalar_dtype
from lamina.optimizers.optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012), Keras formula.

    Keras: `v = rho * v + (1 - rho) * g^2` and `w -= lr * g / sqrt(v + eps)`
    (centered: `sqrt(v - a^2 + eps)` with `a` the mean gradient); momentum
    accumulates the increments. torch adds epsilon outside the square root, so
    here torch runs with `eps=0` on a shifted accumulator `s = v + eps / rho`:
    its update `rho * s + (1 - rho) g^2` then equals `v_new + eps`, exactly the
    Keras denominator, and adding `eps * (1 - rho) / rho` afterwards restores the
    shift. The state therefore holds `v + eps / rho` (saved and restored as is).

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        rho: discount of the squared-gradient average, in (0, 1]. Defaults to 0.9.
        momentum: momentum, >= 0. Defaults to 0.0.
        epsilon: stability constant inside the square root. Defaults to 1e-7.
        centered: normalize by the gradient variance instead of the second moment.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Example:
        >>> opt = RMSprop(learning_rate=0.01, momentum=0.5, centered=True)
    """

    _default_name = "rmsprop"

    _slot_keys = ("square_avg", "momentum_buffer", "grad_avg")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if not 0 < rho <= 1:
            raise ValueError(
                f"Argument `rho` of RMSprop must be in (0, 1], but received rho={rho!r}. (rho=0 "
                "would keep no average of squared gradients.)"
            )
        if momentum < 0:
            raise ValueError(f"Argument `momentum` of RMSprop must be >= 0, but received momentum={momentum!r}.")
        if epsilon < 0:
            raise ValueError(f"Argument `epsilon` of RMSprop must be >= 0, but received epsilon={epsilon!r}.")
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        self._shift = epsilon / rho  # accumulator offset between steps
        self._units = MomentumUnits()
        self._zero_lr = False

    def _make_torch_optimizer(self, param_groups, impl):
        return torch.optim.RMSprop(param_groups, lr=self._current_lr(), alpha=float(self.rho), eps=0.0,
                                   momentum=float(self.momentum), centered=self.centered, **impl)

    def _initial_state(self, param, group, impl):
        # torch.optim.RMSprop's state layout, created eagerly with the shifted accumulator.
        state = {
            "step": torch.zeros((), dtype=scalar_dtype()),
            "square_avg": torch.full_like(param, self._shift, memory_format=torch.preserve_format),
        }
        if self.momentum > 0:
            state["momentum_buffer"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        if self.centered:
            state["grad_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        return state

    def _before_torch_step(self, params, lr):
        self._zero_lr = self.momentum > 0 and lr == 0
        if self._zero_lr:
            # Let torch update the averages only; the momentum step follows below.
            for group in self._torch.param_groups:
                group["momentum"] = 0.0
        elif self.momentum > 0:
            self._units.rescale(self._state_list("momentum_buffer", self._params), lr)
        return True

    def _after_torch_step(self, params, lr):
        torch._foreach_add_(self._state_list("square_avg", params), self._shift - self.epsilon)
        if self._zero_lr:
            for group in self._torch.param_groups:
                group["momentum"] = float(self.momentum)
            self._units.zero_lr_update(params, self._state_list("momentum_buffer", params), self.momentum)

    def _keras_slot_groups(self):
        return ([("square_avg",)] + ([("momentum_buffer",)] if self.momentum > 0 else [])
                + ([("grad_avg",)] if self.centered else []))

    def _slot_to_keras(self, key, value):
        if key == "square_avg":
            return value - self._shift
        if key == "momentum_buffer":
            return value * (self._units.buffer_lr or 1.0)
        return value

    def _slot_from_keras(self, key, value):
        if key == "square_avg":
            return value + self._shift
        if key == "momentum_buffer":
            self._units.buffer_lr = 1.0
        return value

    def _extra_state(self):
        return self._units.state()

    def _load_extra_state(self, state):
        self._units.load(state)

    def get_config(self):
        config = super().get_config()
        config.update(rho=self.rho, momentum=self.momentum, epsilon=self.epsilon, centered=self.centered)
        return config
