"""Muon (Jordan et al., 2024; Liu et al., 2025) with Keras's formula.

2-D weights take the Muon step (momentum, then an approximate orthogonalization by
Newton-Schulz iterations); every other weight, embeddings (by default) and layers
named in `exclude_layers` take an AdamW step. torch's `torch.optim.Muon` uses
other normalization and learning-rate rules, so Keras's update is written here.

Newton-Schulz is an odd matrix polynomial, so orthogonalizing a kernel stored
transposed (lamina's Dense kernels are `(units, input_dim)`) gives the transposed
Keras result: no layout conversion is needed.
"""

import re

import torch

from lamina.optimizers._torch_step import closure_loss, groups_with_grads
from lamina.optimizers.optimizer import Optimizer

__all__ = ["Muon", "TorchMuon", "zeropower_via_newtonschulz5"]


def zeropower_via_newtonschulz5(x, steps, a=3.4445, b=-4.7750, c=2.0315):
    """Keras's quintic Newton-Schulz iteration towards `U V^T` of `x` (last two dims).

    Args:
        x: tensor with at least 2 dimensions.
        steps: number of iterations.
        a, b, c: the polynomial's coefficients.

    Returns:
        A tensor of `x`'s shape.
    """
    if x.dim() < 2:
        raise ValueError(f"Muon: expected the gradient or momentum to have at least 2 dimensions. "
                         f"Received: shape={tuple(x.shape)}")
    tall = x.shape[-2] > x.shape[-1]
    if tall:
        x = x.transpose(-2, -1)
    # Spectral norm at most 1 (Frobenius norm bounds it).
    x = x / (torch.linalg.matrix_norm(x, keepdim=True) + 1e-7)
    for _ in range(steps):
        gram = x @ x.transpose(-2, -1)
        poly = b * gram + c * (gram @ gram)
        x = a * x + poly @ x
    return x.transpose(-2, -1) if tall else x


class TorchMuon(torch.optim.Optimizer):
    """Keras's Muon/AdamW step as a `torch.optim.Optimizer` (weight decay is applied by `Muon`).

    Each parameter's state has `momentum`, and `velocity` when it takes the AdamW step.
    Muon step: `m = mu m + g`, `u = NS(g + mu m)` (Nesterov) or `NS(m)`,
    `w -= lr * u * sqrt(max(rows, cols)) * rms_rate` (no factor when `rms_rate` is None).
    AdamW step at `lr * adam_lr_ratio`: Keras's Adam update with epsilon outside the root.

    Args:
        params: parameters or parameter groups.
        lr: learning rate; the group's `"t"` is the step for the Adam bias correction.
        adam_betas, epsilon, adam_lr_ratio, momentum, ns_steps, nesterov, rms_rate, abc: see `Muon`.
    """

    def __init__(self, params, lr=1e-3, adam_betas=(0.9, 0.999), epsilon=1e-7, adam_lr_ratio=1.0, momentum=0.95,
                 ns_steps=5, nesterov=True, rms_rate=0.2, abc=(3.4445, -4.7750, 2.0315)):
        super().__init__(params, {"lr": lr, "adam_betas": adam_betas, "epsilon": epsilon,
                                  "adam_lr_ratio": adam_lr_ratio, "momentum": momentum, "ns_steps": ns_steps,
                                  "nesterov": nesterov, "rms_rate": rms_rate, "abc": abc})

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure_loss(closure)
        for group, params in groups_with_grads(self, count_steps=True):
            for p in params:
                if "momentum" not in self.state[p]:
                    self.state[p]["momentum"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    if p.dim() != 2:
                        self.state[p]["velocity"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            adam = [p for p in params if "velocity" in self.state[p]]
            muon = [p for p in params if "velocity" not in self.state[p]]
            if adam:
                self._adam_step(group, adam)
            for p in muon:
                self._muon_step(group, p)
        return loss

    def _adam_step(self, group, params):
        beta_1, beta_2 = group["adam_betas"]
        t = float(group["t"])
        lr = group["lr"] * group["adam_lr_ratio"]
        alpha = lr * (1.0 - beta_2 ** t) ** 0.5 / (1.0 - beta_1 ** t)
        grads = [p.grad for p in params]
        moms = [self.state[p]["momentum"] for p in params]
        vels = [self.state[p]["velocity"] for p in params]
        torch._foreach_lerp_(moms, grads, 1.0 - beta_1)
        torch._foreach_lerp_(vels, torch._foreach_mul(grads, grads), 1.0 - beta_2)
        denom = torch._foreach_sqrt(vels)
        torch._foreach_add_(denom, group["epsilon"])
        torch._foreach_addcdiv_(params, moms, denom, value=-alpha)

    def _muon_step(self, group, p):
        mu = group["momentum"]
        m = self.state[p]["momentum"]
        m.mul_(mu).add_(p.grad)
        g = p.grad + mu * m if group["nesterov"] else m
        a, b, c = group["abc"]
        update = zeropower_via_newtonschulz5(g, group["ns_steps"], a, b, c) * group["lr"]
        if group["rms_rate"] is not None:
            update = update * (max(update.shape[0], update.shape[1]) ** 0.5 * group["rms_rate"])
        p.sub_(update)


class Muon(Optimizer):
    """Muon for 2-D weights with AdamW for the rest (Keras `Muon`).

    A weight takes the AdamW step when it is not 2-D, when `exclude_embeddings` and its
    path contains "embedding", or when one of `exclude_layers` (regular expressions)
    matches its path; the path is the name given to `build` (`model.named_parameters()`)
    or the weight's `.path` (e.g. "dense/kernel").

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        adam_beta_1: first-moment decay of the AdamW step. Defaults to 0.9.
        adam_beta_2: second-moment decay of the AdamW step. Defaults to 0.999.
        adam_weight_decay: decoupled decay of the AdamW weights. Defaults to 0.004.
        epsilon: AdamW stability constant. Defaults to 1e-7.
        weight_decay: decoupled decay of the Muon weights. Defaults to 0.004.
        exclude_layers: list of regular expressions of weight paths that take AdamW.
        exclude_embeddings: embeddings take AdamW. Defaults to True.
        muon_a, muon_b, muon_c: Newton-Schulz coefficients.
        adam_lr_ratio: AdamW learning rate over the main one. Defaults to 1.
        momentum: Muon momentum. Defaults to 0.95.
        ns_steps: Newton-Schulz iterations. Defaults to 5.
        nesterov: Nesterov momentum. Defaults to True.
        rms_rate: update scale `sqrt(max(rows, cols)) * rms_rate` (Moonlight); None
            disables it. Defaults to 0.2.
        **kwargs: the remaining common optimizer arguments (see `Optimizer`).

    Example:
        >>> opt = Muon(learning_rate=0.02, exclude_layers=["output"])
    """

    _default_name = "muon"
    # Keras creates `momentum`, then `velocity` (AdamW weights only), weight by weight.
    _slot_keys = ("momentum", "velocity")
    _torch_decoupled_decay = True  # Muon applies its two decay rates itself (`_before_torch_step`)

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
                 epsilon=1e-7, weight_decay=0.004, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None, exclude_embeddings=True,
                 muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5,
                 nesterov=True, rms_rate=0.2, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, param):
        if param.dim() != 2:
            return True
        path = (getattr(self, "_param_names", {}).get(id(param)) or getattr(param, "path", None)
                or getattr(param, "name", None) or "")
        if self.exclude_embeddings and "embedding" in str(path).lower():
            return True
        return any(re.search(keyword, str(path)) for keyword in self.exclude_layers)

    def _make_torch_optimizer(self, param_groups, impl):
        return TorchMuon(param_groups, lr=self._current_lr(),
                         adam_betas=(float(self.adam_beta_1), float(self.adam_beta_2)), epsilon=float(self.epsilon),
                         adam_lr_ratio=float(self.adam_lr_ratio), momentum=float(self.momentum),
                         ns_steps=int(self.ns_steps), nesterov=bool(self.nesterov),
                         rms_rate=None if self.rms_rate is None else float(self.rms_rate),
                         abc=(float(self.muon_a), float(self.muon_b), float(self.muon_c)))

    def _initial_state(self, param, group, impl):
        state = {"momentum": torch.zeros_like(param, memory_format=torch.preserve_format)}
        if self._should_use_adamw(param):
            state["velocity"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        return state

    def _keras_slot_order(self, params):
        state = self._torch.state if self._torch is not None else {}
        return [(p, key) for p in params for key in ("momentum", "velocity") if key in state.get(p, {})]

    def _before_torch_step(self, params, lr):
        # Keras `Muon._apply_weight_decay`: `adam_weight_decay` for the AdamW weights,
        # `weight_decay` for the others, both scaled by the main learning rate.
        by_rate = {}
        for p in params:
            if id(p) not in self._decay_ids:
                continue
            rate = self.adam_weight_decay if "velocity" in self._torch.state[p] else self.weight_decay
            if rate is not None:
                by_rate.setdefault(float(rate), []).append(p)
        for rate, group in by_rate.items():
            torch._foreach_mul_(group, 1.0 - lr * rate)
        for group in self._torch.param_groups:
            group["t"] = self._real_iterations() + 1
        return True

    def get_config(self):
        config = super().get_config()
        config.update(adam_beta_1=self.adam_beta_1, adam_beta_2=self.adam_beta_2, epsilon=self.epsilon,
                      exclude_layers=self.exclude_layers, muon_a=self.muon_a, muon_b=self.muon_b,
                      muon_c=self.muon_c, adam_lr_ratio=self.adam_lr_ratio, momentum=self.momentum,
                      ns_steps=self.ns_steps, nesterov=self.nesterov, exclude_embeddings=self.exclude_embeddings,
                      adam_weight_decay=self.adam_weight_decay, rms_rate=self.rms_rate)
        return config
