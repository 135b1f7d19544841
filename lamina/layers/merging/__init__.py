"""Merge layers: combine a list of tensors into one."""

from lamina.layers.merging.base_merge import Merge
from lamina.layers.merging.elementwise import (Add, Average, Maximum, Minimum, Multiply, Subtract, add,
                                               average, maximum, minimum, multiply, subtract)
from lamina.layers.merging.concatenate import Concatenate, concatenate
from lamina.layers.merging.dot import Dot, dot

__all__ = ["Merge", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]
