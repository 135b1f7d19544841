"""The `Metric` base class: named, sum-reducible state tensors that follow the data."""

import torch

from lamina.backend import naming
from lamina.losses._tensor_utils import as_tensor, dtype_name, resolve_dtype

__all__ = ["Metric", "auto_name", "reset_name_counters"]


def _to_snake_case(name):
    return naming.to_snake_case(name)


def auto_name(class_name):
    """Keras's default metric name: snake_case class name, uniquified (`auc`, `auc_1`)."""
    return naming.unique_name(naming.to_snake_case(class_name), family="metrics")


def reset_name_counters():
    """Forgets the automatic-name counters (what Keras `clear_session()` does)."""
    naming.reset_names("metrics")


class Metric:
    """Encapsulates metric logic and state.

    State lives in torch tensors created with `add_variable`. They start on the
    default device and move, once, to the device of the first data passed to
    `update_state` (or wherever `to()` sends them), keeping their identity, so a
    reference taken from `variables` stays valid. Every built-in state is a sum
    over batches, so a data-parallel trainer can all-reduce `variables` with a sum
    before calling `result()`. `update_state` never synchronizes with the device;
    `result()` returns a 0-d tensor that the caller converts when it needs a number.

    Args:
        name: name of the metric; defaults to the snake_case class name, numbered
            when reused (`auc`, `auc_1`).
        dtype: dtype of the state and result; defaults to torch's default float
            dtype (float32, as Keras `floatx()`).

    Example:
        >>> class Total(Metric):
        ...     def __init__(self, name="total"):
        ...         super().__init__(name=name)
        ...         self.total = self.add_variable((), name="total")
        ...     def update_state(self, values):
        ...         values = self._prepare(values)
        ...         self.total.add_(values.sum())
        ...     def result(self):
        ...         return self.total.clone()
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or auto_name(type(self).__name__)
        self._dtype = resolve_dtype(dtype) or torch.get_default_dtype()
        self._variables = []
        self._variable_names = []
        self._metrics = []
        self._device = None

    @property
    def dtype(self):
        """The state dtype as a string, e.g. `"float32"`."""
        return dtype_name(self._dtype)

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None):
        """Creates a state tensor, tracked in `variables` and zeroed by `reset_state`.

        Args:
            shape: the tensor shape.
            initializer: `"zeros"` (the only kind sum-reducible state needs) or a
                number to fill with.
            dtype: defaults to the metric dtype.
            aggregation: how replicas combine it; built-in metrics use `"sum"`.
            name: a name for the state, listed in `variable_names`.

        Returns:
            The new tensor.
        """
        if aggregation not in ("sum", "mean", "only_first_replica", "none", None):
            raise ValueError(
                "Invalid value for argument `aggregation` of add_variable: expected one "
                f"of 'sum', 'mean', 'only_first_replica', 'none', but received {aggregation!r}."
            )
        dtype = resolve_dtype(dtype) or self._dtype
        device = self._device
        fill = 0.0 if initializer in ("zeros", None) else float(initializer)
        value = torch.full(tuple(shape), fill, dtype=dtype, device=device)
        self._variables.append(value)
        self._variable_names.append(name or f"variable_{len(self._variables) - 1}")
        return value

    add_weight = add_variable  # Keras backwards-compatible alias.

    @property
    def variables(self):
        """The state tensors (this metric's, then those of nested metrics)."""
        out = list(self._variables)
        for m in self._metrics:
            out.extend(m.variables)
        return out

    @property
    def variable_names(self):
        """Names of `variables`, in the same order."""
        out = list(self._variable_names)
        for m in self._metrics:
            out.extend(m.variable_names)
        return out

    def to(self, device):
        """Moves the state to `device` in place (tensor identities are kept)."""
        device = torch.device(device)
        for v in self._variables:
            if v.device != device:
                # swap_tensors keeps the Python object (so references held by
                # attributes, `variables` lists or a trainer stay valid) across
                # any pair of devices; `.data =` only works between compatible ones.
                if hasattr(torch.utils, "swap_tensors"):
                    torch.utils.swap_tensors(v, v.to(device))
                else:
                    v.data = v.data.to(device)
        self._device = device
        for m in self._metrics:
            m.to(device)
        return self

    def _prepare(self, *tensors):
        """Converts inputs to tensors on the state's device, moving the state to
        the data's device on first use. Returns one tensor or a tuple."""
        device = None
        for t in tensors:
            # Predictions live on the accelerator while labels may still be on the
            # host: an accelerator device wins.
            if isinstance(t, torch.Tensor) and (device is None or device.type == "cpu"):
                device = t.device
        if device is not None and device != self._device:
            self.to(device)
        out = tuple(None if t is None else as_tensor(t, device=self._device) for t in tensors)
        return out[0] if len(out) == 1 else out

    def reset_state(self):
        """Resets every state tensor to zero, in place."""
        for v in self.variables:
            v.zero_()

    def update_state(self, *args, **kwargs):
        """Accumulates statistics; implemented by subclasses."""
        raise NotImplementedError(f"{type(self).__name__} must implement `update_state`.")

    def result(self):
        """Computes the metric value from the state; implemented by subclasses."""
        raise NotImplementedError(f"{type(self).__name__} must implement `result`.")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        """Returns the constructor arguments as a JSON-friendly dict."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """Creates a metric from the output of `get_config`."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
