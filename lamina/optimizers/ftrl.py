"""FTRL-Proximal (McMahan et al., 2013). torch has no FTRL, so the update is a small
`torch.optim.Optimizer` written with `_foreach` multi-tensor kernels."""

import torch

from lamina.optimizers._torch_step import closure_loss, groups_with_grads
from lamina.optimizers.optimizer import Optimizer

__all__ = ["Ftrl", "TorchFtrl"]


class TorchFtrl(torch.optim.Optimizer):
    """Keras's FTRL update as a `torch.optim.Optimizer` (weight decay is applied by lamina).

    Per step, with `p = -lr_power`, `n` the accumulator and `z` the linear term:
    `g' = g + 2 * l2_shrinkage * w`, `n' = n + g^2`,
    `z += g' - (n'^p - n^p) / lr * w`,
    `w = (clip(z, -l1, l1) - z) / (n'^p / lr + 2 * (l2 + beta / (2 * lr)))`, `n = n'`.

    Args:
        params: parameters or parameter groups.
        lr: learning rate.
        lr_power: `learning_rate_power` (<= 0).
        l1, l2, l2_shrinkage: regularization strengths.
        beta: the paper's beta.
        initial_accumulator_value: the starting value of `n`.
    """

    def __init__(self, params, lr=1e-3, lr_power=-0.5, l1=0.0, l2=0.0, l2_shrinkage=0.0, beta=0.0,
                 initial_accumulator_value=0.1):
        super().__init__(params, {"lr": lr, "lr_power": lr_power, "l1": l1, "l2": l2, "l2_shrinkage": l2_shrinkage,
                                  "beta": beta, "initial_accumulator_value": initial_accumulator_value})

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure_loss(closure)
        for group, params in groups_with_grads(self):
            for p in params:
                state = self.state[p]
                if "accumulator" not in state:
                    state["accumulator"] = torch.full_like(p, group["initial_accumulator_value"])
                    state["linear"] = torch.zeros_like(p)
            grads = [p.grad for p in params]
            accs = [self.state[p]["accumulator"] for p in params]
            linears = [self.state[p]["linear"] for p in params]
            lr, power = group["lr"], -group["lr_power"]
            l2_reg = group["l2"] + group["beta"] / (2.0 * lr)
            if group["l2_shrinkage"]:
                grad_to_use = torch._foreach_add(grads, params, alpha=2.0 * group["l2_shrinkage"])
            else:
                grad_to_use = grads
            new_accs = torch._foreach_addcmul(accs, grads, grads)
            new_pow = torch._foreach_pow(new_accs, power)
            sigma = torch._foreach_sub(new_pow, torch._foreach_pow(accs, power))
            torch._foreach_div_(sigma, lr)
            torch._foreach_mul_(sigma, params)
            torch._foreach_add_(linears, grad_to_use)
            torch._foreach_sub_(linears, sigma)
            quadratic = torch._foreach_div(new_pow, lr)
            torch._foreach_add_(quadratic, 2.0 * l2_reg)
            l1 = group["l1"]
            clipped = torch._foreach_clamp_max(torch._foreach_clamp_min(linears, -l1), l1)
            torch._foreach_sub_(clipped, linears)
            torch._foreach_div_(clipped, quadratic)
            torch._foreach_copy_(params, clipped)
            torch._foreach_copy_(accs, new_accs)
        return loss


class Ftrl(Optimizer):
    """FTRL ("Follow The Regularized Leader"), Keras formula; suits shallow models with
    large sparse feature spaces.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        learning_rate_power: <= 0; how the per-coordinate rate decays (0: fixed). Defaults to -0.5.
        initial_accumulator_value: starting value of the accumulators, >= 0. Defaults to 0.1.
        l1_regularization_strength: >= 0. Defaults to 0.0.
        l2_regularization_strength: >= 0 (stabilization penalty). Defaults to 0.0.
        l2_shrinkage_regularization_strength: >= 0 (magnitude penalty added to the
            gradient). Defaults to 0.0.
        beta: the paper's beta. Defaults to 0.0.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Example:
        >>> opt = Ftrl(learning_rate=0.1, l1_regularization_strength=0.01)
    """

    _default_name = "ftrl"
    _slot_keys = ("accumulator", "linear")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        checks = (("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
                  ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
                  ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
                  ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength, "positive or zero"))
        for arg, value, what in checks:
            if value < 0.0:
                raise ValueError(f"Ftrl: `{arg}` needs to be {what}. Received: {arg}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError("Ftrl: `learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _make_torch_optimizer(self, param_groups, impl):
        return TorchFtrl(param_groups, lr=self._current_lr(), lr_power=float(self.learning_rate_power),
                         l1=float(self.l1_regularization_strength), l2=float(self.l2_regularization_strength),
                         l2_shrinkage=float(self.l2_shrinkage_regularization_strength), beta=float(self.beta),
                         initial_accumulator_value=float(self.initial_accumulator_value))

    def _initial_state(self, param, group, impl):
        return {"accumulator": torch.full_like(param, float(self.initial_accumulator_value),
                                               memory_format=torch.preserve_format),
                "linear": torch.zeros_like(param, memory_format=torch.preserve_format)}

    def get_config(self):
        config = super().get_config()
        config.update(learning_rate_power=self.learning_rate_power,
                      initial_accumulator_value=self.initial_accumulator_value,
                      l1_regularization_strength=self.l1_regularization_strength,
                      l2_regularization_strength=self.l2_regularization_strength,
                      l2_shrinkage_regularization_strength=self.l2_shrinkage_regularization_strength,
                      beta=self.beta)
        return config
