"""Sorting, searching and counting functions of `keras.ops.numpy`.

Index results are int32, as Keras returns them. `unique`, `bincount` (without `minlength` large
enough) and `histogram` have value-dependent output sizes: they run eagerly but not inside
`torch.compile(fullgraph=True)`.
"""

import torch

from lamina.graph.keras_tensor import KerasTensor
from lamina.ops._op import keras_op
from lamina.ops.numpy._common import (
    canonical_axis,
    cast,
    check_choice,
    check_int,
    name_of,
    promote,
    to_tensor,
    to_tensors,
)

__all__ = [
    "sort", "argsort", "argpartition", "searchsorted", "digitize", "unique", "bincount", "histogram",
]


def _sortable(x):
    return cast(x, "uint8") if x.dtype == torch.bool else x


@keras_op("Sort", config=("axis",), module="numpy")
def sort(x, axis=-1):
    """Sorted copy of `x` along `axis`, ascending (NumPy `np.sort`; torch `torch.sort`).

    Args:
        x: input tensor.
        axis: the axis to sort along; None sorts the flattened tensor.

    Returns:
        The sorted tensor (NaN last).

    Example:
        >>> ops.sort([3, 1, 2])  # [1, 2, 3]
    """
    x = to_tensor("sort", "x", x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if x.ndim == 0:
        return x
    a = canonical_axis("sort", axis, x.ndim)
    return cast(torch.sort(_sortable(x), dim=a, stable=True).values, x.dtype)


@keras_op("Argsort", config=("axis",), module="numpy")
def argsort(x, axis=-1):
    """Indices that sort `x` along `axis` (stable) (NumPy `np.argsort`; torch `torch.argsort`).

    Args:
        x: input tensor.
        axis: the axis to sort along; None sorts the flattened tensor.

    Returns:
        An int32 tensor of indices.

    Example:
        >>> ops.argsort([3, 1, 2])  # [1, 2, 0]
    """
    x = to_tensor("argsort", "x", x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if x.ndim == 0:
        return torch.zeros((), dtype=torch.int32, device=x.device)
    a = canonical_axis("argsort", axis, x.ndim)
    return cast(torch.argsort(_sortable(x), dim=a, stable=True), "int32")


@keras_op("Argpartition", config=("kth", "axis"), module="numpy")
def argpartition(x, kth, axis=-1):
    """Indices that put the k-th smallest element in place (NumPy `np.argpartition`; torch `torch.argsort`).

    Smaller elements come before it, larger ones after; a full stable sort is one valid partition.

    Args:
        x: input tensor.
        kth: the element index to partition by (negative counts from the end).
        axis: the axis to partition along; None uses the flattened tensor.

    Returns:
        An int32 tensor of indices.

    Example:
        >>> ops.argpartition([3, 4, 2, 1], 2)  # [3, 2, 0, 1]
    """
    x = to_tensor("argpartition", "x", x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    a = canonical_axis("argpartition", axis, x.ndim)
    k = check_int("argpartition", "kth", kth)
    if not -x.shape[a] <= k < x.shape[a]:
        raise ValueError(
            f"ops.argpartition: `kth`={kth} is out of range for axis {axis} of size {x.shape[a]}."
        )
    return cast(torch.argsort(_sortable(x), dim=a, stable=True), "int32")


@keras_op("SearchSorted", config=("side",), module="numpy")
def searchsorted(sorted_sequence, values, side="left"):
    """Insertion indices of `values` into a sorted 1-D sequence (NumPy `np.searchsorted`; torch `torch.searchsorted`).

    Args:
        sorted_sequence: 1-D tensor sorted in ascending order.
        values: tensor of values to insert (any shape).
        side: "left" (first valid position) or "right" (last).

    Returns:
        An int32 tensor (int64 for sequences longer than int32 can index) of the shape of `values`.

    Example:
        >>> ops.searchsorted([1, 3, 5], [2, 5])  # [1, 2]
    """
    sorted_sequence, values = to_tensors("searchsorted", sorted_sequence=sorted_sequence, values=values)
    check_choice("searchsorted", "side", side, ("left", "right"))
    if sorted_sequence.ndim != 1:
        raise ValueError(
            "ops.searchsorted: `sorted_sequence` must be 1-D (use `ops.vectorized_map` for batches); received "
            f"shape {tuple(sorted_sequence.shape)}."
        )
    dtype = promote(sorted_sequence.dtype, values.dtype)
    if dtype == "bool":
        dtype = "int32"
    out_int32 = sorted_sequence.shape[0] <= torch.iinfo(torch.int32).max
    return torch.searchsorted(cast(sorted_sequence, dtype), cast(values, dtype).contiguous(), side=side,
                              out_int32=out_int32)


@keras_op("Digitize", module="numpy")
def digitize(x, bins):
    """Index of the bin each value falls in (NumPy `np.digitize`; torch `torch.bucketize(right=True)`).

    Args:
        x: input tensor.
        bins: 1-D tensor of increasing bin edges.

    Returns:
        An int32 tensor of the shape of `x`: `i` such that `bins[i-1] <= x < bins[i]`.

    Example:
        >>> ops.digitize([0.5, 1.5, 3.0], [1.0, 2.0])  # [0, 1, 2]
    """
    x, bins = to_tensors("digitize", x=x, bins=bins)
    if bins.ndim != 1:
        raise ValueError(f"ops.digitize: `bins` must be 1-D; received shape {tuple(bins.shape)}.")
    dtype = promote(x.dtype, bins.dtype)
    if dtype == "bool":
        dtype = "uint8"
    return cast(torch.bucketize(cast(x, dtype), cast(bins, dtype), right=True), "int32")


def _unique_spec(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None,  # noqa: A002
                 size=None, fill_value=None):
    # The number of unique values is only known from the data (or from `size`).
    if axis is None:
        shape = (size,)
    else:
        a = canonical_axis("unique", axis, len(x.shape))
        shape = tuple(size if i == a else d for i, d in enumerate(x.shape))
    outputs = [KerasTensor(shape, dtype=x.dtype)]
    if return_index:
        outputs.append(KerasTensor((size,), dtype="int64"))
    if return_inverse:
        outputs.append(KerasTensor(tuple(x.shape) if axis is None else (x.shape[a],), dtype="int64"))
    if return_counts:
        outputs.append(KerasTensor((size,), dtype="int64"))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


@keras_op("Unique", config=("sorted", "return_index", "return_inverse", "return_counts", "axis", "size",
                            "fill_value"), module="numpy", output_spec=_unique_spec)
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None, size=None,
           fill_value=None):  # noqa: A002 - Keras's argument name
    """The sorted unique values of `x` (NumPy `np.unique`; torch `torch.unique`).

    Args:
        x: input tensor (flattened unless `axis` is given).
        sorted: return the values sorted (torch always sorts on CPU and GPU).
        return_index: also return the index of each value's first occurrence.
        return_inverse: also return, for each element, the index of its value in the result.
        return_counts: also return how often each value occurs.
        axis: None (flattened) or the axis along which slices are compared.
        size: pad (with `fill_value`) or truncate the result to this length, for static shapes.
        fill_value: the padding value when `size` is larger (default 0).

    Returns:
        The unique values, or a tuple with the requested extra tensors (in NumPy's order).

    Example:
        >>> ops.unique([3, 1, 3, 2])  # [1, 2, 3]
    """
    x = to_tensor("unique", "x", x)
    dim = None if axis is None else canonical_axis("unique", axis, x.ndim)
    values, inverse, counts = torch.unique(x if dim is not None else x.reshape(-1), sorted=True,
                                           return_inverse=True, return_counts=True, dim=dim)
    d = 0 if dim is None else dim
    extras = []
    if return_index:
        positions = torch.arange(inverse.shape[0], device=x.device)
        first = torch.full((values.shape[d],), inverse.shape[0], dtype=positions.dtype, device=x.device)
        first = first.scatter_reduce(0, inverse, positions, reduce="amin", include_self=True)
        extras.append(("index", first))
    if return_inverse:
        extras.append(("inverse", inverse if dim is not None else inverse.reshape(x.shape)))
    if return_counts:
        extras.append(("counts", counts))
    if size is not None:
        size = check_int("unique", "size", size, minimum=0)
        n = values.shape[d]
        if n > size:
            values = values.narrow(d, 0, size)
            extras = [(k, v if k == "inverse" else v[:size]) for k, v in extras]
        elif n < size:
            pad = [0, 0] * values.ndim
            pad[2 * (values.ndim - 1 - d) + 1] = size - n
            values = torch.nn.functional.pad(values, pad, value=0 if fill_value is None else fill_value)
            extras = [(k, v if k == "inverse" else torch.nn.functional.pad(v, (0, size - n), value=0))
                      for k, v in extras]
    if not extras:
        return values
    return (values, *[v for _, v in extras])


def _bincount_spec(x, weights=None, minlength=0, sparse=False):
    # The number of bins is max(x) + 1: only known from the data.
    dtype = "int32" if weights is None else promote(x.dtype, weights.dtype)
    return KerasTensor(tuple(x.shape[:-1]) + (None,), dtype=dtype)


@keras_op("Bincount", config=("weights", "minlength", "sparse"), module="numpy", output_spec=_bincount_spec)
def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts of each non-negative integer value (NumPy `np.bincount`; torch `torch.bincount`).

    Args:
        x: 1-D non-negative integer tensor, or 2-D (one count per row).
        weights: optional weights, shaped like `x` (sums weights instead of counting).
        minlength: minimum number of bins.
        sparse: not supported on PyTorch (as Keras's torch backend); must be False.

    Returns:
        int32 counts (or the weights' dtype), of length `max(max(x) + 1, minlength)`.

    Example:
        >>> ops.bincount([0, 1, 1, 3])  # [1, 2, 0, 1]
    """
    if sparse:
        raise ValueError("ops.bincount: `sparse=True` is not supported on PyTorch (as in Keras's torch backend).")
    x = to_tensor("bincount", "x", x)
    if x.is_floating_point() or x.dtype == torch.bool:
        raise TypeError(f"ops.bincount: argument `x` must be an integer tensor; received dtype {name_of(x)}.")
    if x.ndim not in (1, 2):
        raise ValueError(f"ops.bincount: argument `x` must be 1-D or 2-D; received shape {tuple(x.shape)}.")
    minlength = check_int("bincount", "minlength", minlength, minimum=0)
    if weights is not None:
        weights = to_tensor("bincount", "weights", weights, device=x.device)
        if weights.shape != x.shape:
            raise ValueError(
                f"ops.bincount: `weights` must have the shape of `x` {tuple(x.shape)}; received {tuple(weights.shape)}."
            )
        dtype = promote(x.dtype, weights.dtype)
    else:
        dtype = "int32"
    length = max(int(x.max()) + 1 if x.numel() else 0, minlength)
    if x.numel() and int(x.min()) < 0:
        raise ValueError("ops.bincount: argument `x` must hold non-negative integers.")
    if x.ndim == 1:
        src = torch.ones_like(x, dtype=torch.float64) if weights is None else cast(weights, "float64")
        out = torch.zeros(length, dtype=torch.float64, device=x.device).index_add_(0, x.long(), src)
        return cast(out, dtype)
    rows = x.shape[0]
    flat = (x.long() + torch.arange(rows, device=x.device).unsqueeze(1) * length).reshape(-1)
    src = torch.ones_like(flat, dtype=torch.float64) if weights is None else cast(weights, "float64").reshape(-1)
    out = torch.zeros(rows * length, dtype=torch.float64, device=x.device).index_add_(0, flat, src)
    return cast(out.reshape(rows, length), dtype)


def _histogram_spec(x, bins=10, range=None):  # noqa: A002
    dtype = x.dtype if x.dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64) else torch.float32
    return KerasTensor((bins,), dtype=dtype), KerasTensor((bins + 1,), dtype=dtype)


@keras_op("Histogram", config=("bins", "range"), module="numpy", output_spec=_histogram_spec)
def histogram(x, bins=10, range=None):  # noqa: A002 - Keras's argument name
    """Counts of values in equal-width bins (NumPy `np.histogram`; torch `torch.histc`).

    Args:
        x: 1-D tensor.
        bins: number of bins.
        range: `(low, high)` of the bins (default: the min and max of `x`).

    Returns:
        A tuple `(counts, bin_edges)`; `bin_edges` has `bins + 1` entries.

    Example:
        >>> counts, edges = ops.histogram([1.0, 2.0, 2.0, 3.0], bins=2)  # counts [1., 3.]
    """
    x = to_tensor("histogram", "x", x)
    if x.ndim != 1:
        raise ValueError(f"ops.histogram: argument `x` must be 1-D; received shape {tuple(x.shape)}.")
    bins = check_int("histogram", "bins", bins, minimum=1)
    values = (x if x.is_floating_point() else cast(x, "float32")).detach()  # counts have no gradient
    if range is None:
        low, high = (float(values.min()), float(values.max())) if values.numel() else (0.0, 1.0)
    else:
        if len(range) != 2 or range[0] > range[1]:
            raise ValueError(f"ops.histogram: `range` must be (low, high) with low <= high; received {range!r}.")
        low, high = float(range[0]), float(range[1])
    if low == high:
        low, high = low - 0.5, high + 0.5
    edges = torch.linspace(low, high, bins + 1, dtype=values.dtype, device=x.device)
    inside = (values >= low) & (values <= high)
    index = torch.bucketize(values, edges, right=True) - 1
    index = index.clamp(0, bins - 1)  # the last bin includes its right edge, as NumPy
    counts = torch.zeros(bins, dtype=values.dtype, device=x.device).index_add_(
        0, index[inside], torch.ones_like(values[inside]))
    return counts, edges
