"""`Dot`: batched dot product between two tensors."""

import torch
import torch.nn.functional as F

from lamina.layers.layer import Layer

__all__ = ["Dot", "dot"]


class Dot(Layer):
    """Dot product of two tensors along `axes`, per sample (Keras `batch_dot`).

    Args:
        axes: int or pair of ints: the axis of each input to contract (the batch
            axis 0 is not allowed).
        normalize: L2-normalise both inputs along `axes` first (giving cosine
            similarity).

    Shapes:
        `(b, n)` . `(b, n)` -> `(b, 1)`; `(b, t, n)` . `(b, s, n)` with axes=2 ->
        `(b, t, s)`.

    Example:
        >>> Dot(axes=1)([torch.ones(2, 3), torch.ones(2, 3)]).tolist()
        [[3.0], [3.0]]
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, int):
            axes = (axes, axes)
        if not (isinstance(axes, (list, tuple)) and len(axes) == 2 and all(isinstance(a, int) for a in axes)):
            raise ValueError(f"Dot layer '{self.name}': `axes` must be an int or a pair of ints, "
                             f"received {axes!r}.")
        self.axes = tuple(axes)
        self.normalize = normalize

    def _resolved_axes(self, shape1, shape2):
        return tuple(a % len(s) for a, s in zip(self.axes, (shape1, shape2)))

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError(f"Dot layer '{self.name}' must be called on a list of exactly 2 tensors; "
                             f"received {input_shape}.")
        self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        shape1, shape2 = (tuple(s) for s in input_shape)
        a1, a2 = self._resolved_axes(shape1, shape2)
        if a1 == 0 or a2 == 0:
            raise ValueError(f"Dot layer '{self.name}': cannot contract the batch axis 0 (axes={self.axes}).")
        if shape1[a1] is not None and shape2[a2] is not None and shape1[a1] != shape2[a2]:
            raise ValueError(
                f"Dot layer '{self.name}': dimension incompatibility: {shape1[a1]} (axis {a1} of "
                f"{shape1}) != {shape2[a2]} (axis {a2} of {shape2})."
            )
        rest = [d for i, d in enumerate(shape1) if i not in (0, a1)] + \
               [d for i, d in enumerate(shape2) if i not in (0, a2)]
        batch = shape1[0] if shape1[0] is not None else shape2[0]
        return (batch,) + tuple(rest or [1])

    def call(self, inputs):
        x, y = inputs
        a1, a2 = self._resolved_axes(x.shape, y.shape)
        if self.normalize:
            x = F.normalize(x, dim=a1)
            y = F.normalize(y, dim=a2)
        # Move the contracted axis last in x and first (after batch) in y, then a batched matmul.
        x = torch.movedim(x, a1, -1)
        y = torch.movedim(y, a2, 1)
        rest_x, rest_y = x.shape[1:-1], y.shape[2:]
        out = torch.bmm(x.reshape(x.shape[0], -1, x.shape[-1]), y.reshape(y.shape[0], y.shape[1], -1))
        out = out.reshape((x.shape[0],) + tuple(rest_x) + tuple(rest_y))
        if out.ndim == 1:
            out = out.unsqueeze(-1)
        return out

    def get_config(self):
        config = super().get_config()
        config.update({"axes": list(self.axes) if self.axes[0] != self.axes[1] else self.axes[0],
                       "normalize": self.normalize})
        return config


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """Functional interface to `Dot`: `dot([x, y], axes=1)`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
