"""Lamb (You et al., 2019). torch has no Lamb, so this is a small `torch.optim`
optimizer written with `_foreach` multi-tensor kernels."""

import torch

from lamina.optimizers._torch_step import closure_loss, groups_with_grads
from lamina.optimizers.optimizer import Optimizer

__all__ = ["Lamb", "TorchLamb"]


class TorchLamb(torch.optim.Optimizer):
    """Lamb as a `torch.optim.Optimizer` (no weight decay; lamina applies it).

    Update, per Keras: `m += (g - m) * (1 - b1)`, `v += (g^2 - v) * (1 - b2)`,
    `u = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`,
    `w -= r * lr * u` with the trust ratio `r = |w| / |u|` (per tensor, Frobenius
    norms; 1 where either norm is 0).

    The step `t` is read from each group's `"t"` (set by `Lamb` to the optimizer's
    global step, as Keras bias-corrects every variable with its iteration count);
    without it, a per-group counter is used.

    Args:
        params: parameters or parameter groups.
        lr: learning rate.
        betas: `(beta_1, beta_2)`.
        eps: stability constant added to the bias-corrected RMS.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-7):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure_loss(closure)
        for group, params in groups_with_grads(self, count_steps=True):
            t = group["t"]
            grads = [p.grad for p in params]
            moms, vels = [], []
            for p in params:
                state = self.state[p]
                if "exp_avg" not in state:
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                moms.append(state["exp_avg"])
                vels.append(state["exp_avg_sq"])
            beta_1, beta_2 = group["betas"]
            torch._foreach_lerp_(moms, grads, 1.0 - beta_1)
            torch._foreach_mul_(vels, beta_2)
            torch._foreach_addcmul_(vels, grads, grads, value=1.0 - beta_2)
            denom = torch._foreach_div(vels, 1.0 - beta_2 ** t)
            torch._foreach_sqrt_(denom)
            torch._foreach_add_(denom, group["eps"])
            update = torch._foreach_div(moms, 1.0 - beta_1 ** t)
            torch._foreach_div_(update, denom)
            w_norms = torch._foreach_norm(params)
            u_norms = torch._foreach_norm(update)
            for p, u, wn, un in zip(params, update, w_norms, u_norms):
                ratio = torch.where((wn > 0) & (un > 0), wn / un, torch.ones_like(wn))
                p.sub_(u * (ratio * group["lr"]).to(p.dtype))
        return loss


class Lamb(Optimizer):
    """Lamb: Adam's update rescaled per variable by the trust ratio `|w| / |update|`
    (Keras `Lamb`), for large-batch training.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        beta_1: decay of the first-moment average. Defaults to 0.9.
        beta_2: decay of the second-moment average. Defaults to 0.999.
        epsilon: stability constant added to the bias-corrected RMS. Defaults to 1e-7.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Example:
        >>> opt = Lamb(learning_rate=1e-3, weight_decay=0.01)
    """

    _default_name = "lamb"

    _slot_keys = ("exp_avg", "exp_avg_sq")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _make_torch_optimizer(self, param_groups, impl):
        return TorchLamb(param_groups, lr=self._current_lr(), betas=(float(self.beta_1), float(self.beta_2)),
                         eps=float(self.epsilon))

    def _initial_state(self, param, group, impl):
        return {"exp_avg": torch.zeros_like(param, memory_format=torch.preserve_format),
                "exp_avg_sq": torch.zeros_like(param, memory_format=torch.preserve_format)}

    def _before_torch_step(self, params, lr):
        # Keras bias-corrects with the optimizer's global step, also for variables
        # that missed earlier updates.
        for group in self._torch.param_groups:
            group["t"] = self._real_iterations() + 1
        return True

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config
