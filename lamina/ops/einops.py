"""Keras's `keras.src.ops.einops`: `rearrange`, einops-style axis reshuffling in one reshape-permute-reshape."""

import re

from lamina.ops import _dtypes
from lamina.ops._op import keras_op

__all__ = ["rearrange"]

_AXES = re.compile(r"\([^()]*\)|[A-Za-z_]\w*|\S")


def _groups(side, pattern):
    """`"b (h h1) c"` -> `[["b"], ["h", "h1"], ["c"]]`; refuses anything else."""
    groups = []
    for token in _AXES.findall(side):
        if token.startswith("("):
            names = token[1:-1].split()
            if not all(re.fullmatch(r"[A-Za-z_]\w*", n) for n in names):
                raise ValueError(f"ops.rearrange: the group {token!r} in pattern {pattern!r} must hold axis names.")
            groups.append(names)
        elif re.fullmatch(r"[A-Za-z_]\w*", token):
            groups.append([token])
        else:
            raise ValueError(f"ops.rearrange: unexpected {token!r} in pattern {pattern!r}; use axis names, "
                             f"parenthesised groups and one '->'.")
    return groups


@keras_op("Rearrange", module="einops")
def rearrange(tensor, pattern, **axes_lengths):
    """Rearranges axes by an einops pattern (einops `rearrange`; torch `reshape` + `permute` + `reshape`).

    Args:
        tensor: the input tensor.
        pattern: `"input axes -> output axes"`, e.g. `"b h w c -> b c h w"`; parentheses group axes
            that are merged (`(b h)`) or, on the input side, split (`(h1 h)`).
        **axes_lengths: sizes of split axes (one axis per input group may be left out: it is inferred).

    Returns:
        The rearranged tensor.

    Example:
        >>> ops.rearrange(torch.zeros(32, 30, 40, 3), "b (h1 h) (w1 w) c -> (b h1 w1) h w c", h1=2, w1=2).shape
        torch.Size([128, 15, 20, 3])
    """
    tensor = _dtypes.convert_to_tensor(tensor)
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ValueError(f"ops.rearrange: `pattern` must be a string 'input axes -> output axes'; received "
                         f"{pattern!r}.")
    left, right = (side.strip() for side in pattern.split("->"))
    inputs, outputs = _groups(left, pattern), _groups(right, pattern)
    if len(inputs) != tensor.dim():
        raise ValueError(f"ops.rearrange: pattern {pattern!r} names {len(inputs)} input axes, but the tensor has "
                         f"rank {tensor.dim()} (shape {tuple(tensor.shape)}).")
    input_names = [n for g in inputs for n in g]
    output_names = [n for g in outputs for n in g]
    if sorted(input_names) != sorted(output_names) or len(set(input_names)) != len(input_names):
        raise ValueError(f"ops.rearrange: both sides of {pattern!r} must name the same axes, each once; received "
                         f"{input_names} -> {output_names}.")
    unknown = sorted(set(axes_lengths) - set(input_names))
    if unknown:
        raise ValueError(f"ops.rearrange: `axes_lengths` names {unknown}, which pattern {pattern!r} does not use.")
    sizes = {}
    for group, dim in zip(inputs, tensor.shape):
        if len(group) == 1:
            sizes[group[0]] = dim
            continue
        missing = [n for n in group if n not in axes_lengths]
        if len(missing) > 1:
            raise ValueError(f"ops.rearrange: the group ({' '.join(group)}) needs the lengths of all but one of its "
                             f"axes; pass e.g. {missing[0]}=... .")
        known = 1
        for n in group:
            if n in axes_lengths:
                sizes[n] = int(axes_lengths[n])
                known *= sizes[n]
        if missing:
            if dim % known:
                raise ValueError(f"ops.rearrange: size {dim} of group ({' '.join(group)}) is not divisible by "
                                 f"{known}.")
            sizes[missing[0]] = dim // known
        elif known != dim:
            raise ValueError(f"ops.rearrange: the group ({' '.join(group)}) has size {dim}, not {known}.")
    split = tensor.reshape([sizes[n] for n in input_names])
    moved = split.permute([input_names.index(n) for n in output_names])
    merged = []
    for group in outputs:
        size = 1
        for n in group:
            size *= sizes[n]
        merged.append(size)
    return moved.reshape(merged)
