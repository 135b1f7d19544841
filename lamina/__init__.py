"""lamina: the Keras model-building APIs (Sequential, Functional, subclassing), native on PyTorch.

`import lamina as keras` gives the Keras namespace: `keras.Input`, `keras.Model`,
`keras.Sequential`, `keras.layers`, `keras.activations`, `keras.initializers`, ...
Every layer and model is a `torch.nn.Module`.
"""

from lamina import activations, backend, constraints, initializers, regularizers
from lamina import layers, models
from lamina import callbacks, losses, metrics, optimizers, utils
from lamina import distribution, mixed_precision, saving
from lamina import config, datasets, dtype_policies, export, preprocessing, quantizers, random, tree, visualization
from lamina import ops
from lamina import applications
from lamina import legacy
from lamina.layers import Input, InputSpec, Layer
from lamina.layers.variable import Variable
from lamina.models import Model, Sequential
from lamina.backend import clear_session
from lamina.backend.remat import RematScope, remat
from lamina.backend.scopes import StatelessScope, SymbolicScope, device, name_scope
from lamina.dtype_policies import DTypePolicy, FloatDTypePolicy
from lamina.function import Function
from lamina.graph.keras_tensor import KerasTensor
from lamina.initializers import Initializer
from lamina.losses import Loss
from lamina.metrics import Metric
from lamina.operation import Operation
from lamina.optimizers import Optimizer
from lamina.quantizers import Quantizer
from lamina.regularizers import Regularizer

__version__ = "0.1.0"

def __getattr__(name):
    # keras.wrappers imports scikit-learn (slow, optional): loaded on first use, not with lamina.
    if name == "wrappers":
        import importlib

        return importlib.import_module("lamina.wrappers")
    raise AttributeError(f"module 'lamina' has no attribute {name!r}")


def version() -> str:
    """lamina's version (Keras's `keras.version()` answers Keras's; lamina implements the Keras
    3.15 API)."""
    return __version__


__all__ = [
    "Input", "InputSpec", "KerasTensor", "Layer", "Model", "Sequential", "Variable",
    "activations", "backend", "callbacks", "constraints", "initializers", "layers", "losses", "metrics",
    "models", "ops", "optimizers", "regularizers", "utils", "datasets", "distribution", "mixed_precision",
    "saving", "applications", "config", "dtype_policies", "export", "preprocessing", "quantizers", "random", "tree", "visualization",
    "DTypePolicy", "FloatDTypePolicy", "Function", "Initializer", "Loss", "Metric", "Operation", "Optimizer",
    "Quantizer", "Regularizer", "RematScope", "StatelessScope", "SymbolicScope", "device", "name_scope",
    "remat", "version", "clear_session", "__version__",
    "legacy", "wrappers",
]
