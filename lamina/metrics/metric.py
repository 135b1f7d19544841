"""The `Metric` base class: named, sum-reducible state tensors that follow the data."""

import functools

import torch

from lamina.backend import naming
from lamina.losses._tensor_utils import as_tensor, dtype_name, resolve_dtype
from lamina.metrics.variable import MetricVariable

__all__ = ["Metric", "auto_name", "reset_name_counters"]


def _to_snake_case(name):
    return naming.to_snake_case(name)


def auto_name(class_name):
    """Keras's default metric name: snake_case class name, uniquified (`auc`, `auc_1`)."""
    return naming.unique_name(naming.to_snake_case(class_name), family="metrics")


def reset_name_counters():
    """Forgets the automatic-name counters (what Keras `clear_session()` does)."""
    naming.reset_names("metrics")


# Integer state dtypes (Keras's IoU metrics count in "int32" by default).
_INT_DTYPES = {
    "int": torch.int32, "int8": torch.int8, "int16": torch.int16, "int32": torch.int32,
    "int64": torch.int64, "uint8": torch.uint8, "bool": torch.bool,
}


def resolve_metric_dtype(dtype):
    """`resolve_dtype` plus the integer dtypes a metric's state may use (`"int32"`)."""
    if isinstance(dtype, str) and dtype in _INT_DTYPES:
        return _INT_DTYPES[dtype]
    if isinstance(dtype, dict):
        name = dtype.get("config", {}).get("name", dtype.get("name"))
        if name in _INT_DTYPES:
            return _INT_DTYPES[name]
    return resolve_dtype(dtype)


def _detach_variable_result(result):
    # `result()` may return the state variable itself (the keras.io pattern
    # `return self.true_positives`); hand out a snapshot, so a logged value does
    # not change when the state is reset or updated in place afterwards.
    @functools.wraps(result)
    def wrapper(self):
        out = result(self)
        if isinstance(out, MetricVariable):
            return out.detach().clone()
        return out

    wrapper._lamina_snapshot = True
    return wrapper


class Metric:
    """Encapsulates metric logic and state.

    State lives in `MetricVariable`s (non-trainable torch tensors with Keras's
    `assign`, `assign_add`, `assign_sub`, `numpy()`) created with `add_variable`. They start on the
    default device and move, once, to the device of the first data passed to
    `update_state` (or wherever `to()` sends them), keeping their identity, so a
    reference taken from `variables` stays valid. Every built-in state is a sum
    over batches, so a data-parallel trainer can all-reduce `variables` with a sum
    before calling `result()`. `update_state` never synchronizes with the device;
    `result()` returns a 0-d tensor that the caller converts when it needs a number.

    Args:
        dtype: dtype of the state and result; defaults to torch's default float
            dtype (float32, as Keras `floatx()`).
        name: name of the metric; defaults to the snake_case class name, numbered
            when reused (`auc`, `auc_1`).

    The positional order is Keras's: `Metric(dtype=None, name=None)`.

    Example:
        >>> class Total(Metric):
        ...     def __init__(self, name="total", **kwargs):
        ...         super().__init__(name=name, **kwargs)
        ...         self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        ...     def update_state(self, values):
        ...         self.total.assign(self.total + torch.as_tensor(values).sum())
        ...     def result(self):
        ...         return self.total
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        result = cls.__dict__.get("result")
        if result is not None and callable(result) and not getattr(result, "_lamina_snapshot", False):
            cls.result = _detach_variable_result(result)

    def __init__(self, dtype=None, name=None):
        self._variables = []
        self._variable_names = []
        self._metrics = []
        self._device = None
        self.name = name or auto_name(type(self).__name__)
        self._dtype = resolve_metric_dtype(dtype) or torch.get_default_dtype()

    def __setattr__(self, key, value):
        # As Keras's tracker does: a metric kept as an attribute is nested, so its
        # variables join `variables` and follow `reset_state` and `to()`.
        if isinstance(value, Metric) and value is not self:
            nested = self.__dict__.get("_metrics")
            if nested is not None and all(m is not value for m in nested):
                nested.append(value)
        object.__setattr__(self, key, value)

    @property
    def name(self):
        """The metric's name (its log key in `fit`); variable paths follow it."""
        return self.__dict__.get("_name")

    @name.setter
    def name(self, value):
        self.__dict__["_name"] = value
        for v in self.__dict__.get("_variables", ()):
            v._owner_path = value

    @property
    def dtype(self):
        """The state dtype as a string, e.g. `"float32"`."""
        return dtype_name(self._dtype)

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """Creates a state variable, tracked in `variables` and zeroed by `reset_state`.

        Args:
            shape: the tensor shape.
            initializer: `"zeros"` (what sum-reducible state needs), a number to
                fill with, or any initializer `keras.initializers.get` accepts
                (required, as in Keras).
            dtype: defaults to the metric dtype.
            aggregation: how replicas combine it; built-in metrics use `"sum"`.
            name: a name for the state, listed in `variable_names`; the
                variable's `path` is `"<metric name>/<name>"`.

        Returns:
            A `MetricVariable`: a non-trainable tensor with `assign`,
            `assign_add`, `assign_sub` and `numpy()`.
        """
        if aggregation not in ("sum", "mean", "only_first_replica", "none", None):
            raise ValueError(
                "Invalid value for argument `aggregation` of add_variable: expected one "
                f"of 'sum', 'mean', 'only_first_replica', 'none', but received {aggregation!r}."
            )
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}.add_variable was called before `Metric.__init__`: call "
                "`super().__init__(name=name, **kwargs)` first in your metric's `__init__`."
            )
        dtype = resolve_metric_dtype(dtype) or self._dtype
        shape = () if shape is None else tuple(shape)
        value = _initial_value(initializer, shape, dtype, self._device)
        name = name or f"variable_{len(self._variables)}"
        variable = MetricVariable(value, False)
        variable._keras_name = name
        variable._owner_path = self.name
        self._variables.append(variable)
        self._variable_names.append(name)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Keras's older name for `add_variable` (zeros when no initializer is given)."""
        return self.add_variable(shape, "zeros" if initializer is None else initializer, dtype=dtype,
                                 name=name)

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
                    moved = MetricVariable(v.detach().to(device), False)
                    moved.__dict__.update(v.__dict__)
                    torch.utils.swap_tensors(v, moved)
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


def _initial_value(initializer, shape, dtype, device):
    """The starting tensor of a metric variable (zeros unless told otherwise)."""
    from lamina import initializers

    if initializer is None or (isinstance(initializer, str) and initializer.lower() == "zeros"):
        return torch.zeros(shape, dtype=dtype, device=device)
    if isinstance(initializer, (int, float)) and not isinstance(initializer, bool):
        return torch.full(shape, float(initializer), dtype=dtype, device=device)
    if isinstance(initializer, initializers.Zeros):
        return torch.zeros(shape, dtype=dtype, device=device)
    init = initializers.get(initializer)
    float_dtype = dtype if dtype.is_floating_point else torch.get_default_dtype()
    with torch.no_grad():
        value = init(shape, dtype=float_dtype)
    return torch.as_tensor(value).to(device=device, dtype=dtype)
