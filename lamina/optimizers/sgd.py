"""SGD with optional (Nesterov) momentum, on `torch.optim.SGD` (fused where available)."""

import torch

from lamina.optimizers._momentum import MomentumUnits
from lamina.optimizers.optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Gradient descent with optional momentum (Keras `SGD`).

    Keras: `m = momentum * m - lr * g; w += m` (Nesterov:
    `w += momentum * m - lr * g`); without momentum `w -= lr * g`. torch's SGD
    equals this with `m = -lr * b` for a constant learning rate; when the rate
    changes the buffers are re-expressed (see `lamina.optimizers._momentum`).

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.01.
        momentum: float in [0, 1]. Defaults to 0.0.
        nesterov: use Nesterov momentum.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Example:
        >>> opt = SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    """

    _default_name = "SGD"

    _fused_supported = True
    _slot_keys = ("momentum_buffer",)

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if not isinstance(momentum, (int, float)) or isinstance(momentum, bool) or not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = nesterov
        self._units = MomentumUnits()

    def _make_torch_optimizer(self, param_groups, impl):
        # torch rejects nesterov without momentum; Keras treats it as plain SGD.
        return torch.optim.SGD(param_groups, lr=self._current_lr(), momentum=self.momentum,
                               nesterov=bool(self.nesterov and self.momentum > 0), **impl)

    def _initial_state(self, param, group, impl):
        if self.momentum == 0:
            return None
        # A zero buffer behaves like torch's "first step clones the gradient", and
        # lets fused SGD run when only some parameters have gradients.
        return {"momentum_buffer": torch.zeros_like(param, memory_format=torch.preserve_format)}

    def _before_torch_step(self, params, lr):
        if self.momentum == 0:
            return True
        if lr == 0:
            factor = self.momentum if self.nesterov else 1.0
            self._units.zero_lr_update(params, self._state_list("momentum_buffer", params), self.momentum, factor)
            return False
        self._units.rescale(self._state_list("momentum_buffer", self._params), lr)
        return True

    def _keras_slot_groups(self):
        return [("momentum_buffer",)] if self.momentum > 0 else []

    def _slot_to_keras(self, key, value):
        # Keras keeps `m = mu * m - lr * g` (lamina/optimizers/_momentum.py): m = -L * buffer.
        return value * -(self._units.buffer_lr or 1.0)

    def _slot_from_keras(self, key, value):
        self._units.buffer_lr = 1.0  # buffers loaded in units of rate 1; rescaled at the next step
        return -value

    def _extra_state(self):
        return self._units.state()

    def _load_extra_state(self, state):
        self._units.load(state)

    def get_config(self):
        config = super().get_config()
        config.update(momentum=self.momentum, nesterov=self.nesterov)
        return config
