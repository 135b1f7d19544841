"""Keras operations with arguments (`ops.any(x, axis=-1)`, `ops.cast(x, "int32")`) read from files.

Keras 3 writes `keras.ops` calls on symbolic tensors as graph nodes whose config holds the
op's arguments: `{"class_name": "Any", "config": {"axis": -1, "keepdims": false}}`. Some
come from Keras itself (the `Masking` layer's mask is `Any(NotEqual(x, 0), axis=-1)`), others
from user code. Each op here is replayed with the torch function of the same meaning (NumPy
semantics, as Keras defines them) and written back with the config it was read with, so a
Keras file survives a lamina load/save unchanged.
"""

import torch

from lamina.layers.core.torch_op import TorchOp
from lamina.saving.errors import LoadError

__all__ = ["CONFIGURED_OPS", "KerasConfiguredOp"]


def _dims(axis, x):
    """Keras's `axis` (None = all, int, or a list) as torch's `dim`."""
    if axis is None:
        return tuple(range(x.dim()))
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _dim_tuple(axis, x):
    dims = _dims(axis, x)
    return dims if isinstance(dims, tuple) else (dims,)


def _as_float(x):
    return x if x.is_floating_point() or x.is_complex() else x.to(torch.float32)


def _reduction(fn, floats=False):
    def build(axis=None, keepdims=False, initial=None):
        if initial is not None:
            raise ValueError("'initial' is not supported")

        def run(x):
            x = _as_float(x) if floats else x
            return fn(x, dim=_dims(axis, x), keepdim=bool(keepdims))
        return run
    return build


def _variance(correction_fn):
    def build(axis=None, keepdims=False):
        return lambda x: correction_fn(_as_float(x), dim=_dims(axis, x), keepdim=bool(keepdims), correction=0)
    return build


def _squeeze(axis=None):
    return lambda x: x.squeeze() if axis is None else x.squeeze(_dim_tuple(axis, x))


def _expand_dims(axis):
    def run(x):
        out = x
        for a in sorted(a % (x.dim() + len(axis)) for a in axis) if isinstance(axis, (list, tuple)) else [axis]:
            out = out.unsqueeze(a)
        return out
    return run


def _transpose(axes=None):
    return lambda x: x.permute(*reversed(range(x.dim()))) if axes is None else x.permute(*axes)


def _cast(dtype):
    from lamina.backend.dtypes import standardize_dtype

    torch_dtype = standardize_dtype(dtype)
    return lambda x: x.to(torch_dtype)


def _like(fill):
    def build(dtype=None):
        from lamina.backend.dtypes import standardize_dtype

        torch_dtype = None if dtype is None else standardize_dtype(dtype)
        return lambda x: fill(x, dtype=torch_dtype)
    return build


def _convert_to_tensor(dtype=None, sparse=None, ragged=None):
    # Keras writes this around masks (Bidirectional's); sparse/ragged have no torch meaning here.
    if sparse or ragged:
        raise ValueError(f"ConvertToTensor with sparse={sparse!r}, ragged={ragged!r} has no torch equivalent")
    return (lambda x: x) if dtype is None else _cast(dtype)


def _plain(fn):
    return lambda: fn


def _with_axis(fn, default=0):
    def build(axis=default):
        return lambda *args: fn(*args, dim=axis)
    return build


# class name -> builder taking the op's config (without "name") and returning the function to replay.
CONFIGURED_OPS = {
    "Any": _reduction(torch.any), "All": _reduction(torch.all),
    "Sum": _reduction(torch.sum), "Mean": _reduction(torch.mean, floats=True),
    "Max": _reduction(torch.amax), "Min": _reduction(torch.amin),
    "Var": _variance(torch.var), "Std": _variance(torch.std),
    "Argmax": lambda axis=None, keepdims=False: lambda x: torch.argmax(x, dim=axis, keepdim=bool(keepdims)),
    "Argmin": lambda axis=None, keepdims=False: lambda x: torch.argmin(x, dim=axis, keepdim=bool(keepdims)),
    "Squeeze": _squeeze, "ExpandDims": _expand_dims, "Transpose": _transpose,
    "Reshape": lambda newshape: lambda x: x.reshape(*((newshape,) if isinstance(newshape, int) else newshape)),
    "Cast": _cast, "ConvertToTensor": _convert_to_tensor,
    "ZerosLike": _like(torch.zeros_like), "OnesLike": _like(torch.ones_like),
    "Clip": lambda x_min, x_max: lambda x: torch.clamp(x, x_min, x_max),
    "Round": lambda decimals=0: lambda x: torch.round(x, decimals=int(decimals)),
    "Flip": lambda axis=None: lambda x: torch.flip(x, _dim_tuple(axis, x)),
    "Concatenate": lambda axis=0: lambda xs: torch.cat(list(xs), dim=axis),
    "Stack": lambda axis=0: lambda xs: torch.stack(list(xs), dim=axis),
    "Einsum": lambda subscripts: lambda *operands: torch.einsum(subscripts, *operands),
    "Softmax": _with_axis(torch.softmax, -1), "LogSoftmax": _with_axis(torch.log_softmax, -1),
    "Gelu": lambda approximate=True: lambda x: torch.nn.functional.gelu(x, approximate="tanh" if approximate
                                                                        else "none"),
    "Elu": lambda alpha=1.0: lambda x: torch.nn.functional.elu(x, alpha=alpha),
    "LeakyRelu": lambda negative_slope=0.2: lambda x: torch.nn.functional.leaky_relu(x, negative_slope),
    **{name: _plain(fn) for name, fn in {
        "Abs": torch.abs, "Absolute": torch.abs, "Exp": torch.exp, "Expm1": torch.expm1, "Log": torch.log,
        "Log1p": torch.log1p, "Sqrt": torch.sqrt, "Square": torch.square, "Sign": torch.sign,
        "Floor": torch.floor, "Ceil": torch.ceil, "Sin": torch.sin, "Cos": torch.cos, "Tanh": torch.tanh,
        "Maximum": torch.maximum, "Minimum": torch.minimum, "LogicalAnd": torch.logical_and,
        "LogicalOr": torch.logical_or, "LogicalNot": torch.logical_not, "Where": torch.where,
        "Relu": torch.relu, "Relu6": torch.nn.functional.relu6, "Sigmoid": torch.sigmoid,
        "Silu": torch.nn.functional.silu, "Softplus": torch.nn.functional.softplus,
        "Selu": torch.nn.functional.selu,
    }.items()},
}


class KerasConfiguredOp(TorchOp):
    """A Keras operation node read from a file, replayed in torch (see the module docstring).

    Args:
        module: the Keras module the file names (`keras.src.ops.numpy`, ...).
        class_name: the Keras op class (`Any`, `Cast`, ...), a key of `CONFIGURED_OPS`.
        config: the op's config as stored, including its `name`.
    """

    def __init__(self, module, class_name, config, name=None, **kwargs):
        arguments = {k: v for k, v in config.items() if k != "name"}
        try:
            func = CONFIGURED_OPS[class_name](**arguments)
        except (TypeError, ValueError, KeyError) as error:
            raise LoadError(f"The Keras operation {class_name} (node '{name}') has arguments {arguments} that "
                            f"lamina cannot replay: {error}.") from error
        super().__init__(func, name=name, **kwargs)
        self.op_name = class_name
        self.keras_entry = {"module": module, "class_name": class_name, "config": dict(config),
                            "registered_name": class_name}

    @property
    def summary_class_name(self) -> str:
        return self.keras_entry["class_name"]

    def get_config(self):
        return dict(self.keras_entry["config"])
