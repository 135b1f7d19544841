"""`lamina.layers`: every public layer, grouped by family in sub-packages."""

from lamina.layers.layer import Layer
from lamina.layers.input_spec import InputSpec
from lamina.layers.input_layer import Input, InputLayer
from lamina.layers.core import Activation, Dense, Identity, Lambda, TorchModuleWrapper, TorchOp
from lamina.layers.regularization import Dropout
from lamina.layers.reshaping import Flatten, Reshape
from lamina.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                                   average, concatenate, dot, maximum, minimum, multiply, subtract)

__all__ = [
    "Layer", "InputSpec", "Input", "InputLayer",
    "Dense", "Activation", "Identity", "Lambda", "TorchModuleWrapper", "TorchOp",
    "Dropout",
    "Flatten", "Reshape",
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
]
