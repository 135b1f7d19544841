"""lamina: the Keras model-building APIs (Sequential, Functional, subclassing), native on PyTorch.

`import lamina as keras` gives the Keras namespace: `keras.Input`, `keras.Model`,
`keras.Sequential`, `keras.layers`, `keras.activations`, `keras.initializers`, ...
Every layer and model is a `torch.nn.Module`.
"""

from lamina import activations, backend, constraints, initializers, regularizers
from lamina import layers, models
from lamina import callbacks, losses, metrics, optimizers, utils
from lamina import distribution, mixed_precision, saving
from lamina import applications
from lamina.layers import Input, InputSpec, Layer
from lamina.models import Model, Sequential
from lamina.backend import clear_session
from lamina.graph.keras_tensor import KerasTensor

__version__ = "0.1.0"

__all__ = [
    "Input", "InputSpec", "KerasTensor", "Layer", "Model", "Sequential",
    "activations", "backend", "callbacks", "constraints", "initializers", "layers", "losses", "metrics",
    "models", "optimizers", "regularizers", "utils", "distribution", "mixed_precision", "saving",
    "applications", "clear_session", "__version__",
]
