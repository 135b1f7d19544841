"""Adapters that let objects from outside lamina serve as compile() arguments.

`lamina.losses`, `lamina.metrics` and `lamina.optimizers` resolve every name;
what remains here wraps the foreign cases: a plain loss function without a
`sample_weight` argument, a plain metric function, and a `torch.optim`
optimizer built by the user. Metrics accumulate on the device (no `.item()`
per step).
"""

import torch

__all__ = ["wrap_loss_function", "FunctionMean", "TorchOptimizer"]


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


class TorchOptimizer:
    """A torch.optim optimizer behind the Keras optimizer interface the trainer uses.

    Args:
        factory: `params -> torch.optim.Optimizer`, or an optimizer already built.
        learning_rate: initial learning rate (for a factory).
        name: Keras name (`adam`, ...).

    Example:
        >>> opt = TorchOptimizer(torch.optim.SGD(model.parameters(), lr=0.1))
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
