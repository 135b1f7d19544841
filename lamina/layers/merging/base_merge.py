"""`Merge`: the shared base of the element-wise merge layers."""

import torch

from lamina.layers.layer import Layer

__all__ = ["Merge"]


def broadcast_shapes(shape1, shape2):
    """Keras's element-wise output shape of two shapes (without batch), or None if incompatible."""
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    out = list(shape1[: len(shape1) - len(shape2)])
    for a, b in zip(shape1[len(shape1) - len(shape2):], shape2):
        if a is None or b is None:
            out.append(None)
        elif a == 1:
            out.append(b)
        elif b == 1 or a == b:
            out.append(a)
        else:
            return None
    return tuple(out)


class Merge(Layer):
    """Base class for layers that combine a list of same-shaped tensors.

    Subclasses implement `_merge_function(inputs)`. Shapes must match (or
    broadcast: sizes 1 and unknown sizes are compatible), else building fails
    with an error naming the layer and every input shape.
    """

    supports_masking = True
    min_inputs = 1

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not all(isinstance(s, (list, tuple)) or s is None for s in input_shape):
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' must be called on a list of tensors, e.g. "
                f"{type(self).__name__}()([x, y]); received a single input of shape {input_shape}."
            )
        if len(input_shape) < self.min_inputs:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' needs at least {self.min_inputs} inputs; "
                f"received {len(input_shape)}."
            )
        self._check_shapes(input_shape)
        self.built = True

    def _check_shapes(self, input_shapes):
        shapes = [tuple(s) for s in input_shapes if s is not None]
        output = shapes[0][1:]
        for shape in shapes[1:]:
            merged = broadcast_shapes(output, shape[1:])
            if merged is None:
                listed = " and ".join(str(s) for s in shapes)
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}' received inputs with incompatible shapes "
                    f"{listed}: all inputs must have the same shape (sizes of 1 broadcast). "
                    f"Project the inputs to a common shape first (e.g. with a 1x1 Conv2D or a Dense "
                    f"layer on the shortcut)."
                )
            output = merged
        return output

    def call(self, inputs):
        return self._merge_function(inputs)

    def _merge_function(self, inputs):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        batch = next((s[0] for s in shapes if s and s[0] is not None), None)
        return (batch,) + tuple(self._check_shapes(shapes))

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = [m for m in mask if m is not None]
        output = masks[0]
        for m in masks[1:]:
            output = torch.logical_and(output, m)
        return output
