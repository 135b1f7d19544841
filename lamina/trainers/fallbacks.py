"""Minimal stand-ins used by `resolve` while `lamina.losses/metrics/optimizers` lack a `get()`.

Kept apart on purpose: once those packages export `get`, nothing here is used
(see `lamina.trainers.resolve`). Metrics accumulate on the device (no `.item()`
per step); optimizers are torch's fused/foreach implementations with Keras's
default hyper-parameters.
"""

import torch

__all__ = ["loss_by_name", "wrap_loss_function", "FunctionMean", "metric_by_name",
           "optimizer_by_name", "TorchOptimizer"]

_LOSS_CLASSES = {
    "binary_crossentropy": ("probabilistic", "BinaryCrossentropy"),
    "categorical_crossentropy": ("probabilistic", "CategoricalCrossentropy"),
    "sparse_categorical_crossentropy": ("probabilistic", "SparseCategoricalCrossentropy"),
    "mean_squared_error": ("regression", "MeanSquaredError"),
    "mse": ("regression", "MeanSquaredError"),
    "mean_absolute_error": ("regression", "MeanAbsoluteError"),
    "mae": ("regression", "MeanAbsoluteError"),
    "huber": ("regression", "Huber"),
}


def loss_by_name(name):
    """A Loss instance from lamina.losses' modules by its Keras name."""
    import importlib

    key = name.lower() if isinstance(name, str) else name
    if key not in _LOSS_CLASSES:
        raise ValueError(f"Unknown loss {name!r}. Known losses: {sorted(_LOSS_CLASSES)}.")
    module, cls = _LOSS_CLASSES[key]
    return getattr(importlib.import_module(f"lamina.losses.{module}"), cls)()


def wrap_loss_function(fn):
    """`fn(y_true, y_pred)` -> per-sample values becomes a Keras-reduced loss."""
    from lamina.losses.loss import LossFunctionWrapper

    return LossFunctionWrapper(fn, name=getattr(fn, "__name__", "loss"))


class FunctionMean:
    """Weighted mean of `fn(y_true, y_pred)` over all samples seen, kept on the device.

    Args:
        fn: per-sample metric function.
        name: the metric's name in the logs.

    Example:
        >>> m = FunctionMean(lambda t, p: (t == p).float(), "acc")
        >>> m.update_state(torch.ones(4), torch.ones(4)); float(m.result())
        1.0
    """

    def __init__(self, fn, name):
        self.fn = fn
        self.name = name
        self.reset_state()

    def reset_state(self):
        self._total = 0.0
        self._count = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        with torch.no_grad():
            values = self.fn(y_true, y_pred).to(torch.float32)
            if sample_weight is None:
                self._total = self._total + values.sum()
                self._count = self._count + values.numel()
            else:
                weight = torch.as_tensor(sample_weight, dtype=values.dtype, device=values.device)
                while weight.dim() < values.dim():
                    weight = weight.unsqueeze(-1)
                weight = torch.broadcast_to(weight, values.shape)
                self._total = self._total + (values * weight).sum()
                self._count = self._count + weight.sum()

    def result(self):
        if isinstance(self._count, float) and self._count == 0:
            return torch.tensor(0.0)
        return torch.as_tensor(self._total / self._count)


def _binary_accuracy(y_true, y_pred, threshold=0.5):
    y_pred = y_pred.reshape(y_true.shape) if y_pred.numel() == y_true.numel() else y_pred
    return (y_true.to(y_pred.dtype) == (y_pred > threshold).to(y_pred.dtype)).float()


def _categorical_accuracy(y_true, y_pred):
    return (y_true.argmax(-1) == y_pred.argmax(-1)).float()


def _sparse_categorical_accuracy(y_true, y_pred):
    if y_true.dim() == y_pred.dim():
        y_true = y_true.squeeze(-1)
    return (y_true.long() == y_pred.argmax(-1)).float()


_METRICS = {
    "binary_accuracy": _binary_accuracy,
    "categorical_accuracy": _categorical_accuracy,
    "sparse_categorical_accuracy": _sparse_categorical_accuracy,
    "mae": lambda t, p: (p - t.to(p.dtype)).abs().mean(-1),
    "mean_absolute_error": lambda t, p: (p - t.to(p.dtype)).abs().mean(-1),
    "mse": lambda t, p: (p - t.to(p.dtype)).square().mean(-1),
    "mean_squared_error": lambda t, p: (p - t.to(p.dtype)).square().mean(-1),
}


def metric_by_name(kind, display_name):
    if kind not in _METRICS:
        raise ValueError(f"Unknown metric {kind!r}. Known metrics: {sorted(_METRICS) + ['accuracy']}.")
    return FunctionMean(_METRICS[kind], display_name)


class TorchOptimizer:
    """A torch.optim optimizer behind the Keras optimizer interface the trainer uses.

    Args:
        factory: `params -> torch.optim.Optimizer`, or an optimizer already built.
        learning_rate: initial learning rate (for a factory).
        name: Keras name (`adam`, ...).

    Example:
        >>> opt = optimizer_by_name("adam"); opt.build(model.parameters())
    """

    def __init__(self, factory, learning_rate=None, name=None):
        self.name = name or (type(factory).__name__.lower() if isinstance(factory, torch.optim.Optimizer) else "optimizer")
        self._factory = None if isinstance(factory, torch.optim.Optimizer) else factory
        self.torch_optimizer = factory if isinstance(factory, torch.optim.Optimizer) else None
        self._initial_lr = learning_rate
        self.iterations = 0

    @property
    def built(self):
        return self.torch_optimizer is not None

    def build(self, params):
        if self.torch_optimizer is None:
            self.torch_optimizer = self._factory(list(params))

    @property
    def learning_rate(self):
        if self.torch_optimizer is None:
            return self._initial_lr
        return self.torch_optimizer.param_groups[0]["lr"]

    @learning_rate.setter
    def learning_rate(self, value):
        if self.torch_optimizer is None:
            self._initial_lr = float(value)
            return
        for group in self.torch_optimizer.param_groups:
            group["lr"] = float(value)

    def step(self):
        self.torch_optimizer.step()
        self.iterations += 1

    def zero_grad(self, set_to_none=True):
        self.torch_optimizer.zero_grad(set_to_none=set_to_none)

    def state_dict(self):
        return {"torch": self.torch_optimizer.state_dict(), "iterations": self.iterations}

    def load_state_dict(self, state):
        self.torch_optimizer.load_state_dict(state["torch"])
        self.iterations = state["iterations"]

    def get_config(self):
        return {"name": self.name, "learning_rate": self.learning_rate}


def _fast_flags():
    # Fused kernels are the fastest on CPU and CUDA for small models (DESIGN_NOTES section 4).
    return {"fused": True}


def optimizer_by_name(identifier):
    """Keras defaults: Adam/AdamW lr 1e-3 eps 1e-7, RMSprop lr 1e-3 rho 0.9, SGD lr 0.01."""
    config = {}
    if isinstance(identifier, dict):
        config = dict(identifier.get("config", {}))
        identifier = identifier.get("class_name", "adam")
    name = identifier.lower()
    lr = float(config.get("learning_rate", 0.01 if name == "sgd" else 0.001))
    builders = {
        "adam": lambda p: torch.optim.Adam(p, lr=lr, betas=(config.get("beta_1", 0.9), config.get("beta_2", 0.999)),
                                           eps=config.get("epsilon", 1e-7), **_fast_flags()),
        "adamw": lambda p: torch.optim.AdamW(p, lr=lr, weight_decay=config.get("weight_decay", 0.004),
                                             eps=config.get("epsilon", 1e-7), **_fast_flags()),
        "rmsprop": lambda p: torch.optim.RMSprop(p, lr=lr, alpha=config.get("rho", 0.9),
                                                 eps=config.get("epsilon", 1e-7), foreach=True),
        "sgd": lambda p: torch.optim.SGD(p, lr=lr, momentum=config.get("momentum", 0.0), **_fast_flags()),
    }
    if name not in builders:
        raise ValueError(f"Unknown optimizer {identifier!r}. Known optimizers: {sorted(builders)}.")
    return TorchOptimizer(builders[name], learning_rate=lr, name=name)
