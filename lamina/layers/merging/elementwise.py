"""Element-wise merges: Add, Subtract, Multiply, Average, Maximum, Minimum."""

import functools

import torch

from lamina.layers.merging.base_merge import Merge

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
           "add", "subtract", "multiply", "average", "maximum", "minimum"]


class Add(Merge):
    """Sums a list of tensors of the same shape.

    Example:
        >>> Add()([torch.ones(2, 3), torch.ones(2, 3)]).sum().item()
        12.0
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


class Subtract(Merge):
    """Subtracts the second of exactly two tensors from the first.

    Example:
        >>> Subtract()([torch.ones(2), torch.ones(2)]).tolist()
        [0.0, 0.0]
    """

    min_inputs = 2

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"Subtract layer '{self.name}' needs exactly 2 inputs; received "
                             f"{len(input_shape)}.")

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"Subtract layer '{self.name}' needs exactly 2 inputs; received {len(inputs)}.")
        return inputs[0] - inputs[1]


class Multiply(Merge):
    """Multiplies a list of tensors element-wise."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output * x
        return output


class Average(Merge):
    """Averages a list of tensors element-wise."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


class Maximum(Merge):
    """Element-wise maximum of a list of tensors."""

    def _merge_function(self, inputs):
        return functools.reduce(torch.maximum, inputs)


class Minimum(Merge):
    """Element-wise minimum of a list of tensors."""

    def _merge_function(self, inputs):
        return functools.reduce(torch.minimum, inputs)


def _functional(layer_class):
    def merge(inputs, **kwargs):
        return layer_class(**kwargs)(inputs)

    merge.__name__ = layer_class.__name__.lower()
    merge.__doc__ = (f"Functional interface to `{layer_class.__name__}`: "
                     f"`{merge.__name__}([x, y], **layer_kwargs)`.")
    return merge


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
average = _functional(Average)
maximum = _functional(Maximum)
minimum = _functional(Minimum)
