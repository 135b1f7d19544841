"""Tensor conversion and Keras's dtype promotion (SKELETON: OPS-A implements Keras's lattice).

CONTRACT (stable):
- `convert_to_tensor(x, dtype=None, device=None)`: torch tensors pass through (cast if `dtype`);
  NumPy arrays and Python scalars/lists become tensors; float64 NumPy stays float64 (as Keras),
  Python floats become `floatx()`.
- `result_type(*dtypes_or_values)`: Keras's `backend.result_type` (int + float32 -> float32,
  Python scalars weak, bool lowest), returning a Keras dtype name string.
"""

import numpy as np
import torch

from lamina.backend.dtypes import floatx, standardize_dtype

__all__ = ["convert_to_tensor", "result_type"]


def convert_to_tensor(x, dtype=None, device=None):
    if isinstance(x, torch.Tensor):
        out = x
    elif isinstance(x, np.ndarray):
        out = torch.from_numpy(np.ascontiguousarray(x))
    elif isinstance(x, float):
        out = torch.tensor(x, dtype=standardize_dtype(floatx()))
    else:
        out = torch.as_tensor(x)
    if dtype is not None:
        out = out.to(standardize_dtype(dtype))
    if device is not None:
        out = out.to(device)
    return out


def result_type(*values):
    tensors = [convert_to_tensor(v) if not isinstance(v, torch.Tensor) else v for v in values]
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    from lamina.backend.dtypes import dtype_name

    return dtype_name(dtype)
