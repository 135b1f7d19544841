"""The `Loss` base class, Keras reductions and sample-weight handling."""

import functools
import re

import torch

from lamina.losses._tensor_utils import (
    as_tensor,
    divide_no_nan,
    dtype_name,
    resolve_dtype,
    squeeze_or_expand_to_same_rank,
)

__all__ = [
    "Loss",
    "LossFunctionWrapper",
    "REDUCTIONS",
    "apply_mask",
    "reduce_values",
    "reduce_weighted_values",
    "standardize_reduction",
]

# The reductions Keras 3 accepts (`keras/src/losses/loss.py`).
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def _to_snake_case(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def standardize_reduction(reduction):
    """Validates a `reduction` argument and returns it unchanged."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`: expected one of "
            f"{list(REDUCTIONS)}, but received reduction={reduction!r}. Use "
            "'sum_over_batch_size' (the default) to average over all loss values."
        )
    return reduction


def _align_weights(weights, values):
    """Makes `weights` broadcast against `values` the way users mean it.

    First the Keras rule (squeeze/expand a trailing 1). Then, where the weights
    still have lower rank and match the leading dims of `values` (per-sample
    weights for per-timestep losses), they are extended with trailing unit dims.
    Keras would broadcast such weights against the trailing dims instead, which
    fails or, when the sizes happen to agree, silently weights the wrong axis.
    """
    values, weights = squeeze_or_expand_to_same_rank(values, weights)
    extra = values.dim() - weights.dim()
    if extra > 0 and tuple(weights.shape) == tuple(values.shape[: weights.dim()]):
        weights = weights.reshape(tuple(weights.shape) + (1,) * extra)
    return values, weights


def apply_mask(sample_weight, mask, dtype, reduction):
    """Merges a boolean mask into the sample weights (Keras `apply_mask`).

    For the mean reductions the valid entries are re-weighted by `total / valid`,
    so that summing and dividing by the total count averages over valid entries.
    """
    if mask is None:
        return sample_weight
    mask = mask.to(dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        total = mask.numel()
        valid = mask.sum()
        mask = mask * divide_no_nan(torch.full_like(valid, total), valid)
    if sample_weight is None:
        return mask
    sample_weight = as_tensor(sample_weight, dtype=dtype, device=mask.device)
    mask, sample_weight = _align_weights(sample_weight, mask)
    return sample_weight * mask


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduces (already weighted) loss values to a scalar per `reduction`."""
    ndim = values.dim()
    if reduction is None or reduction == "none" or ndim == 0 or (ndim == 1 and values.shape[0] == 0):
        return values
    loss = values.sum()
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            loss = divide_no_nan(loss, sample_weight.sum().to(loss.dtype))
        elif values.numel() > 0:
            loss = loss / values.numel()
    return loss


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size", dtype=None):
    """Applies mask and sample weights to per-sample loss values, then reduces.

    Args:
        values: per-sample (or per-element) loss tensor.
        sample_weight: optional weights, broadcastable per Keras rules; per-sample
            weights of shape `(batch,)` also weight losses of shape `(batch, T)`.
        mask: optional boolean mask of valid entries.
        reduction: one of `REDUCTIONS`.
        dtype: dtype to compute in; defaults to the dtype of `values`.

    Returns:
        The reduced loss (a 0-d tensor), or the weighted values for `"none"`.
    """
    reduction = standardize_reduction(reduction)
    values = as_tensor(values, dtype=dtype)
    dtype = values.dtype
    if sample_weight is not None:
        sample_weight = as_tensor(sample_weight, dtype=dtype, device=values.device)
    sample_weight = apply_mask(sample_weight, mask, dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = _align_weights(sample_weight.to(dtype), values)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


def _convert(x, dtype, device=None, keep_integer=False):
    """Converts a loss input, keeping `_keras_logits` / `_keras_mask` attached."""
    if isinstance(x, (list, tuple)) and x and isinstance(x[0], (torch.Tensor, dict)):
        return type(x)(_convert(v, dtype, device, keep_integer) for v in x)
    if isinstance(x, dict):
        return {k: _convert(v, dtype, device, keep_integer) for k, v in x.items()}
    t = as_tensor(x, device=device)
    if keep_integer and not t.is_floating_point():
        return t
    if t.dtype == dtype:
        return t
    out = t.to(dtype)
    for attr in ("_keras_logits", "_keras_mask"):
        value = getattr(t, attr, None)
        if value is not None:
            setattr(out, attr, value.to(dtype) if attr == "_keras_logits" else value)
    return out


class Loss:
    """Loss base class.

    Subclasses implement `call(y_true, y_pred)`, returning per-sample loss values;
    `__call__` converts the inputs, applies masks and sample weights and reduces.

    Args:
        name: optional name of the loss; defaults to the snake_case class name.
        reduction: `"sum_over_batch_size"` (default: sum divided by the number of
            loss values), `"sum"`, `"mean"` (same as the default),
            `"mean_with_sample_weight"` (sum divided by the sum of the sample
            weights), or `"none"` / `None` (no reduction).
        dtype: dtype of the computation; defaults to torch's default float dtype
            (float32, as Keras `floatx()`).

    Example:
        >>> class MeanSquaredError(Loss):
        ...     def call(self, y_true, y_pred):
        ...         return ((y_pred - y_true) ** 2).mean(dim=-1)
        >>> MeanSquaredError()(torch.zeros(2, 3), torch.ones(2, 3))
        tensor(1.)
    """

    # Sparse crossentropy keeps integer labels as integers instead of the Keras
    # cast-to-float-and-back, which is lossy above 2**24 classes.
    _keeps_integer_labels = False
    _fused_mean = None  # see LossFunctionWrapper

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or _to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = resolve_dtype(dtype)

    @property
    def dtype(self):
        """The compute dtype as a string, e.g. `"float32"`."""
        return dtype_name(self._dtype)

    def _compute_dtype(self):
        return self._dtype or torch.get_default_dtype()

    def __call__(self, y_true, y_pred, sample_weight=None):
        dtype = self._compute_dtype()
        in_mask = getattr(y_pred, "_keras_mask", None)
        # The training step's case, tensors already in the right dtype and on one
        # device, skips the generic conversions (which would return them as is).
        if not (isinstance(y_pred, torch.Tensor) and isinstance(y_true, torch.Tensor)
                and y_pred.dtype == dtype and y_true.device == y_pred.device
                and (y_true.dtype == dtype or (self._keeps_integer_labels and not y_true.is_floating_point()))):
            y_pred = _convert(y_pred, dtype)
            device = y_pred.device if isinstance(y_pred, torch.Tensor) else None
            y_true = _convert(y_true, dtype, device, keep_integer=self._keeps_integer_labels)
        if self._fused_mean is not None and sample_weight is None and in_mask is None \
                and self.reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
            value = self._fused_mean(y_true, y_pred)
            if value is not None:
                return value
        losses = self.call(y_true, y_pred)
        out_mask = getattr(losses, "_keras_mask", None)
        if in_mask is not None and out_mask is not None:
            mask = in_mask & out_mask
        else:
            mask = in_mask if in_mask is not None else out_mask
        if sample_weight is None and mask is None:
            # Fast path: the common training step has neither; one fused mean
            # (sum / count, the Keras reduction) instead of sum then divide.
            if self.reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight") \
                    and isinstance(losses, torch.Tensor) and losses.numel() > 0:
                return losses.mean()
            return reduce_values(as_tensor(losses, dtype=dtype), None, self.reduction)
        return reduce_weighted_values(losses, sample_weight, mask, self.reduction, dtype)

    def call(self, y_true, y_pred):
        """Returns per-sample loss values; implemented by subclasses."""
        raise NotImplementedError(f"{type(self).__name__} must implement `call(y_true, y_pred)`.")

    def get_config(self):
        """Returns the constructor arguments as a JSON-friendly dict."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        """Creates a loss from the output of `get_config`."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """Wraps a function `fn(y_true, y_pred, **kwargs)` into a `Loss`.

    Args:
        fn: the per-sample loss function.
        reduction: see `Loss`.
        name: optional name; defaults to "loss_function_wrapper".
        dtype: see `Loss`.
        **kwargs: extra keyword arguments passed to `fn` on every call.

    Example:
        >>> from lamina.losses import mean_absolute_error
        >>> mae = LossFunctionWrapper(mean_absolute_error, name="mae")
        >>> mae(torch.zeros(2, 3), torch.ones(2, 3))
        tensor(1.)
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if not callable(fn):
            raise ValueError(
                f"Argument `fn` of LossFunctionWrapper must be a callable "
                f"`fn(y_true, y_pred)`, but received fn={fn!r}."
            )
        self.fn = fn
        self._fn_kwargs = kwargs
        # Functions taking integer class ids (sparse crossentropy, as resolved from
        # `compile(loss="sparse_categorical_crossentropy")`) handle the label rank and
        # dtype themselves: keeping the labels integer saves a float round trip
        # and a reshape per step, with identical values.
        self._same_rank = not getattr(fn, "_takes_class_ids", False)
        # A function may offer its unweighted mean as one fused kernel (`fn._mean_fn`,
        # returning None where it does not apply); `Loss.__call__` then skips the
        # per-sample values and the separate mean.
        mean_fn = getattr(fn, "_mean_fn", None)
        self._fused_mean = functools.partial(mean_fn, **kwargs) if mean_fn is not None else None
        if not self._same_rank:
            self._keeps_integer_labels = True

    def call(self, y_true, y_pred):
        if self._same_rank and isinstance(y_true, torch.Tensor) and isinstance(y_pred, torch.Tensor):
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        from lamina.losses._serialization import serialize_object

        config = super().get_config()
        config["fn"] = serialize_object(self.fn, "keras.losses")
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config and not callable(config["fn"]):
            from lamina.losses import deserialize

            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({getattr(self.fn, '__name__', self.fn)}, kwargs={self._fn_kwargs})>"
