"""`Concatenate`: joins a list of tensors along one axis."""

import torch

from lamina.layers.layer import Layer

__all__ = ["Concatenate", "concatenate"]


class Concatenate(Layer):
    """Concatenates a list of tensors along `axis`; other dimensions must match.

    Args:
        axis: the concatenation axis (default -1).

    Example:
        >>> Concatenate()([torch.ones(2, 3), torch.ones(2, 5)]).shape
        torch.Size([2, 8])
    """

    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not all(isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(
                f"Concatenate layer '{self.name}' must be called on a list of tensors; received a "
                f"single input of shape {input_shape}."
            )
        self._output_shape(input_shape)
        self.built = True

    def _output_shape(self, input_shapes):
        shapes = [tuple(s) for s in input_shapes]
        ranks = {len(s) for s in shapes}
        if len(ranks) != 1:
            raise ValueError(
                f"Concatenate layer '{self.name}' requires inputs of the same rank; received shapes "
                f"{' and '.join(map(str, shapes))}."
            )
        rank = ranks.pop()
        axis = self.axis % rank
        output = list(shapes[0])
        for shape in shapes[1:]:
            for i, (a, b) in enumerate(zip(output, shape)):
                if i == axis:
                    output[i] = None if a is None or b is None else a + b
                elif a is not None and b is not None and a != b:
                    raise ValueError(
                        f"Concatenate layer '{self.name}' requires inputs with matching shapes except "
                        f"for the concatenation axis {self.axis}; received shapes "
                        f"{' and '.join(map(str, shapes))} (they differ on axis {i})."
                    )
                elif a is None:
                    output[i] = b
        return tuple(output)

    def call(self, inputs):
        return torch.cat(list(inputs), dim=self.axis)

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape)

    def compute_mask(self, inputs, mask=None):
        # Keras: missing masks are all-True; masks are expanded to the input's rank,
        # concatenated like the inputs, then reduced with `any` over the last axis.
        if mask is None or all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = torch.ones(x.shape, dtype=torch.bool, device=x.device)
            elif m.ndim < x.ndim:
                m = m.unsqueeze(-1).expand(x.shape)
            masks.append(m)
        return torch.cat(masks, dim=self.axis).any(dim=-1)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def concatenate(inputs, axis=-1, **kwargs):
    """Functional interface to `Concatenate`: `concatenate([x, y], axis=-1)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
