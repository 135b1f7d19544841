"""Declared input constraints of a layer and the check that enforces them.

Layers set `self.input_spec` (usually in `build`); the check runs when a layer
is called on symbolic tensors and, for eager calls, only after the layer's own
computation has failed, so that the hot path pays nothing for it.
"""

__all__ = ["InputSpec", "assert_input_compatibility"]


class InputSpec:
    """Rank, dtype and axis-size constraints for one input of a layer.

    Args:
        dtype: expected dtype name, or None.
        shape: full expected shape (None for free dims), or None.
        ndim: exact rank, or None.
        max_ndim: maximum rank, or None.
        min_ndim: minimum rank, or None.
        axes: dict mapping axis index to required size.
        allow_last_axis_squeeze: accept a trailing axis of size 1 less or more.
        name: input name used in messages.
        optional: the input may be None.

    Example:
        >>> self.input_spec = InputSpec(min_ndim=2, axes={-1: 20})
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def __repr__(self):
        fields = [f"{k}={v}" for k, v in self.get_config().items() if v not in (None, {}, False)]
        return f"InputSpec({', '.join(fields)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim, "max_ndim": self.max_ndim,
                "min_ndim": self.min_ndim, "axes": self.axes}


def _shape_of(x):
    shape = getattr(x, "shape", None)
    return None if shape is None else tuple(shape)


def assert_input_compatibility(input_spec, inputs, layer_name: str) -> None:
    """Raises a ValueError naming the layer, the expectation and the received shape."""
    if not input_spec:
        return
    from lamina.utils.tree import flatten

    specs = input_spec if isinstance(input_spec, (list, tuple)) else [input_spec]
    flat = flatten(inputs)
    if len(flat) != len(specs):
        raise ValueError(
            f"Layer '{layer_name}' expects {len(specs)} input(s), but it received "
            f"{len(flat)} input tensors."
        )
    for index, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None:
            continue
        if x is None:
            if spec.optional:
                continue
            raise ValueError(f"Input {index} of layer '{layer_name}' is None, but it is required.")
        shape = _shape_of(x)
        if shape is None:
            continue
        where = f"Input {index} of layer '{layer_name}' is incompatible with the layer:"
        rank = len(shape)
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and rank != spec.ndim:
            raise ValueError(f"{where} expected ndim={spec.ndim}, found ndim={rank}. Full shape received: {shape}")
        if spec.max_ndim is not None and rank > spec.max_ndim:
            raise ValueError(f"{where} expected max_ndim={spec.max_ndim}, found ndim={rank}. Full shape received: {shape}")
        if spec.min_ndim is not None and rank < spec.min_ndim:
            raise ValueError(f"{where} expected min_ndim={spec.min_ndim}, found ndim={rank}. Full shape received: {shape}")
        for axis, value in spec.axes.items():
            if value is None:
                continue
            if axis >= rank or axis < -rank:
                raise ValueError(f"{where} expected axis {axis} to exist, but the input has rank {rank}. "
                                 f"Full shape received: {shape}")
            if shape[axis] is not None and shape[axis] != value:
                raise ValueError(
                    f"{where} expected axis {axis} of input shape to have value {value}, but received "
                    f"input with shape {shape}"
                )
        if spec.shape is not None:
            for axis, (expected, got) in enumerate(zip(spec.shape, shape)):
                if expected is not None and got is not None and expected != got:
                    raise ValueError(f"{where} expected shape={spec.shape}, found shape={shape}")
