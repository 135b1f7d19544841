"""The `Optimizer` base class: Keras 3 semantics on top of `torch.optim` kernels.

Each optimizer owns one `torch.optim` optimizer (fused or foreach where torch has
those kernels for the parameters' device) and adds what Keras does around the
update: learning-rate schedules, clipping, decoupled weight decay, EMA, gradient
accumulation and loss scaling, plus the exact Keras formula where torch's differs
(see each subclass).

Trainer-facing API:
    - `build(params)`: create the state for a list of parameters (or
      `(name, param)` pairs, whose names drive `exclude_from_weight_decay`).
    - `step()`: update from each parameter's `.grad` (the fast path).
    - `apply(grads=None, trainable_variables=None)` and
      `apply_gradients(grads_and_vars)`: Keras style, with explicit gradients.
    - `zero_grad(set_to_none=True)`, `learning_rate` (settable float),
      `iterations`, `state_dict()` / `load_state_dict()`.
"""

import re
import warnings

import torch

from lamina.optimizers import _clipping
from lamina.optimizers._arguments import as_learning_rate_float, check_arguments
from lamina.optimizers._persistence import OptimizerPersistence
from lamina.optimizers._values import IterationCount, LearningRateValue
from lamina.optimizers.schedules.schedule import LearningRateSchedule

__all__ = ["Optimizer"]

_FOREACH_DEVICES = {"cuda", "xpu"}


def _fused_devices():
    try:
        from torch.utils._foreach_utils import _get_fused_kernels_supported_devices

        return set(_get_fused_kernels_supported_devices())
    except ImportError:  # older torch
        return {"cuda", "cpu"}


class Optimizer(OptimizerPersistence):
    """Base class for lamina optimizers (Keras 3 `keras.optimizers.Optimizer`).

    Args:
        learning_rate: a float, a `LearningRateSchedule` (called with the step
            count), or a callable taking no argument.
        weight_decay: if set, decoupled weight decay `w -= w * weight_decay * lr`
            applied before every update (Keras semantics, for every optimizer).
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to `[-clipvalue, clipvalue]`.
        global_clipnorm: clip all gradients together to this joint L2 norm.
            At most one of the three clipping arguments may be set.
        use_ema: keep an exponential moving average of the parameters.
        ema_momentum: EMA momentum, in [0, 1]. Defaults to 0.99.
        ema_overwrite_frequency: copy the EMA into the parameters every this many
            steps; otherwise call `finalize_variable_values()` at the end.
        loss_scale_factor: gradients are divided by it before use (pair with
            `scale_loss(loss)`).
        gradient_accumulation_steps: update every this many calls (>= 2), with the
            mean of the accumulated gradients.
        name: the optimizer name.

    Example:
        >>> from lamina.optimizers import Adam
        >>> model = torch.nn.Linear(3, 1)
        >>> opt = Adam(learning_rate=1e-3)
        >>> opt.build(model.parameters())
        >>> model(torch.randn(8, 3)).pow(2).mean().backward()
        >>> opt.step(); opt.zero_grad()
    """

    # Subclass settings.
    _fused_supported = False  # torch has a fused kernel for this optimizer
    _fused_device_types = None  # restrict fused to these device types (None: torch's list)
    _torch_decoupled_decay = False  # the torch optimizer applies `w *= 1 - lr * wd` itself
    _slot_keys = ()  # torch state keys listed in `variables`, per parameter
    _counter_keys = ()  # per-parameter torch step counters that Keras keeps global
    _default_name = None  # the name `name=None` gives (else the class name in snake case)

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        check_arguments(kwargs, clipnorm, clipvalue, global_clipnorm, gradient_accumulation_steps, use_ema,
                        ema_momentum, ema_overwrite_frequency, weight_decay)
        # Keras signatures say `name=None`; the class then picks its name.
        self.name = name or self._default_name or re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._learning_rate = self._check_learning_rate(learning_rate)
        self._iterations = 0
        self._exclude_ids = set()
        self._exclude_pattern = None
        self.built = False
        self._params = []
        self._index = {}
        self._torch = None
        self._ema = []
        self._accumulators = []
        self._counters_diverged = False

    # ----------------------------------------------------------------- hooks
    def _make_torch_optimizer(self, param_groups, impl):
        """Returns the `torch.optim.Optimizer` doing the update (subclasses)."""
        raise NotImplementedError

    def _initial_state(self, param, group, impl):
        """Optionally returns the torch state to pre-create for `param`."""
        return None

    def _before_torch_step(self, params, lr):
        """Sets per-step hyperparameters; returns False to skip the torch step."""
        return True

    def _after_torch_step(self, params, lr):
        """Runs after the torch step (state fix-ups)."""

    def _direct_step(self, params, grads):
        """Optionally runs torch's update kernel without `torch.optim`'s per-step wrapper; returns
        True when done. The default returns False: `self._torch.step()` runs."""
        return False

    def _sync_counters(self, params):
        """Sets the torch step counters of `params` to the global step count.

        Keras bias-corrects every variable with the optimizer's global step,
        torch with the parameter's own number of updates. They agree while all
        parameters update together; after a step in which some had no gradient,
        the counters of the updated ones are reset to the global count (two
        multi-tensor kernels) before every torch step.
        """
        steps = self._state_list("step", params)
        torch._foreach_zero_(steps)
        torch._foreach_add_(steps, float(self._real_iterations()))

    def _extra_state(self):
        return {}

    def _load_extra_state(self, state):
        pass

    # -------------------------------------------------------- learning rate
    @staticmethod
    def _check_learning_rate(learning_rate):
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            return learning_rate
        return as_learning_rate_float(learning_rate)

    def _current_lr(self):
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            return float(lr(self._iterations))
        if callable(lr):
            return float(lr())
        return lr

    @property
    def learning_rate(self):
        """The current learning rate as a float (a schedule is evaluated at the
        current step). Settable with a float or a new schedule."""
        return LearningRateValue(self._current_lr(), self)

    @learning_rate.setter
    def learning_rate(self, value):
        if not (isinstance(value, LearningRateSchedule) or callable(value)) and isinstance(
                self._learning_rate, LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not "
                "settable. If you need the learning rate to be settable, you should "
                "instantiate the optimizer with a float `learning_rate` argument."
            )
        self._learning_rate = self._check_learning_rate(value)

    @property
    def iterations(self):
        """Number of updates applied (micro-steps // accumulation steps)."""
        return IterationCount(self._real_iterations(), self)

    @iterations.setter
    def iterations(self, value):
        self._iterations = int(value) * (self.gradient_accumulation_steps or 1)
        self._counters_diverged = True

    def _real_iterations(self):
        steps = self.gradient_accumulation_steps
        return self._iterations // steps if steps else self._iterations

    # ----------------------------------------------------------------- build
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Excludes parameters from weight decay; call before `build`.

        Args:
            var_list: parameters to exclude.
            var_names: substrings (regex fragments); a parameter whose name (given
                to `build` as `(name, param)` pairs, or its `.path` / `.name`)
                contains one of them is excluded, e.g. `["bias"]`.
        """
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the optimizer is built.")
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _uses_weight_decay(self, param, name):
        if id(param) in self._exclude_ids:
            return False
        if self._exclude_pattern is not None and name and self._exclude_pattern.search(name):
            return False
        return True

    def build(self, var_list):
        """Creates the optimizer state for `var_list`.

        Args:
            var_list: iterable of parameters (e.g. `model.parameters()`), or of
                `(name, parameter)` pairs / a dict (e.g. `model.named_parameters()`).
                Frozen parameters may be included; they are skipped while frozen.
        """
        if self.built:
            return
        items = list(var_list.items()) if isinstance(var_list, dict) else list(var_list)
        params, names, seen = [], {}, set()
        for item in items:
            name, p = item if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) else (None, item)
            if not isinstance(p, torch.Tensor):
                raise ValueError(
                    f"Optimizer.build expects torch tensors or Parameters (or (name, "
                    f"parameter) pairs), but received an item of type {type(p).__name__}. "
                    "Pass `model.parameters()` or `model.named_parameters()`."
                )
            if not p.is_leaf:
                raise ValueError("Optimizer.build: can't optimize a non-leaf tensor; pass the model's parameters.")
            if id(p) not in seen:
                seen.add(id(p))
                params.append(p)
                names[id(p)] = name or getattr(p, "path", None) or getattr(p, "name", None)
        if self._exclude_pattern is not None and params and not any(names.values()):
            warnings.warn(
                "exclude_from_weight_decay(var_names=...) has no effect: the parameters given "
                "to build() have no names. Pass `model.named_parameters()` (or (name, param) "
                "pairs) to build()."
            )
        self._params = params
        self._param_names = names  # id -> name or None (Muon reads them)
        self._index = {id(p): i for i, p in enumerate(params)}
        self._decay_ids = {id(p) for p in params if self._uses_weight_decay(p, names[id(p)])}
        self._all_decay = len(self._decay_ids) == len(params)
        if params:
            self._torch = self._create_torch_optimizer(params)
        if self.use_ema:
            self._ema = [torch.zeros_like(p) for p in params]
        if self.gradient_accumulation_steps:
            self._accumulators = [torch.zeros_like(p) for p in params]
        self.built = True

    def _impl(self, params):
        types = {p.device.type for p in params}
        allowed = self._fused_device_types or _fused_devices()
        # FSDP shards are DTensors, and torch has no sharding rule for the fused kernels: use foreach there.
        sharded = any(type(p).__name__ == "DTensor" for p in params)
        if self._fused_supported and types <= set(allowed) and all(p.is_floating_point() for p in params) \
                and not sharded:
            return {"fused": True}
        if types <= _FOREACH_DEVICES:
            return {"foreach": True}
        return {}  # torch's default choice (its per-tensor loop on CPU)

    def _create_torch_optimizer(self, params):
        impl = self._impl(params)
        if self.weight_decay and self._torch_decoupled_decay:
            decay = [p for p in params if id(p) in self._decay_ids]
            keep = [p for p in params if id(p) not in self._decay_ids]
            groups = [{"params": decay, "weight_decay": float(self.weight_decay)}] if decay else []
            groups += [{"params": keep, "weight_decay": 0.0}] if keep else []
        else:
            groups = [{"params": params}]
        opt = self._make_torch_optimizer(groups, impl)
        for group in opt.param_groups:
            for p in group["params"]:
                state = self._initial_state(p, group, impl)
                if state is not None:
                    opt.state[p] = state
        self.__dict__["_counter_storage"] = self._share_counters(opt)
        return opt

    def _share_counters(self, opt):
        """Makes each group's per-parameter step counters views of one 1-D tensor per counter.

        Keras keeps one global step; torch keeps one per parameter, all equal here. As views of one
        tensor they still are what torch's kernels read and its state_dict saves, but a step can
        advance them all with one `add_` instead of a multi-tensor kernel over 0-d tensors (which
        costs ~20-40 us a step on CPU, a tenth of a small model's step). Returns
        `{(group index, key): storage}`; a state replaced later (e.g. by `load_state_dict`) is
        simply no longer a view, and the update paths check that before relying on it.
        """
        shared = {}
        for index, group in enumerate(opt.param_groups):
            for key in self._counter_keys:
                values = [opt.state.get(p, {}).get(key) for p in group["params"]]
                if not values or not all(isinstance(v, torch.Tensor) and v.dim() == 0 for v in values):
                    continue
                if len({(v.dtype, v.device) for v in values}) != 1:
                    continue
                storage = torch.stack([v.detach() for v in values])
                for p, i in zip(group["params"], range(len(values))):
                    opt.state[p][key] = storage[i]
                shared[(index, key)] = storage
        return shared

    def _counter_plan(self, counters, key="step"):
        """How to add one to the torch counters `counters` (state `key` of some parameters):
        `(shared tensors, None)` when they are exactly the elements of `_share_counters`'s tensors
        (one `add_` each), else `([], counters)` (one multi-tensor add). Compute once per set of
        state tensors; `_advance_counters` applies it."""
        shared = [t for (_, k), t in self.__dict__.get("_counter_storage", {}).items() if k == key]
        exact = (sum(t.numel() for t in shared) == len(counters)
                 and all(any(c._base is t for t in shared) for c in counters)
                 and len({(id(c._base), c.storage_offset()) for c in counters}) == len(counters))
        return (shared, None) if exact else ([], counters)

    @staticmethod
    def _advance_counters(plan):
        shared, counters = plan
        for tensor in shared:
            tensor.add_(1)
        if counters:
            torch._foreach_add_(counters, 1)

    @property
    def torch_optimizer(self):
        """The underlying `torch.optim.Optimizer` (e.g. for `GradScaler.unscale_`)."""
        return self._torch

    @property
    def param_groups(self):
        """The torch optimizer's parameter groups (empty before `build`)."""
        return self._torch.param_groups if self._torch is not None else []

    # ---------------------------------------------------------------- update
    def _require_built(self, what):
        if not self.built:
            raise ValueError(
                f"The optimizer must be built before calling `{what}()`: call "
                "`optimizer.build(model.parameters())` first (or use "
                "`apply_gradients([(grad, param), ...])`, which builds it)."
            )

    def step(self, closure=None):
        """Applies one update from each built parameter's `.grad` (the fast path).

        Parameters with `.grad` None or `requires_grad=False` are left unchanged.

        Args:
            closure: optional callable re-evaluating the loss (torch convention).

        Returns:
            The closure's loss, or None.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        self._require_built("step")
        # List comprehensions rather than one loop with appends: this runs every step.
        active = [p for p in self._params if p.grad is not None]
        frozen = [(p, p.grad) for p in active if not p.requires_grad]
        if frozen:
            active = [p for p in active if p.requires_grad]
            for p, _ in frozen:
                p.grad = None
        try:
            if not active:
                raise ValueError(
                    "No gradients provided for any variable: every parameter's `.grad` is "
                    "None. Call `loss.backward()` before `step()`, and check that the loss "
                    "depends on the trainable parameters."
                )
            self._apply_core(active, [p.grad for p in active])
        finally:
            for p, g in frozen:
                p.grad = g
        return loss

    def apply_gradients(self, grads_and_vars):
        """Applies `[(gradient, parameter), ...]` (Keras API); builds on first use.

        Returns:
            The iteration count after the update.
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return self.iterations
        grads, variables = zip(*pairs)
        self.apply(list(grads), list(variables))
        return self.iterations

    def apply(self, grads=None, trainable_variables=None):
        """Applies gradients (Keras API).

        Args:
            grads: list of gradients aligned with `trainable_variables` (or with the
                built parameters); `None` entries are skipped. `grads=None` uses each
                parameter's `.grad`, like `step()`.
            trainable_variables: the parameters; builds the optimizer on first use.
        """
        if grads is None:
            self.step()
            return
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            self._require_built("apply")
            if len(grads) != len(self._params):
                raise ValueError(
                    "When passing `grads` without `trainable_variables`, they must match the "
                    f"optimizer's {len(self._params)} built parameters one-to-one, but received "
                    f"{len(grads)} gradients."
                )
            variables = self._params
        else:
            variables = list(trainable_variables)
            if len(variables) != len(grads):
                raise ValueError(
                    f"Received {len(grads)} gradients for {len(variables)} variables; pass one "
                    "gradient (or None) per variable."
                )
            if not self.built:
                self.build(variables)
            unknown = [i for i, v in enumerate(variables) if id(v) not in self._index]
            if unknown:
                raise ValueError(
                    f"Unknown variable at position(s) {unknown}: this optimizer can only be "
                    "called for the variables it was originally built with. When working with "
                    "a new set of variables, create a new optimizer instance."
                )
        missing = [i for i, g in enumerate(grads) if g is None]
        if missing:
            warnings.warn(f"Gradients do not exist for the variables at positions {missing}; they are not updated.")
        copy = (self.loss_scale_factor is not None or self.gradient_accumulation_steps
                or self.clipnorm or self.clipvalue or self.global_clipnorm)
        active, new_grads = [], []
        for g, v in zip(grads, variables):
            if g is None or not v.requires_grad:
                continue
            g = torch.as_tensor(g).detach().to(device=v.device, dtype=v.dtype)
            if g.shape != v.shape:
                raise ValueError(
                    f"Gradient of shape {tuple(g.shape)} does not match its variable of shape "
                    f"{tuple(v.shape)} (variable #{self._index[id(v)]})."
                )
            active.append(v)
            new_grads.append(g.clone() if copy else g)
        if not active:
            raise ValueError("No gradients provided for any variable.")
        saved = [(p, p.grad) for p in self._params]
        try:
            for p in self._params:
                p.grad = None
            for p, g in zip(active, new_grads):
                p.grad = g
            self._apply_core(active, new_grads)
        finally:
            for p, g in saved:
                p.grad = g

    def _apply_core(self, active, grads):
        with torch.no_grad():
            if self.loss_scale_factor is not None:
                torch._foreach_div_(grads, self.loss_scale_factor)
            steps = self.gradient_accumulation_steps
            if steps:
                accs = [self._accumulators[self._index[id(p)]] for p in active]
                if (self._iterations + 1) % steps != 0:
                    torch._foreach_add_(accs, grads)
                    self._finish_iteration()
                    return
                torch._foreach_add_(grads, accs)
                torch._foreach_div_(grads, steps)
                torch._foreach_zero_(self._accumulators)
            lr = self._current_lr()
            if self.clipnorm and self.clipnorm > 0:
                _clipping.clip_by_norm_(grads, self.clipnorm)
            elif self.global_clipnorm and self.global_clipnorm > 0:
                _clipping.clip_by_global_norm_(grads, self.global_clipnorm)
            elif self.clipvalue and self.clipvalue > 0:
                _clipping.clip_by_value_(grads, self.clipvalue)
            if self.weight_decay and not self._torch_decoupled_decay:
                decay = active if self._all_decay else [p for p in active if id(p) in self._decay_ids]
                if decay:
                    # Keras `_apply_weight_decay`: w -= w * wd * lr, before the update.
                    torch._foreach_mul_(decay, 1.0 - lr * self.weight_decay)
            for group in self._torch.param_groups:
                group["lr"] = lr
            if self._counter_keys and (self._counters_diverged or len(active) != len(self._params)):
                self._counters_diverged = True
                self._sync_counters(active)
            if self._before_torch_step(active, lr) is not False and not self._direct_step(active, grads):
                self._torch.step()
            self._after_torch_step(active, lr)
            self._finish_iteration()

    def _finish_iteration(self):
        if self.use_ema:
            it = self._real_iterations()
            momentum = self.ema_momentum if it != 0 else 0.0
            torch._foreach_lerp_(self._ema, self._params, 1.0 - momentum)
            if self.ema_overwrite_frequency and (it + 1) % self.ema_overwrite_frequency == 0:
                torch._foreach_copy_(self._params, self._ema)
        self._iterations += 1

    def _state_list(self, key, params):
        state = self._torch.state
        return [state[p][key] for p in params]

    def zero_grad(self, set_to_none=True):
        """Clears the gradients of the built parameters."""
        if self._torch is not None:
            self._torch.zero_grad(set_to_none=set_to_none)

    def scale_loss(self, loss):
        """Multiplies the loss by `loss_scale_factor` (if set) before `backward()`."""
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

    def finalize_variable_values(self, var_list=None):
        """With `use_ema`, copies the moving averages into the parameters."""
        if self.use_ema and self._ema:
            with torch.no_grad():
                torch._foreach_copy_(self._params, self._ema)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name} learning_rate={self._learning_rate}>"
