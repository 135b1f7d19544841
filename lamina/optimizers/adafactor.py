"""Adafactor (Shazeer & Stern, 2018) with Keras's formula.

torch's own `torch.optim.Adafactor` differs from Keras's (its decay, epsilon and
relative-step rules), so the Keras update is written here. The second-moment
estimate of a weight with 2 or more dimensions is factored over its last two
dimensions *in Keras's layout*: weights that lamina stores in a torch layout
(Dense and conv kernels, marked with `_keras_perm`) are viewed in Keras's layout
first, so the row/column statistics and the saved `r`/`c` slots are Keras's.
"""

import numpy as np
import torch

from lamina.optimizers._torch_step import closure_loss, groups_with_grads
from lamina.optimizers.optimizer import Optimizer

__all__ = ["Adafactor", "TorchAdafactor"]


def _keras_view(tensor, perm):
    """`tensor` (stored in a torch layout) seen in Keras's layout, as a view."""
    return tensor if perm is None else tensor.permute(*np.argsort(perm).tolist())


def _rms(x):
    return x.square().mean().sqrt()


def adafactor_state(param):
    """Keras's slots for `param`: row/column statistics `r`, `c` (Keras layout) and
    `velocity`; weights with fewer than 2 dimensions keep integer placeholders for `r`, `c`."""
    perm = getattr(param, "_keras_perm", None)
    if param.dim() < 2:
        # Keras creates `backend.Variable(0)` placeholders here (int32 scalars, saved too).
        r = torch.zeros((), dtype=torch.int32, device=param.device)
        c = torch.zeros((), dtype=torch.int32, device=param.device)
    else:
        shape = _keras_view(param, perm).shape
        r = torch.zeros(shape[:-1], dtype=param.dtype, device=param.device)
        c = torch.zeros(shape[:-2] + shape[-1:], dtype=param.dtype, device=param.device)
    return {"r": r, "c": c, "velocity": torch.zeros_like(param, memory_format=torch.preserve_format)}


class TorchAdafactor(torch.optim.Optimizer):
    """Keras's Adafactor step as a `torch.optim.Optimizer` (lamina applies weight decay).

    Per step `t` (group `"t"`): `rho = min(lr, 1/sqrt(t))`,
    `alpha = max(epsilon_2, rms(w)) * rho`, `b = 1 - t^beta_2_decay`,
    `s = g^2 + epsilon_1`; for ndim >= 2, `r = b r + (1-b) mean(s, -1)`,
    `c = b c + (1-b) mean(s, -2)`, `v = (r / mean(r, -1))[..., None] * c[..., None, :]`;
    otherwise `v = b v + (1-b) s`. Then `u = g / sqrt(v)`,
    `w -= alpha * u / max(1, rms(u) / clip_threshold)`.

    Args:
        params: parameters or parameter groups.
        lr: learning rate.
        beta_2_decay, epsilon_1, epsilon_2, clip_threshold: see `Adafactor`.
    """

    def __init__(self, params, lr=1e-3, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0):
        super().__init__(params, {"lr": lr, "beta_2_decay": beta_2_decay, "epsilon_1": epsilon_1,
                                  "epsilon_2": epsilon_2, "clip_threshold": clip_threshold})

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure_loss(closure)
        for group, params in groups_with_grads(self, count_steps=True):
            t = float(group["t"])
            rho = min(group["lr"], 1.0 / t ** 0.5)
            decay = 1.0 - t ** group["beta_2_decay"]
            for p in params:
                state = self.state[p]
                if "velocity" not in state:
                    state.update(adafactor_state(p))
                perm = getattr(p, "_keras_perm", None)
                w, g = _keras_view(p, perm), _keras_view(p.grad, perm)
                v = _keras_view(state["velocity"], perm)
                alpha = torch.clamp_min(_rms(w), group["epsilon_2"]) * rho
                squared = g.square().add_(group["epsilon_1"])
                if p.dim() >= 2:
                    r, c = state["r"], state["c"]
                    r.mul_(decay).add_(squared.mean(dim=-1), alpha=1.0 - decay)
                    c.mul_(decay).add_(squared.mean(dim=-2), alpha=1.0 - decay)
                    v.copy_((r / r.mean(dim=-1, keepdim=True)).unsqueeze(-1) * c.unsqueeze(-2))
                else:
                    v.mul_(decay).add_(squared, alpha=1.0 - decay)
                update = g / v.sqrt()
                update.div_(torch.clamp_min(_rms(update) / group["clip_threshold"], 1.0))
                w.sub_(update * alpha)
        return loss


class Adafactor(Optimizer):
    """Adafactor: Adam-like steps with a factored second moment (less memory), Keras formula.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        beta_2_decay: decay exponent of `beta_2` (`1 - t^beta_2_decay`). Defaults to -0.8.
        epsilon_1: added to the squared gradients. Defaults to 1e-30.
        epsilon_2: floor of the weights' RMS in the step size. Defaults to 1e-3.
        clip_threshold: the update's RMS is clipped to this (independent of `clipnorm`).
            Defaults to 1.0.
        relative_step: cap a constant learning rate at `1/sqrt(step)`. Defaults to True
            (Keras's step size is `min(lr, 1/sqrt(step))` in either case).
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Example:
        >>> opt = Adafactor(learning_rate=0.01)
    """

    _default_name = "adafactor"

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                 relative_step=True, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    # Keras creates r, c, velocity variable by variable.
    _slot_keys = ("r", "c", "velocity")

    def _make_torch_optimizer(self, param_groups, impl):
        return TorchAdafactor(param_groups, lr=self._current_lr(), beta_2_decay=float(self.beta_2_decay),
                              epsilon_1=float(self.epsilon_1), epsilon_2=float(self.epsilon_2),
                              clip_threshold=float(self.clip_threshold))

    def _initial_state(self, param, group, impl):
        return adafactor_state(param)

    def _before_torch_step(self, params, lr):
        for group in self._torch.param_groups:
            group["t"] = self._real_iterations() + 1
        return True

    def get_config(self):
        config = super().get_config()
        config.update(beta_2_decay=self.beta_2_decay, epsilon_1=self.epsilon_1, epsilon_2=self.epsilon_2,
                      clip_threshold=self.clip_threshold, relative_step=self.relative_step)
        return config
