"""`keras.ops.numpy` on PyTorch: Keras 3.15's NumPy-style functions, by family.

| module          | what                                                                  |
|-----------------|-----------------------------------------------------------------------|
| `elementwise`   | one-tensor math (`sqrt`, `exp`, `sin`, ...) and two-tensor arithmetic |
| `logic`         | comparisons, logical and bitwise functions, `where`, `select`         |
| `reductions`    | `sum`, `mean`, `max`, quantiles, arg-reductions, `cumsum`, ...        |
| `shape`         | reshape/transpose/stack/split/pad/take/indexing                       |
| `creation`      | `arange`, `linspace`, `zeros`, `full`, `eye`, windows, ...            |
| `products`      | `matmul`, `dot`, `einsum`, `tensordot`, `kron`, `cross`, ...          |
| `sorting`       | `sort`, `argsort`, `searchsorted`, `unique`, `bincount`, ...          |
| `vectorize`     | `vectorize` on `torch.vmap`                                           |

Every function takes torch tensors, NumPy arrays or Python numbers, returns torch tensors on the
input's device, and follows Keras's dtype rules; called on `keras.Input` tensors it records a
graph node (see `lamina.ops._op.keras_op`).

Where lamina differs from Keras 3.15 (each difference is asserted by a test):
- 64-bit inputs keep 64-bit results (`mean` of float64 is float64); Keras maps them to 32 bits.
- torch has no uint32 arithmetic: sums/products of uint8 give int32 (as Keras's torch backend).
- `reciprocal` keeps float16/bfloat16 (Keras's spec says float32; its torch backend keeps them).
- `where(condition)` returns one index tensor per axis, as NumPy and Keras's JAX backend
  (Keras's torch backend stacks them).
- `argpartition` returns a full stable `argsort`, which is one valid partition.
- `unique` always returns sorted values; `bincount(sparse=True)` is refused (no sparse tensors).
- `pad` modes: constant, edge, reflect, symmetric, wrap, maximum, minimum, mean, median, empty
  (NumPy's `linear_ramp` is refused).
- Data-dependent results (`nonzero`, `unique`, `bincount`, `where(condition)`, boolean-mask
  `get_item`) run eagerly; on symbolic tensors their output sizes are unknown (`None`), and
  `torch.compile(fullgraph=True)` cannot trace them (nor `histogram`, whose range comes from
  the data).
"""

from lamina.ops.numpy import creation as _creation
from lamina.ops.numpy import elementwise as _elementwise
from lamina.ops.numpy import logic as _logic
from lamina.ops.numpy import products as _products
from lamina.ops.numpy import reductions as _reductions
from lamina.ops.numpy import shape as _shape
from lamina.ops.numpy import sorting as _sorting
from lamina.ops.numpy import vectorize as _vectorize

_FAMILIES = (_elementwise, _logic, _reductions, _shape, _creation, _products, _sorting, _vectorize)

__all__ = sorted(name for family in _FAMILIES for name in family.__all__)

for _family in _FAMILIES:
    for _name in _family.__all__:
        globals()[_name] = getattr(_family, _name)
del _family, _name
