"""Turns compile() identifiers (strings, classes, objects) into losses, metrics and optimizers.

This is the one place where the trainer meets `lamina.losses`, `lamina.metrics`
and `lamina.optimizers` (names are resolved by their `get()`); foreign objects
are wrapped by `lamina.trainers.adapters`.
"""

import torch

from lamina import losses, metrics, optimizers
from lamina.trainers import adapters

__all__ = ["get_loss", "get_metric", "get_optimizer", "loss_name", "resolve_accuracy"]

_ACCURACY_NAMES = ("accuracy", "acc")
_CROSSENTROPY = {"bce": "binary_crossentropy", "cce": "categorical_crossentropy",
                 "scce": "sparse_categorical_crossentropy"}


def get_loss(identifier):
    """A loss callable `loss(y_true, y_pred, sample_weight=None) -> scalar tensor`.

    Args:
        identifier: a name (`"mse"`, `"sparse_categorical_crossentropy"`), a Loss
            instance or class, or any callable `fn(y_true, y_pred)`.

    Example:
        >>> get_loss("mse")(torch.zeros(2, 1), torch.ones(2, 1))
        tensor(1.)
    """
    if identifier is None:
        return None
    if isinstance(identifier, type):
        identifier = identifier()
    if isinstance(identifier, str):
        identifier = _CROSSENTROPY.get(identifier, identifier)
        identifier = losses.get(identifier)
        if isinstance(identifier, type):
            identifier = identifier()
    if callable(identifier):
        if hasattr(identifier, "reduction") or _accepts_sample_weight(identifier):
            return identifier
        return adapters.wrap_loss_function(identifier)
    raise ValueError(f"Could not interpret loss identifier {identifier!r}: pass a loss name, a Loss or a callable.")


def _accepts_sample_weight(fn):
    import inspect

    try:
        return "sample_weight" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def loss_name(loss) -> str:
    """The Keras name of a resolved loss (`binary_crossentropy`, ...), for accuracy resolution."""
    name = getattr(loss, "name", None) or getattr(getattr(loss, "fn", None), "__name__", None) \
        or getattr(loss, "__name__", "") or type(loss).__name__
    return str(name).lower()


def resolve_accuracy(name, loss, y_true_shape, y_pred_shape, metric_name=None):
    """Keras's choice for `"accuracy"`: binary, sparse categorical or categorical.

    Binary when the output has one unit or the loss is binary crossentropy; sparse
    when the labels have one dimension less than the predictions (or a trailing
    1 against several classes) or the loss is the sparse one; else categorical.
    """
    lname = loss_name(loss) if loss is not None else ""
    if "binary" in lname or (y_pred_shape and y_pred_shape[-1] == 1):
        kind = "binary_accuracy"
    elif "sparse" in lname or len(y_true_shape) < len(y_pred_shape) or (
            len(y_true_shape) == len(y_pred_shape) and y_true_shape[-1] == 1):
        kind = "sparse_categorical_accuracy"
    else:
        kind = "categorical_accuracy"
    return _metric_from_name(kind, metric_name or name)


def _metric_from_name(kind, display_name):
    metric = metrics.get(kind)
    if isinstance(metric, type):
        return metric(name=display_name)
    if callable(metric) and not hasattr(metric, "update_state"):
        return adapters.FunctionMean(metric, display_name)
    metric.name = display_name
    return metric


def get_metric(identifier, loss, y_true_shape, y_pred_shape):
    """A metric object with `update_state(y_true, y_pred, sample_weight)`, `result()`, `reset_state()`."""
    if isinstance(identifier, str) and identifier.lower() in _ACCURACY_NAMES:
        return resolve_accuracy(identifier, loss, y_true_shape, y_pred_shape)
    if isinstance(identifier, type):
        identifier = identifier()
    if hasattr(identifier, "update_state"):
        return identifier
    if isinstance(identifier, str):
        return _metric_from_name(identifier, identifier)
    if callable(identifier):
        return adapters.FunctionMean(identifier, getattr(identifier, "__name__", "metric"))
    raise ValueError(f"Could not interpret metric identifier {identifier!r}.")


def get_optimizer(identifier):
    """An optimizer with `build(params)`, `step()`, `zero_grad()`, `learning_rate`, `iterations`.

    A `torch.optim.Optimizer` (already holding the parameters) is accepted as is.
    """
    if isinstance(identifier, type):
        identifier = identifier()
    if isinstance(identifier, torch.optim.Optimizer):
        return adapters.TorchOptimizer(identifier)
    if isinstance(identifier, (str, dict)):
        return optimizers.get(identifier)
    if hasattr(identifier, "step") or hasattr(identifier, "apply_gradients"):
        return identifier
    raise ValueError(f"Could not interpret optimizer identifier {identifier!r}: pass a name such as 'adam' or an optimizer.")
