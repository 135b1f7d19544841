"""`LossScaleOptimizer`: dynamic loss scaling around another optimizer (Keras semantics).

float16 gradients of small values underflow to zero. The loss is multiplied by a
scale before `backward()` (`optimizer.scale_loss(loss)`); the optimizer divides
the gradients by it, skips the step when any of them is inf/nan (halving the
scale), and doubles the scale after `dynamic_growth_steps` finite steps in a row.
Unscaling and the finiteness check run as torch's fused AMP kernel
(`_amp_foreach_non_finite_check_and_unscale_`, one per device), with one host
sync per step to decide whether the inner optimizer steps.
"""

import numpy as np
import torch

from lamina.optimizers._values import StateValue
from lamina.optimizers.optimizer import Optimizer

__all__ = ["LossScaleOptimizer"]

_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                  "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                  "loss_scale_factor": None, "gradient_accumulation_steps": None}


def unscale_and_check_(grads, scale):
    """Divides `grads` by `scale` in place; returns whether all of them were finite (one host sync)."""
    by_device = {}
    for g in grads:
        by_device.setdefault(g.device, []).append(g)
    flags = []
    for device, group in by_device.items():
        found_inf = torch.zeros((1,), dtype=torch.float32, device=device)
        inv_scale = torch.full((1,), 1.0 / scale, dtype=torch.float32, device=device)
        # GradScaler's fused kernel: multiplies by 1/scale and flags any inf/nan, without a sync.
        torch._amp_foreach_non_finite_check_and_unscale_(group, found_inf, inv_scale)
        flags.append(found_inf)
    found = flags[0] if len(flags) == 1 else torch.cat([f.to(flags[0].device) for f in flags])
    return not bool(found.any())


class LossScaleOptimizer(Optimizer):
    """Wraps an optimizer with dynamic loss scaling (Keras `LossScaleOptimizer`).

    On a step with an inf/nan gradient the scale is halved and the step skipped;
    after `dynamic_growth_steps` finite steps in a row the scale is doubled.

    Args:
        inner_optimizer: the optimizer doing the updates (its `loss_scale_factor` is reset
            to None, so gradients are not unscaled twice).
        initial_scale: starting loss scale. Defaults to 2**15.
        dynamic_growth_steps: finite steps before the scale doubles. Defaults to 2000.
        name: the optimizer name. Defaults to "loss_scale_optimizer".

    Example:
        >>> opt = LossScaleOptimizer(Adam(1e-3))
        >>> opt.build(model.parameters())
        >>> opt.scale_loss(loss).backward()
        >>> opt.step()  # unscales, skips on inf/nan, adapts the scale
    """

    _default_name = "loss_scale_optimizer"

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000, name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                             "`loss_scale_factor` directly on the `inner_optimizer`.")
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs:
                value = kwargs.pop(arg)
                if value != default:
                    raise ValueError(f"LossScaleOptimizer does not support `{arg}` (received {arg}={value!r}). "
                                     f"Instead, set `{arg}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`. It takes "
                             "inner_optimizer, initial_scale, dynamic_growth_steps and name.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError("LossScaleOptimizer: `inner_optimizer` must be a lamina/Keras optimizer instance "
                            f"(e.g. keras.optimizers.Adam()), but received {inner_optimizer!r}.")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None
        self._step_counter = 0
        self._dynamic_scale = float(initial_scale)

    @property
    def dynamic_scale(self):
        """The current loss scale (a float with `.numpy()` / `.assign()`, like Keras's variable)."""
        return StateValue(self._dynamic_scale, self._set_scale, np.float32)

    @dynamic_scale.setter
    def dynamic_scale(self, value):
        self._set_scale(value)

    def _set_scale(self, value):
        self._dynamic_scale = float(value)

    @property
    def step_counter(self):
        """Finite steps since the scale last changed (`.numpy()` / `.assign()` like Keras's variable)."""
        return StateValue(self._step_counter, self._set_counter, np.int32)

    @step_counter.setter
    def step_counter(self, value):
        self._set_counter(value)

    def _set_counter(self, value):
        self._step_counter = int(value)

    # -------------------------------------------------------------- delegation
    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @iterations.setter
    def iterations(self, value):
        self.inner_optimizer.iterations = value

    @property
    def torch_optimizer(self):
        return self.inner_optimizer.torch_optimizer

    @property
    def param_groups(self):
        return self.inner_optimizer.param_groups

    def build(self, var_list):
        """Builds the inner optimizer on `var_list` (parameters or `(name, parameter)` pairs)."""
        if self.built:
            return
        self.inner_optimizer.build(var_list)
        self._params = self.inner_optimizer._params
        self._index = self.inner_optimizer._index
        self.built = True

    def zero_grad(self, set_to_none=True):
        self.inner_optimizer.zero_grad(set_to_none=set_to_none)

    def finalize_variable_values(self, var_list=None):
        self.inner_optimizer.finalize_variable_values(var_list)

    def scale_loss(self, loss):
        """Multiplies `loss` by the current scale; call before `backward()`."""
        return loss * self._dynamic_scale

    # ------------------------------------------------------------------ update
    def _update_scale(self, finite):
        if not finite:
            self._step_counter = 0
            self._dynamic_scale *= 0.5
        elif self._step_counter == self.dynamic_growth_steps - 1:
            self._step_counter = 0
            self._dynamic_scale *= 2.0
        else:
            self._step_counter += 1

    def step(self, closure=None):
        """Unscales each parameter's `.grad`, steps the inner optimizer if all are finite, updates the scale."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        self._require_built("step")
        grads = [p.grad for p in self._params if p.grad is not None and p.requires_grad]
        finite = unscale_and_check_(grads, self._dynamic_scale) if grads else True
        if finite:
            self.inner_optimizer.step()
        self._update_scale(finite)
        return loss

    def apply(self, grads=None, trainable_variables=None):
        """Keras `apply`: unscales `grads`, applies them with the inner optimizer unless one is inf/nan."""
        if grads is None:
            self.step()
            return
        grads = list(grads)
        if not self.built:
            if trainable_variables is None:
                self._require_built("apply")
            self.build(trainable_variables)
        present = [torch.as_tensor(g).detach().clone() for g in grads if g is not None]
        finite = unscale_and_check_(present, self._dynamic_scale) if present else True
        if finite:
            it = iter(present)
            unscaled = [None if g is None else next(it) for g in grads]
            self.inner_optimizer.apply(unscaled, trainable_variables)
        self._update_scale(finite)

    # ------------------------------------------------------------ persistence
    @property
    def variables(self):
        own = [torch.tensor(self._iterations, dtype=torch.int64), torch.tensor(0.0),
               torch.tensor(self._step_counter, dtype=torch.int32), torch.tensor(self._dynamic_scale)]
        return own + self.inner_optimizer.variables

    def _keras_variables(self, model):
        """Keras's `variables`: own iteration, learning rate (0), step counter, scale, then the inner's."""
        from lamina.saving.optimizer_state import keras_optimizer_variables

        own = [np.asarray(self._iterations, dtype=np.int64), np.asarray(0.0, dtype=np.float32),
               np.asarray(self._step_counter, dtype=np.int32), np.asarray(self._dynamic_scale, dtype=np.float32)]
        return own + keras_optimizer_variables(model, self.inner_optimizer)

    def _keras_child_optimizers(self):
        """Where Keras's saving also writes the inner optimizer (`optimizer/inner_optimizer/vars`)."""
        return [("inner_optimizer", self.inner_optimizer)]

    def _load_keras_variables(self, model, arrays, where):
        from lamina.saving.optimizer_state import load_keras_optimizer_variables

        arrays = list(arrays)
        self._iterations = int(np.asarray(arrays[0]))
        self.step_counter = int(np.asarray(arrays[2]))
        self.dynamic_scale = float(np.asarray(arrays[3]))
        return load_keras_optimizer_variables(model, self.inner_optimizer, arrays[4:], where)

    def state_dict(self):
        return {"class_name": type(self).__name__, "iterations": self._iterations,
                "step_counter": self._step_counter, "dynamic_scale": self._dynamic_scale,
                "inner": self.inner_optimizer.state_dict()}

    def load_state_dict(self, state_dict):
        self._require_built("load_state_dict")
        if state_dict.get("class_name") != type(self).__name__:
            raise ValueError(f"Cannot load the state of a {state_dict.get('class_name')} optimizer into a "
                             "LossScaleOptimizer; create the same optimizer class as was saved.")
        self._iterations = int(state_dict["iterations"])
        self.step_counter = int(state_dict["step_counter"])
        self.dynamic_scale = float(state_dict["dynamic_scale"])
        self.inner_optimizer.load_state_dict(state_dict["inner"])

    def get_config(self):
        from lamina.optimizers import serialize

        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.optimizers import deserialize

        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)

    def __repr__(self):
        return f"<LossScaleOptimizer name={self.name} inner={self.inner_optimizer!r} scale={self._dynamic_scale}>"
