"""`lamina.ops`: Keras 3's `keras.ops` on PyTorch (work in progress)."""
