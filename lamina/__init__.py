"""lamina: the Keras model-building APIs, native on PyTorch."""
