"""Probabilistic and hinge metrics: the losses of the same name, averaged over samples."""

from lamina.losses.hinge import categorical_hinge, hinge, squared_hinge
from lamina.losses.probabilistic import (
    binary_crossentropy,
    categorical_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from lamina.metrics.reduction import MeanMetricWrapper

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "Hinge",
    "KLDivergence",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
]


class _LossMetric(MeanMetricWrapper):
    """A loss function averaged over samples; config is name, dtype and `_args`."""

    _direction = "down"  # Keras: callbacks in mode="auto" minimize it

    _loss_fn = None
    _args = ()

    def __init__(self, name, dtype, **kwargs):
        super().__init__(fn=type(self)._loss_fn, name=name, dtype=dtype, **kwargs)
        for key in self._args:
            setattr(self, key, kwargs[key])

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype}
        config.update({key: getattr(self, key) for key in self._args})
        return config


class BinaryCrossentropy(_LossMetric):
    """Mean binary crossentropy.

    Args:
        name: defaults to "binary_crossentropy".
        dtype: see `Metric`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1].

    Example:
        >>> m = BinaryCrossentropy()
        >>> m.update_state([[0., 1.]], [[0.4, 0.6]])
        >>> m.result()
        tensor(0.5108)
    """

    _loss_fn = staticmethod(binary_crossentropy)
    _args = ("from_logits", "label_smoothing")

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(_LossMetric):
    """Mean categorical crossentropy.

    Args:
        name: defaults to "categorical_crossentropy".
        dtype: see `Metric`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1].
        axis: the class axis. Defaults to -1.

    Example:
        >>> m = CategoricalCrossentropy()
        >>> m.update_state([[0., 1.]], [[0.2, 0.8]])
        >>> m.result()
        tensor(0.2231)
    """

    _loss_fn = staticmethod(categorical_crossentropy)
    _args = ("from_logits", "label_smoothing", "axis")

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0,
                 axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_LossMetric):
    """Mean sparse categorical crossentropy.

    Args:
        name: defaults to "sparse_categorical_crossentropy".
        dtype: see `Metric`.
        from_logits: whether `y_pred` holds logits.
        ignore_class: optional integer class id whose entries of `y_true` are
            left out of the mean (e.g. a "void" label in segmentation).
            Defaults to None.
        axis: the class axis. Defaults to -1.

    Example:
        >>> m = SparseCategoricalCrossentropy()
        >>> m.update_state([1], [[0.2, 0.8]])
        >>> m.result()
        tensor(0.2231)
    """

    _loss_fn = staticmethod(sparse_categorical_crossentropy)
    _args = ("from_logits", "ignore_class", "axis")

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, ignore_class=None,
                 axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits, ignore_class=ignore_class, axis=axis)


class KLDivergence(_LossMetric):
    """Mean Kullback-Leibler divergence.

    Example:
        >>> m = KLDivergence()
        >>> m.update_state([[0.5, 0.5]], [[0.9, 0.1]])
        >>> m.result()
        tensor(0.5108)
    """

    _loss_fn = staticmethod(kl_divergence)

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(name=name, dtype=dtype)


class Poisson(_LossMetric):
    """Mean Poisson loss.

    Example:
        >>> m = Poisson()
        >>> m.update_state([[1.0, 2.0]], [[1.0, 2.0]])
        >>> m.result()
        tensor(0.8069)
    """

    _loss_fn = staticmethod(poisson)

    def __init__(self, name="poisson", dtype=None):
        super().__init__(name=name, dtype=dtype)


class Hinge(_LossMetric):
    """Mean hinge loss.

    Example:
        >>> m = Hinge()
        >>> m.update_state([[-1., 1.]], [[0.5, 0.5]])
        >>> m.result()
        tensor(1.)
    """

    _loss_fn = staticmethod(hinge)

    def __init__(self, name="hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


class SquaredHinge(_LossMetric):
    """Mean squared hinge loss.

    Example:
        >>> m = SquaredHinge()
        >>> m.update_state([[-1., 1.]], [[0.5, 0.5]])
        >>> m.result()
        tensor(1.2500)
    """

    _loss_fn = staticmethod(squared_hinge)

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


class CategoricalHinge(_LossMetric):
    """Mean categorical hinge loss.

    Example:
        >>> m = CategoricalHinge()
        >>> m.update_state([[0., 1.]], [[0.3, 0.7]])
        >>> m.result()
        tensor(0.6000)
    """

    _loss_fn = staticmethod(categorical_hinge)

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)
