"""Reduction metrics: `Sum`, `Mean` and `MeanMetricWrapper`."""

import torch

from lamina.losses._serialization import serialize_object
from lamina.losses._tensor_utils import as_tensor, divide_no_nan, squeeze_or_expand_to_same_rank
from lamina.losses.loss import apply_mask
from lamina.metrics.metric import Metric

__all__ = ["Mean", "MeanMetricWrapper", "Sum", "reduce_to_samplewise_values"]


def _reduce(fn, x, dims):
    return fn(x, dim=dims) if dims else x


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Reduces `values` to one value per sample, applying `sample_weight`.

    Follows Keras: weights are squeezed/expanded to the values' rank, values are
    reduced (with `reduce_fn`) down to the weights' rank, multiplied by the
    broadcast weights, and everything past the batch axis is reduced.

    Returns:
        `(values, sample_weight)`, both per-sample (or 0-d).
    """
    mask = getattr(values, "_keras_mask", None)
    values = as_tensor(values)
    values = values.to(dtype) if values.dtype != dtype else values
    if sample_weight is not None:
        sample_weight = as_tensor(sample_weight, dtype=dtype, device=values.device)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, dtype=dtype, reduction="sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        w_ndim, v_ndim = sample_weight.dim(), values.dim()
        if v_ndim > w_ndim:
            values = _reduce(reduce_fn, values, tuple(range(w_ndim, v_ndim)))
        sample_weight = torch.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if w_ndim > 1:
            sample_weight = _reduce(reduce_fn, sample_weight, tuple(range(1, w_ndim)))
    if values.dim() > 1:
        values = _reduce(reduce_fn, values, tuple(range(1, values.dim())))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the given values.

    Args:
        name: defaults to "sum".
        dtype: see `Metric`.

    Example:
        >>> m = Sum()
        >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
        >>> m.result()
        tensor(4.)
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = self._prepare(values, sample_weight)
        values, _ = reduce_to_samplewise_values(values, sample_weight, torch.sum, self._dtype)
        self.total.add_(values.sum())

    def result(self):
        return self.total.clone()


class Mean(Metric):
    """The (weighted) mean of the given values: `total / count`.

    Args:
        name: defaults to "mean".
        dtype: see `Metric`.

    Example:
        >>> m = Mean()
        >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
        >>> m.result()
        tensor(2.)
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = self._prepare(values, sample_weight)
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, torch.mean, self._dtype)
        self.total.add_(values.sum())
        if sample_weight is not None:
            self.count.add_(sample_weight.sum())
        else:
            self.count.add_(values.shape[0] if values.dim() >= 1 else 1)

    def result(self):
        return divide_no_nan(self.total, self.count)


def _is_keras_loss(fn):
    from lamina import losses

    known = getattr(losses, "ALL_OBJECTS", ())
    try:
        return fn in known or type(fn) in known
    except TypeError:  # unhashable callables
        return False


class MeanMetricWrapper(Mean):
    """Averages a per-sample function `fn(y_true, y_pred, **kwargs)` over samples.

    Args:
        fn: the metric (or loss) function; it returns per-sample values.
        name: defaults to "mean_metric_wrapper".
        dtype: see `Metric`.
        **kwargs: keyword arguments passed to `fn`.

    Example:
        >>> from lamina.losses import mean_squared_error
        >>> m = MeanMetricWrapper(mean_squared_error, name="mse")
        >>> m.update_state([[0., 1.]], [[1., 1.]])
        >>> m.result()
        tensor(0.5000)
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        if not callable(fn):
            raise ValueError(
                f"Argument `fn` of MeanMetricWrapper must be a callable "
                f"`fn(y_true, y_pred)`, but received fn={fn!r}."
            )
        self._fn = fn
        self._fn_kwargs = kwargs
        if _is_keras_loss(fn):
            # A wrapped loss is minimized (Keras's direction, read by callbacks in mode="auto").
            self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, "_keras_mask", None)
        if (sample_weight is None and mask is None and isinstance(y_pred, torch.Tensor)
                and isinstance(y_true, torch.Tensor) and y_pred.device == self._device == y_true.device):
            # The per-step case of `fit`: no weights, tensors already on the state's
            # device. Same sums as the general path, without its conversions.
            count_correct = getattr(self._fn, "_count_correct", None)
            if count_correct is not None and not self._fn_kwargs:
                correct = count_correct(y_true, y_pred)
                if correct is not None:
                    self.total.add_(correct)
                    self.count.add_(y_true.shape[0])
                    return
            values = self._fn(y_true, y_pred, **self._fn_kwargs)
            if values.dim() == 1 and values.dtype == self._dtype:
                self.total.add_(values.sum())
                self.count.add_(values.shape[0])
                return
            super().update_state(values)
            return
        y_true, y_pred, sample_weight = self._prepare(y_true, y_pred, sample_weight)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        sample_weight = apply_mask(sample_weight, mask, dtype=self._dtype, reduction="sum")
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = {**super().get_config(), "fn": serialize_object(self._fn, "keras.metrics")}
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config and not callable(config["fn"]):
            from lamina.metrics import deserialize

            config["fn"] = deserialize(config["fn"])
        return cls(**config)
