"""Adam and AdamW, on `torch.optim.Adam` (fused where available)."""

import math

import torch
from torch.optim import optimizer as _torch_optimizer
from torch.optim.adam import adam as _adam_kernel

from lamina.optimizers._arguments import scalar_dtype
from lamina.optimizers.optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


def _check_unit_interval(value, arg, cls_name):
    if not 0.0 <= value < 1.0:
        raise ValueError(f"Argument `{arg}` of {cls_name} must be in [0, 1), but received {arg}={value!r}.")


def _adam_state(param, fused, amsgrad):
    # Mirrors torch.optim.Adam's lazy state, created eagerly (Keras builds all
    # slots at `build`): the step lives on the device for fused kernels, else on CPU.
    device = param.device if fused else "cpu"
    step = torch.zeros((), dtype=scalar_dtype(fused), device=device)
    state = {
        "step": step,
        "exp_avg": torch.zeros_like(param, memory_format=torch.preserve_format),
        "exp_avg_sq": torch.zeros_like(param, memory_format=torch.preserve_format),
    }
    if amsgrad:
        state["max_exp_avg_sq"] = torch.zeros_like(param, memory_format=torch.preserve_format)
    return state


def _global_optimizer_hooks():
    # The module imported once, its dicts read at each call (registering a hook fills them in place).
    # Imported here, per step, it cost 2-4 us of the seed MLP's ~40 us update (bench/README.md).
    return _torch_optimizer._global_optimizer_pre_hooks or _torch_optimizer._global_optimizer_post_hooks


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014), with Keras's epsilon placement.

    Keras computes `w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`,
    i.e. epsilon is added before the bias correction; torch adds it after
    (`sqrt(v) / sqrt(1 - b2^t) + eps`). Setting torch's `eps` to
    `epsilon / sqrt(1 - b2^t)` at every step makes the two identical.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        beta_1: decay of the first moment, in [0, 1). Defaults to 0.9.
        beta_2: decay of the second moment, in [0, 1). Defaults to 0.999.
        epsilon: stability constant. Defaults to 1e-7.
        amsgrad: use the AMSGrad variant.
        **kwargs: the common optimizer arguments (see `Optimizer`), e.g.
            `weight_decay` (decoupled, as in Keras), `clipnorm`, `name`.

    Example:
        >>> opt = Adam(learning_rate=0.01)
        >>> opt.apply_gradients([(torch.ones(3), torch.nn.Parameter(torch.zeros(3)))])
        1
    """

    _default_name = "adam"

    _fused_supported = True
    _torch_decoupled_decay = True
    _slot_keys = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _counter_keys = ("step",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        _check_unit_interval(beta_1, "beta_1", type(self).__name__)
        _check_unit_interval(beta_2, "beta_2", type(self).__name__)
        if epsilon < 0:
            raise ValueError(f"Argument `epsilon` of {type(self).__name__} must be >= 0, but received epsilon={epsilon}.")
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def _make_torch_optimizer(self, param_groups, impl):
        return torch.optim.Adam(param_groups, lr=self._current_lr(), betas=(float(self.beta_1), float(self.beta_2)),
                                eps=float(self.epsilon), amsgrad=self.amsgrad, decoupled_weight_decay=True, **impl)

    def _initial_state(self, param, group, impl):
        return _adam_state(param, group.get("fused", False), self.amsgrad)

    def _before_torch_step(self, params, lr):
        t = self._real_iterations() + 1
        eps = self.epsilon / math.sqrt(1.0 - self.beta_2 ** t)
        for group in self._torch.param_groups:
            group["eps"] = eps
        return True

    def _keras_slot_groups(self):
        return [("exp_avg", "exp_avg_sq")] + ([("max_exp_avg_sq",)] if self.amsgrad else [])

    def _direct_step(self, params, grads):
        """The update through torch's functional `torch.optim.adam.adam` (same fused/foreach
        kernel, same state tensors) instead of `torch.optim.Adam.step()`.

        `step()` spends ~20 us per call on bookkeeping that is constant here (a profiler
        range, hooks, rebuilding the state lists); on a small model that is a tenth of a
        training step. Used only in the plain case: one parameter group, a fused or foreach
        kernel, no optimizer hooks, not under `torch.compile`, and state that has not been
        replaced since the lists were gathered (e.g. by `load_state_dict`).
        """
        torch_opt = self._torch
        if len(torch_opt.param_groups) != 1 or torch_opt._optimizer_step_pre_hooks \
                or torch_opt._optimizer_step_post_hooks or _global_optimizer_hooks() \
                or torch.compiler.is_compiling():
            return False
        group = torch_opt.param_groups[0]
        if not (group.get("fused") or group.get("foreach")) or group.get("capturable") \
                or group.get("differentiable") or group.get("maximize"):
            return False
        lists = self._direct_lists(torch_opt, params)
        if lists is None:
            return False
        exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, step_plan, one_kind = lists
        beta1, beta2 = group["betas"]
        if group.get("fused") and one_kind and grads[0].dtype == params[0].dtype \
                and grads[0].device == params[0].device:
            # torch's fused kernel called directly: what `torch.optim.adam.adam` would do for one
            # device and dtype, without regrouping the lists and its other per-call checks.
            self._advance_counters(step_plan)  # one add_ where the counters are views of one tensor
            kernel = torch._fused_adamw_ if group.get("decoupled_weight_decay", True) else torch._fused_adam_
            kernel(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, amsgrad=group["amsgrad"],
                   lr=group["lr"], beta1=beta1, beta2=beta2, weight_decay=group["weight_decay"], eps=group["eps"],
                   maximize=False, grad_scale=None, found_inf=None)
            return True
        _adam_kernel(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps,
                     foreach=group.get("foreach"), capturable=False, differentiable=False,
                     fused=group.get("fused"), grad_scale=None, found_inf=None, has_complex=False,
                     decoupled_weight_decay=group.get("decoupled_weight_decay", True),
                     amsgrad=group["amsgrad"], beta1=beta1, beta2=beta2, lr=group["lr"],
                     weight_decay=group["weight_decay"], eps=group["eps"], maximize=False)
        return True

    def _direct_lists(self, torch_opt, params):
        """The state lists for `params`, cached while the parameters and state objects stay the same."""
        cache = self.__dict__.get("_direct_cache")
        state = torch_opt.state
        if cache is not None and cache[0] is state and cache[1] == [id(p) for p in params]:
            lists = cache[2]
            if state[params[-1]].get("exp_avg") is lists[0][-1]:
                return lists
        try:
            entries = [state[p] for p in params]
            lists = ([e["exp_avg"] for e in entries], [e["exp_avg_sq"] for e in entries],
                     [e["max_exp_avg_sq"] for e in entries] if self.amsgrad else [],
                     [e["step"] for e in entries])
        except KeyError:
            return None  # state not created yet (torch creates it lazily on its first step)
        if any(p.is_complex() for p in params):
            return None
        lists += (self._counter_plan(lists[3]), len({(p.device, p.dtype) for p in params}) == 1)
        self.__dict__["_direct_cache"] = (state, [id(p) for p in params], lists)
        return lists

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon, amsgrad=self.amsgrad)
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Same update as `Adam`, with `weight_decay` required (default 0.004): before
    each update `w -= w * weight_decay * lr`.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        weight_decay: the decoupled decay rate. Defaults to 0.004.
        beta_1, beta_2, epsilon, amsgrad: see `Adam`.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Example:
        >>> opt = AdamW(learning_rate=0.01, weight_decay=0.05)
    """

    _default_name = "adamw"

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if weight_decay is None:
            raise ValueError(
                "Argument `weight_decay` of AdamW must be a float, but received "
                "weight_decay=None. Use Adam for no weight decay."
            )
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
