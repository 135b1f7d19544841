"""`keras.ops.numpy` on PyTorch (filled by OPS-B; see tools/keras_crosscheck/keras_op_table.json)."""

__all__ = []
