"""`keras.ops.math` on PyTorch (filled by its owner; see tools/keras_crosscheck/keras_op_table.json)."""

__all__ = []
