"""`MultiOptimizer` and `OptimizerMap`: different optimizers for different weights (Keras 3.15).

`OptimizerMap` maps weight paths (exact strings, else regular expressions matched
with `re.fullmatch`) to optimizers, with a default for the rest. `MultiOptimizer`
splits the weights among its optimizers at `build` and dispatches every update.
"""

import re
from collections.abc import MutableMapping

import numpy as np
import torch

from lamina.optimizers._values import IterationCount
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer
from lamina.optimizers.optimizer import Optimizer

__all__ = ["MultiOptimizer", "OptimizerMap"]


def _path(param, name=None):
    return name or getattr(param, "path", None) or getattr(param, "name", None) or ""


class OptimizerMap(MutableMapping):
    """A mapping from weight paths to optimizers, with a default optimizer.

    Lookup: an exact key first, else every key as a regular expression (`re.fullmatch`);
    more than one matching pattern is an error, none gives `default_optimizer`.

    Args:
        default_optimizer: the optimizer of unmapped weights.
        optimizer_map: optional dict of path or pattern -> optimizer.

    Example:
        >>> m = OptimizerMap(default_optimizer=RMSprop())
        >>> m["encoder/.*"] = SGD()
        >>> m["encoder/dense/kernel"].name
        'SGD'
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(f"OptimizerMap: `default_optimizer` must be a Keras Optimizer instance. "
                            f"Received: {default_optimizer!r}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"OptimizerMap: `optimizer_map` must be a dictionary. Received: {optimizer_map!r}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for key, optimizer in (optimizer_map or {}).items():
            self[key] = optimizer

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}: patterns {matching} all match. "
                             "Make the patterns exclusive.")
        if matching:
            return self._optimizer_map[matching[0]]
        return self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(f"'{key}' already exists in the OptimizerMap with value {self._optimizer_map[key]}. "
                             "Please make sure to not use duplicated keys.")
        if not isinstance(key, str):
            raise ValueError(f"OptimizerMap: key must be a string. Received: {key!r}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"OptimizerMap: optimizer must be a Keras Optimizer instance. Received: {optimizer!r}")
        if isinstance(optimizer, LossScaleOptimizer):
            raise ValueError("OptimizerMap: optimizer cannot be LossScaleOptimizer; wrap the MultiOptimizer's "
                             "sub-optimizers' loss scaling with `loss_scale_factor` instead.")
        if isinstance(optimizer, MultiOptimizer):
            raise ValueError("OptimizerMap: optimizer cannot be MultiOptimizer.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[_path(variable)]

    def get_config(self):
        from lamina.optimizers import serialize

        return {"default_optimizer": serialize(self._default_optimizer),
                "optimizer_map": {k: serialize(v) for k, v in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.optimizers import deserialize

        default = deserialize(config["default_optimizer"], custom_objects=custom_objects)
        mapping = {k: deserialize(v, custom_objects=custom_objects)
                   for k, v in (config.get("optimizer_map") or {}).items()}
        return cls(default, mapping)


class MultiOptimizer(Optimizer):
    """Delegates each weight to one of several optimizers (Keras `MultiOptimizer`).

    Args:
        optimizer_map: an `OptimizerMap`, or a callable returning the optimizer of a
            given weight (called once per weight at `build`).
        loss_scale_factor: overrides the sub-optimizers' `loss_scale_factor`.
        name: the optimizer name. Defaults to "multi_optimizer".

    `learning_rate` is not defined on a `MultiOptimizer` (the sub-optimizers have their
    own; see `.optimizers`). `iterations` counts the MultiOptimizer's own updates.

    Example:
        >>> opt = MultiOptimizer(OptimizerMap(SGD(0.1), {"encoder/.*": Adam(1e-3)}))
        >>> model.compile(optimizer=opt, loss="mse")
    """

    _default_name = "multi_optimizer"

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        self._inner_optimizers = []
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        candidates = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        for opt in candidates + ([default] if default is not None else []):
            if not any(opt is o for o in self._inner_optimizers):
                opt.loss_scale_factor = loss_scale_factor
                self._inner_optimizers.append(opt)
        self._assignment = {}

    @property
    def optimizers(self):
        """The sub-optimizers, in the order their variables are listed."""
        return self._inner_optimizers

    @property
    def learning_rate(self):
        raise AttributeError("Learning rate cannot be accessed on a MultiOptimizer. Access the learning rate "
                             "on the individual sub-optimizers (`optimizer.optimizers`) instead.")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError("Learning rate cannot be set on a MultiOptimizer. Set the learning rate on the "
                             "individual sub-optimizers (`optimizer.optimizers`) instead.")

    @property
    def loss_scale_factor(self):
        return self.__dict__.get("_loss_scale_factor")

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self.__dict__["_loss_scale_factor"] = value
        for opt in self.__dict__.get("_inner_optimizers", []):
            opt.loss_scale_factor = value

    @property
    def iterations(self):
        return IterationCount(self._iterations, self)

    @iterations.setter
    def iterations(self, value):
        self._iterations = int(value)

    def _select(self, param, name):
        if isinstance(self._optimizer_map, OptimizerMap):
            opt = self._optimizer_map[_path(param, name)]
        else:
            opt = self._optimizer_map(param)
        if not isinstance(opt, Optimizer):
            raise ValueError(f"MultiOptimizer: the optimizer for variable {_path(param, name)!r} is not an "
                             f"Optimizer instance (received {opt!r}).")
        if isinstance(opt, LossScaleOptimizer):
            raise ValueError("LossScaleOptimizer cannot be used inside an MultiOptimizer.")
        if isinstance(opt, MultiOptimizer):
            raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer.")
        return opt

    def build(self, var_list):
        """Assigns every parameter to its optimizer and builds each one on its share.

        Args:
            var_list: parameters or `(name, parameter)` pairs (names are the paths matched).
        """
        if self.built:
            return
        items = list(var_list.items()) if isinstance(var_list, dict) else list(var_list)
        shares = [[] for _ in self._inner_optimizers]
        params = []
        for item in items:
            name, p = item if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) else (None, item)
            opt = self._select(p, name)
            position = next((i for i, o in enumerate(self._inner_optimizers) if o is opt), None)
            if position is None:
                opt.loss_scale_factor = self.loss_scale_factor
                self._inner_optimizers.append(opt)
                shares.append([])
                position = len(self._inner_optimizers) - 1
            shares[position].append(item)
            self._assignment[id(p)] = position
            params.append(p)
        for opt, share in zip(self._inner_optimizers, shares):
            if share:
                opt.build(share)
        self._params = params
        self._index = {id(p): i for i, p in enumerate(params)}
        self.built = True

    def zero_grad(self, set_to_none=True):
        for opt in self._inner_optimizers:
            opt.zero_grad(set_to_none=set_to_none)

    @property
    def torch_optimizer(self):
        return None

    @property
    def param_groups(self):
        return [group for opt in self._inner_optimizers for group in opt.param_groups]

    def step(self, closure=None):
        """Steps every sub-optimizer that has a gradient for one of its parameters."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        self._require_built("step")
        stepped = False
        for opt in self._inner_optimizers:
            if opt.built and any(p.grad is not None and p.requires_grad for p in opt._params):
                opt.step()
                stepped = True
        if not stepped:
            raise ValueError("No gradients provided for any variable: every parameter's `.grad` is None. Call "
                             "`loss.backward()` before `step()`.")
        self._iterations += 1
        return loss

    def apply(self, grads=None, trainable_variables=None):
        """Dispatches `grads` (one per variable) to the sub-optimizers."""
        if grads is None:
            self.step()
            return
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            self._require_built("apply")
            trainable_variables = self._params
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(self._params):
            raise ValueError(f"Gradients must match trainable variables one-to-one. Received {len(grads)} "
                             f"gradients and {len(self._params)} variables.")
        split = [([], []) for _ in self._inner_optimizers]
        for g, v in zip(grads, trainable_variables):
            if id(v) not in self._assignment:
                raise ValueError("Unknown variable: this MultiOptimizer can only be called for the variables it "
                                 "was built with.")
            split[self._assignment[id(v)]][0].append(g)
            split[self._assignment[id(v)]][1].append(v)
        for opt, (sub_grads, sub_vars) in zip(self._inner_optimizers, split):
            if sub_vars and any(g is not None for g in sub_grads):
                opt.apply(sub_grads, sub_vars)
        self._iterations += 1

    def finalize_variable_values(self, var_list=None):
        for opt in self._inner_optimizers:
            opt.finalize_variable_values(var_list)

    # ------------------------------------------------------------ persistence
    @property
    def variables(self):
        own = [torch.tensor(self._iterations, dtype=torch.int64), torch.tensor(0.0)]
        inner = []
        for opt in self._inner_optimizers:
            inner.extend(opt.variables if opt.built else [torch.tensor(0, dtype=torch.int64), torch.tensor(0.0)])
        return own + inner

    def _keras_variables(self, model):
        """Keras's `variables`: own iteration and learning rate (0), then each sub-optimizer's."""
        from lamina.saving.optimizer_state import keras_optimizer_variables

        out = [np.asarray(self._iterations, dtype=np.int64), np.asarray(0.0, dtype=np.float32)]
        for opt in self._inner_optimizers:
            if opt.built and opt._params:
                out.extend(keras_optimizer_variables(model, opt))
            else:  # an unused sub-optimizer still has its iteration and learning rate
                out.append(np.asarray(opt._iterations, dtype=np.int64))
                if isinstance(opt._learning_rate, float):
                    out.append(np.asarray(opt._learning_rate, dtype=np.float32))
        return out

    def _keras_child_optimizers(self):
        """Keras's saving also writes each sub-optimizer under `optimizers/<snake class name>[_<n>]`."""
        used, out = {}, []
        for opt in self._inner_optimizers:
            base = re.sub("([a-z])([A-Z])", r"\1_\2", re.sub("(.)([A-Z][a-z]+)", r"\1_\2", type(opt).__name__)).lower()
            if base in used:
                used[base] += 1
                name = f"{base}_{used[base]}"
            else:
                used[base] = 0
                name = base
            out.append((f"optimizers/{name}", opt))
        return out

    def _load_keras_variables(self, model, arrays, where):
        from lamina.saving.optimizer_state import keras_optimizer_variables, load_keras_optimizer_variables

        arrays = list(arrays)
        self._iterations = int(np.asarray(arrays[0]))
        position = 2
        for opt in self._inner_optimizers:
            if opt.built and opt._params:
                count = len(keras_optimizer_variables(model, opt))
                load_keras_optimizer_variables(model, opt, arrays[position:position + count], where)
            else:
                count = 1 + isinstance(opt._learning_rate, float)
                opt._iterations = int(np.asarray(arrays[position]))
            position += count
        return True

    def state_dict(self):
        return {"class_name": type(self).__name__, "iterations": self._iterations,
                "optimizers": [opt.state_dict() if opt.built else None for opt in self._inner_optimizers]}

    def load_state_dict(self, state_dict):
        self._require_built("load_state_dict")
        if state_dict.get("class_name") != type(self).__name__:
            raise ValueError(f"Cannot load the state of a {state_dict.get('class_name')} optimizer into a "
                             "MultiOptimizer; create the same optimizer class as was saved.")
        states = state_dict.get("optimizers") or []
        if len(states) != len(self._inner_optimizers):
            raise ValueError(f"Saved MultiOptimizer state has {len(states)} sub-optimizers, this one has "
                             f"{len(self._inner_optimizers)}.")
        self._iterations = int(state_dict["iterations"])
        for opt, state in zip(self._inner_optimizers, states):
            if state is not None and opt.built:
                opt.load_state_dict(state)

    def get_config(self):
        from lamina.utils.serialization import serialize_public_object

        optimizer_map = self._optimizer_map
        if isinstance(optimizer_map, OptimizerMap):
            optimizer_map = serialize_public_object(optimizer_map, "keras.optimizers")
        else:
            from lamina.losses._serialization import serialize_object

            optimizer_map = serialize_object(optimizer_map, "keras.optimizers")
        return {"optimizer_map": optimizer_map, "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        spec = config["optimizer_map"]
        if isinstance(spec, dict) and spec.get("class_name") == "OptimizerMap":
            config["optimizer_map"] = OptimizerMap.from_config(spec.get("config") or {}, custom_objects)
        else:
            from lamina.losses._serialization import deserialize_object

            config["optimizer_map"] = deserialize_object(spec, {}, custom_objects, kind="optimizer map")
        return cls(**config)

    def __repr__(self):
        return f"<MultiOptimizer name={self.name} optimizers={self._inner_optimizers!r}>"
