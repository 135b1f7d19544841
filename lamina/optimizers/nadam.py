"""Nadam on `torch.optim.NAdam` (foreach), with Keras's momentum schedule."""

import torch

from lamina.optimizers._arguments import scalar_dtype
from lamina.optimizers.optimizer import Optimizer

__all__ = ["Nadam"]


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Dozat, 2015), Keras formula.

    Keras's momentum schedule is `u_t = b1 * (1 - 0.5 * 0.96^t)`; torch's NAdam
    uses `0.96^(t * momentum_decay)`, so `momentum_decay=1` gives the same
    schedule. Epsilon is added after the bias correction in both.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        beta_1: decay of the first moment, in [0, 1). Defaults to 0.9.
        beta_2: decay of the second moment, in [0, 1). Defaults to 0.999.
        epsilon: stability constant. Defaults to 1e-7.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Example:
        >>> opt = Nadam(learning_rate=0.01)
    """

    _default_name = "nadam"

    _torch_decoupled_decay = True
    _slot_keys = ("exp_avg", "exp_avg_sq")
    _counter_keys = ("step", "mu_product")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if not 0.0 <= beta_1 < 1.0 or not 0.0 <= beta_2 < 1.0 or epsilon < 0:
            raise ValueError(
                "Arguments of Nadam must satisfy 0 <= beta_1 < 1, 0 <= beta_2 < 1 and "
                f"epsilon >= 0, but received beta_1={beta_1!r}, beta_2={beta_2!r}, epsilon={epsilon!r}."
            )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._u_product = 1.0  # Keras's global product of the momentum schedule

    def _make_torch_optimizer(self, param_groups, impl):
        return torch.optim.NAdam(param_groups, lr=self._current_lr(), betas=(float(self.beta_1), float(self.beta_2)),
                                 eps=float(self.epsilon), momentum_decay=1.0, decoupled_weight_decay=True, **impl)

    def _initial_state(self, param, group, impl):
        return {
            "step": torch.zeros((), dtype=scalar_dtype()),
            "mu_product": torch.ones((), dtype=scalar_dtype()),
            "exp_avg": torch.zeros_like(param, memory_format=torch.preserve_format),
            "exp_avg_sq": torch.zeros_like(param, memory_format=torch.preserve_format),
        }

    def _sync_counters(self, params):
        # Keras keeps one product of the momentum schedule for all variables;
        # torch one per parameter. Reset the updated ones to the global value.
        super()._sync_counters(params)
        products = self._state_list("mu_product", params)
        torch._foreach_zero_(products)
        torch._foreach_add_(products, self._u_product)

    def _after_torch_step(self, params, lr):
        t = self._real_iterations() + 1
        self._u_product *= self.beta_1 * (1.0 - 0.5 * 0.96 ** t)

    def _keras_trailing_variables(self):
        return [torch.tensor(self._u_product, dtype=torch.float32)]

    def _load_keras_trailing_variables(self, values):
        self._u_product = float(values[0])

    def _extra_state(self):
        return {"u_product": self._u_product}

    def _load_extra_state(self, state):
        self._u_product = state.get("u_product", 1.0)

    @property
    def variables(self):
        # Keras keeps one `u_product` scalar next to the per-variable slots.
        out = super().variables
        if self._params:
            out.insert(2 if isinstance(self._learning_rate, float) else 1,
                       self._torch.state[self._params[0]]["mu_product"])
        return out

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config
