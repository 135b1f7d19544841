"""Lion (Chen et al., 2023). torch has no Lion, so this is a small `torch.optim`
optimizer written with `_foreach` multi-tensor kernels."""

import torch

from lamina.optimizers._torch_step import closure_loss, groups_with_grads
from lamina.optimizers.optimizer import Optimizer

__all__ = ["Lion", "TorchLion"]


class TorchLion(torch.optim.Optimizer):
    """Lion as a `torch.optim.Optimizer` (no weight decay; lamina applies it).

    Update, per Keras: `w -= lr * sign(b1 * m + (1 - b1) * g)`, then
    `m = b2 * m + (1 - b2) * g`.

    Args:
        params: parameters or parameter groups.
        lr: learning rate.
        betas: `(beta_1, beta_2)`.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.99)):
        super().__init__(params, {"lr": lr, "betas": betas})

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure_loss(closure)
        for group, params in groups_with_grads(self):
            grads = [p.grad for p in params]
            moms = []
            for p in params:
                state = self.state[p]
                if "exp_avg" not in state:
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                moms.append(state["exp_avg"])
            beta_1, beta_2 = group["betas"]
            update = torch._foreach_mul(moms, beta_1)
            torch._foreach_add_(update, grads, alpha=1.0 - beta_1)
            torch._foreach_sign_(update)
            torch._foreach_add_(params, update, alpha=-group["lr"])
            torch._foreach_mul_(moms, beta_2)
            torch._foreach_add_(moms, grads, alpha=1.0 - beta_2)
        return loss


class Lion(Optimizer):
    """Lion: sign of an interpolated momentum (Keras `Lion`).

    Lion's updates have unit magnitude per element, so its learning rate is
    typically 3-10x smaller than AdamW's and its weight decay 3-10x larger.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        beta_1: interpolation between momentum and gradient for the update, in
            (0, 1]. Defaults to 0.9.
        beta_2: decay of the momentum. Defaults to 0.99.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Example:
        >>> opt = Lion(learning_rate=1e-4)
    """

    _default_name = "lion"

    _slot_keys = ("exp_avg",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1}."
            )
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def _make_torch_optimizer(self, param_groups, impl):
        return TorchLion(param_groups, lr=self._current_lr(), betas=(float(self.beta_1), float(self.beta_2)))

    def _initial_state(self, param, group, impl):
        return {"exp_avg": torch.zeros_like(param, memory_format=torch.preserve_format)}

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2)
        return config
