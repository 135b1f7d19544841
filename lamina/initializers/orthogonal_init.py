"""The Orthogonal initializer (Saxe et al., 2014), the Keras default for recurrent kernels."""

from __future__ import annotations

import torch

from lamina.initializers.initializer import product, standardize_shape
from lamina.initializers.random import RandomInitializer

__all__ = ["Orthogonal"]


class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix times `gain`, from the QR decomposition of a normal matrix.

    The shape is flattened to `(prod(shape[:-1]), shape[-1])`. With at least as
    many rows as columns the columns are orthonormal, otherwise the rows are;
    the result is reshaped back to `shape`. Signs are fixed with `sign(diag(R))`
    so the distribution is uniform over orthogonal matrices, as in Keras.

    Args:
        gain: Multiplier of the orthogonal matrix.
        seed: `None` or an int (see `lamina.initializers.random` on seeding).

    Example:
        >>> q = Orthogonal(seed=0)((4, 4))
        >>> torch.allclose(q.T @ q, torch.eye(4), atol=1e-5)
        True
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None, device=None) -> torch.Tensor:
        shape = standardize_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal needs a weight of rank 2 or more, received shape={shape} of rank "
                f"{len(shape)}. Use another initializer (e.g. Zeros or RandomNormal) for vectors."
            )
        rows, cols = product(shape[:-1]), shape[-1]
        flat_shape = (max(rows, cols), min(rows, cols))

        def fill(out: torch.Tensor, generator) -> None:
            a = torch.empty(flat_shape, dtype=out.dtype, device=out.device)
            a.normal_(0.0, 1.0, generator=generator)
            q, r = torch.linalg.qr(a)
            q = q * torch.sign(torch.diagonal(r))
            if rows < cols:
                q = q.T
            out.copy_(q.reshape(shape) * self.gain)

        return self._sample(shape, dtype, device, fill)

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}
