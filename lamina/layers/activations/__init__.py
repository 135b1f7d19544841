"""Activation layers with arguments or weights: `ReLU`, `LeakyReLU`, `PReLU`, `ELU`, `Softmax`.

(`Activation("relu")` for a plain activation function lives in `lamina.layers.core`.)
"""

from lamina.layers.activations.elu import ELU
from lamina.layers.activations.leaky_relu import LeakyReLU
from lamina.layers.activations.prelu import PReLU
from lamina.layers.activations.relu import ReLU
from lamina.layers.activations.softmax import Softmax

__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"]
