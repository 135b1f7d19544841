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
