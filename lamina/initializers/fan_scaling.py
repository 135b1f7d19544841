"""Fan-scaled initializers: VarianceScaling and its Glorot, He and LeCun presets.

The scale depends on the number of input and output units ("fans") computed
from the weight shape in the Keras layout, exactly as Keras's `compute_fans`:
a Dense kernel `(in, out)` has fans `(in, out)`; a conv kernel
`(k..., in, out)` multiplies both by the receptive field `prod(k...)`.
"""

from __future__ import annotations

import math
import numbers

from lamina.initializers.initializer import product, standardize_shape
from lamina.initializers.random import RandomInitializer, fill_truncated_normal

__all__ = [
    "compute_fans",
    "VarianceScaling",
    "GlorotUniform",
    "GlorotNormal",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
]

# Standard deviation of a unit normal truncated to (-2, 2); dividing by it makes the
# truncated samples have the requested standard deviation (Keras uses the same constant).
TRUNCATED_STDDEV_CORRECTION = 0.87962566103423978

_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """Returns `(fan_in, fan_out)` for a weight shape in the Keras layout.

    Without axes (Keras's rule): rank 0 -> (1, 1); rank 1 -> (n, n); rank 2 ->
    `(shape[0], shape[1])`; higher ranks are conv kernels `(k..., in, out)` whose
    fans are `in * prod(k)` and `out * prod(k)`.

    With `input_axes`/`output_axes` (Keras 3.15, for einsum-style kernels such
    as attention projections `(d_model, heads, key_dim)`), the fans are the
    products of those axes, and any axis in neither list counts as receptive
    field multiplying both. Giving only one list makes the other "all
    remaining axes".

    Args:
        shape: The weight shape.
        input_axes: Optional list of axes holding the input units.
        output_axes: Optional list of axes holding the output units.

    Example:
        >>> compute_fans((3, 3, 16, 32))
        (144, 288)
        >>> compute_fans((64, 8, 16), input_axes=[0], output_axes=[1, 2])
        (64, 128)
    """
    shape = standardize_shape(shape)
    if input_axes is None and output_axes is None:
        if len(shape) == 0:
            return 1, 1
        if len(shape) == 1:
            return shape[0], shape[0]
        if len(shape) == 2:
            return shape[0], shape[1]
        receptive_field = product(shape[:-2])
        return shape[-2] * receptive_field, shape[-1] * receptive_field
    rank = len(shape)
    in_axes = _normalize_axes(input_axes, rank, "input_axes")
    out_axes = _normalize_axes(output_axes, rank, "output_axes")
    if in_axes is None:
        in_axes = [a for a in range(rank) if a not in out_axes]
    if out_axes is None:
        out_axes = [a for a in range(rank) if a not in in_axes]
    overlap = set(in_axes) & set(out_axes)
    if overlap:
        raise ValueError(
            f"`input_axes` and `output_axes` must not share an axis; both contain "
            f"{sorted(overlap)} for shape={shape}."
        )
    rest = [a for a in range(rank) if a not in in_axes and a not in out_axes]
    receptive_field = product(shape[a] for a in rest)
    fan_in = product(shape[a] for a in in_axes) * receptive_field
    fan_out = product(shape[a] for a in out_axes) * receptive_field
    return fan_in, fan_out


def _normalize_axes(axes, rank: int, name: str):
    if axes is None:
        return None
    if isinstance(axes, int):
        axes = [axes]
    try:
        items = list(axes)
    except TypeError:
        raise ValueError(f"`{name}` must be a list of ints, received {axes!r}.") from None
    out = []
    for axis in items:
        if isinstance(axis, bool) or not isinstance(axis, int) or not -rank <= axis < rank:
            raise ValueError(
                f"`{name}` must list axes of the weight shape (ints in [-{rank}, {rank})), "
                f"received {name}={axes!r} for a rank-{rank} weight."
            )
        out.append(axis % rank)
    return out


def _axes_config(axes):
    """Axes as stored in the config: a JSON list (tuples would not round-trip) or None."""
    if axes is None:
        return None
    return [axes] if isinstance(axes, int) else list(axes)


class VarianceScaling(RandomInitializer):
    """Samples with a variance of `scale / n`, `n` chosen by `mode` from the fans.

    - `distribution="truncated_normal"`: normal truncated at two standard
      deviations, with the pre-truncation stddev divided by 0.8796... so the
      samples' stddev is `sqrt(scale / n)`.
    - `"untruncated_normal"`: normal with stddev `sqrt(scale / n)`.
    - `"uniform"`: uniform on `[-limit, limit]`, `limit = sqrt(3 * scale / n)`.

    Args:
        scale: Positive scaling factor.
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"` (mean of the two).
        distribution: One of the three above (`"normal"` means truncated).
        seed: `None` or an int (see `lamina.initializers.random` on seeding).
        input_axes: Optional axes holding input units (see `compute_fans`).
        output_axes: Optional axes holding output units.

    Example:
        >>> init = VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform")
        >>> init((100, 10)).abs().max() <= (3 * 2.0 / 100) ** 0.5
        tensor(True)
    """

    def __init__(
        self,
        scale=1.0,
        mode="fan_in",
        distribution="truncated_normal",
        seed=None,
        input_axes=None,
        output_axes=None,
    ):
        if not isinstance(scale, numbers.Real) or isinstance(scale, bool) or scale <= 0.0:
            raise ValueError(
                f"{type(self).__name__}: `scale` must be a positive float, received scale={scale!r}."
            )
        if mode not in _MODES:
            raise ValueError(
                f"{type(self).__name__}: `mode` must be one of {list(_MODES)}, received "
                f"mode={mode!r}."
            )
        dist = distribution.lower() if isinstance(distribution, str) else distribution
        if dist == "normal":  # the Keras 2 spelling
            dist = "truncated_normal"
        if dist not in _DISTRIBUTIONS:
            raise ValueError(
                f"{type(self).__name__}: `distribution` must be one of {list(_DISTRIBUTIONS)}, "
                f"received distribution={distribution!r}."
            )
        self.scale = scale
        self.mode = mode
        self.distribution = dist
        self.input_axes = _axes_config(input_axes)
        self.output_axes = _axes_config(output_axes)
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None, device=None):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        if self.mode == "fan_in":
            n = fan_in
        elif self.mode == "fan_out":
            n = fan_out
        else:
            n = (fan_in + fan_out) / 2.0
        # Keras guards against empty weights with max(1, n).
        variance = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / TRUNCATED_STDDEV_CORRECTION
            fill = lambda t, g: fill_truncated_normal(t, 0.0, stddev, g)  # noqa: E731
        elif self.distribution == "untruncated_normal":
            stddev = math.sqrt(variance)
            fill = lambda t, g: t.normal_(0.0, stddev, generator=g)  # noqa: E731
        else:
            limit = math.sqrt(3.0 * variance)
            fill = lambda t, g: t.uniform_(-limit, limit, generator=g)  # noqa: E731
        return self._sample(shape, dtype, device, fill)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed scale/mode/distribution; its config is only seed and axes."""

    _scale = 1.0
    _mode = "fan_in"
    _distribution = "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(
            scale=self._scale,
            mode=self._mode,
            distribution=self._distribution,
            seed=seed,
            input_axes=input_axes,
            output_axes=output_axes,
        )

    def get_config(self) -> dict:
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotUniform(_Preset):
    """Glorot (Xavier) uniform: `U(-limit, limit)`, `limit = sqrt(6 / (fan_in + fan_out))`.

    The Keras default for kernels.

    Args:
        seed: `None` or an int.
        input_axes: Optional axes holding input units (see `compute_fans`).
        output_axes: Optional axes holding output units.

    Example:
        >>> GlorotUniform(seed=1)((4, 5)).shape
        torch.Size([4, 5])
    """

    _mode = "fan_avg"
    _distribution = "uniform"


class GlorotNormal(_Preset):
    """Glorot (Xavier) normal: truncated normal with stddev `sqrt(2 / (fan_in + fan_out))`.

    Args:
        seed: `None` or an int.
        input_axes: Optional axes holding input units.
        output_axes: Optional axes holding output units.

    Example:
        >>> GlorotNormal()((4, 5)).shape
        torch.Size([4, 5])
    """

    _mode = "fan_avg"


class HeNormal(_Preset):
    """He normal: truncated normal with stddev `sqrt(2 / fan_in)`.

    Args:
        seed: `None` or an int.
        input_axes: Optional axes holding input units.
        output_axes: Optional axes holding output units.

    Example:
        >>> HeNormal()((4, 5)).shape
        torch.Size([4, 5])
    """

    _scale = 2.0


class HeUniform(_Preset):
    """He uniform: `U(-limit, limit)`, `limit = sqrt(6 / fan_in)`.

    Args:
        seed: `None` or an int.
        input_axes: Optional axes holding input units.
        output_axes: Optional axes holding output units.

    Example:
        >>> HeUniform()((4, 5)).shape
        torch.Size([4, 5])
    """

    _scale = 2.0
    _distribution = "uniform"


class LecunNormal(_Preset):
    """LeCun normal: truncated normal with stddev `sqrt(1 / fan_in)` (pair with `selu`).

    Args:
        seed: `None` or an int.
        input_axes: Optional axes holding input units.
        output_axes: Optional axes holding output units.

    Example:
        >>> LecunNormal()((4, 5)).shape
        torch.Size([4, 5])
    """


class LecunUniform(_Preset):
    """LeCun uniform: `U(-limit, limit)`, `limit = sqrt(3 / fan_in)`.

    Args:
        seed: `None` or an int.
        input_axes: Optional axes holding input units.
        output_axes: Optional axes holding output units.

    Example:
        >>> LecunUniform()((4, 5)).shape
        torch.Size([4, 5])
    """

    _distribution = "uniform"
