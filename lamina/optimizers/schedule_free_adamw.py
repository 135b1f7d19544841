"""Schedule-Free AdamW (Defazio et al., 2024), Keras formula, as `_foreach` kernels."""

import torch

from lamina.optimizers._torch_step import closure_loss, groups_with_grads
from lamina.optimizers.optimizer import Optimizer

__all__ = ["ScheduleFreeAdamW", "TorchScheduleFreeAdamW"]


class TorchScheduleFreeAdamW(torch.optim.Optimizer):
    """Keras's Schedule-Free AdamW step as a `torch.optim.Optimizer` (no weight decay; lamina
    applies it before the step, as Keras does).

    With `z` the `momentum` slot (starts as a copy of the weights), `v` the `velocity`,
    `t` the step (group `"t"`, set by `ScheduleFreeAdamW`) and `lr` after warmup:
    `v += (g^2 - v)(1 - b2)`, `z' = z - lr * g / (sqrt(v / (1 - b2^t)) + eps)`,
    `x = (w - (1 - b1) z) / b1`, `x' = (1 - 1/t) x + z' / t`, `w = (1 - b1) z' + b1 x'`.

    Args:
        params: parameters or parameter groups.
        lr: learning rate.
        betas: `(beta_1, beta_2)`.
        eps: added to the bias-corrected RMS.
    """

    def __init__(self, params, lr=0.0025, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure_loss(closure)
        for group, params in groups_with_grads(self, count_steps=True):
            t = float(group["t"])
            for p in params:
                if "momentum" not in self.state[p]:
                    self.state[p]["momentum"] = p.detach().clone(memory_format=torch.preserve_format)
                    self.state[p]["velocity"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            grads = [p.grad for p in params]
            moms = [self.state[p]["momentum"] for p in params]
            vels = [self.state[p]["velocity"] for p in params]
            beta_1, beta_2 = group["betas"]
            lr = group["lr"]
            torch._foreach_lerp_(vels, torch._foreach_mul(grads, grads), 1.0 - beta_2)
            denom = torch._foreach_div(vels, 1.0 - beta_2 ** t)
            torch._foreach_sqrt_(denom)
            torch._foreach_add_(denom, group["eps"])
            # x_old from y_old and the momentum before this step: x = (w - (1 - b1) z) / b1.
            x = torch._foreach_add(params, moms, alpha=-(1.0 - beta_1))
            torch._foreach_div_(x, beta_1)
            step = torch._foreach_mul(grads, lr)
            torch._foreach_div_(step, denom)
            torch._foreach_sub_(moms, step)
            weight = 1.0 / t
            torch._foreach_lerp_(x, moms, weight)
            torch._foreach_mul_(x, beta_1)
            torch._foreach_add_(x, moms, alpha=1.0 - beta_1)
            torch._foreach_copy_(params, x)
        return loss


class ScheduleFreeAdamW(Optimizer):
    """Schedule-Free AdamW: interpolation and averaging replace the learning-rate schedule
    (Keras `ScheduleFreeAdamW`).

    The parameters are `y`, an interpolation between the `momentum` sequence `z`
    (where gradient steps are taken) and the running average `x`.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.0025.
        beta_1: interpolation between `z` and `x`. Defaults to 0.9.
        beta_2: decay of the squared-gradient average. Defaults to 0.999.
        epsilon: stability constant. Defaults to 1e-8.
        warmup_steps: linear warmup of the learning rate over this many steps. Defaults to 0.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Example:
        >>> opt = ScheduleFreeAdamW(learning_rate=0.0025, warmup_steps=100)
    """

    _default_name = "schedule_free_adam_w"
    _slot_keys = ("momentum", "velocity")

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def _make_torch_optimizer(self, param_groups, impl):
        return TorchScheduleFreeAdamW(param_groups, lr=self._current_lr(),
                                      betas=(float(self.beta_1), float(self.beta_2)), eps=float(self.epsilon))

    def _initial_state(self, param, group, impl):
        # Keras starts the momentum sequence at the weights' values.
        return {"momentum": param.detach().clone(memory_format=torch.preserve_format),
                "velocity": torch.zeros_like(param, memory_format=torch.preserve_format)}

    def _before_torch_step(self, params, lr):
        t = self._real_iterations() + 1
        if self.warmup_steps > 0:
            lr = lr * min(t / self.warmup_steps, 1.0)
        for group in self._torch.param_groups:
            group["t"] = t
            group["lr"] = lr
        return True

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon, warmup_steps=self.warmup_steps)
        return config
