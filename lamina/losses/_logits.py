"""Finding the logits behind a probability tensor, for stable crossentropy.

lamina's `sigmoid` / `softmax` activations attach, in eager mode, the tensor they
were applied to as `y_pred._keras_logits`, and name themselves in
`y_pred._keras_activation` (`"sigmoid"` or `"softmax"`, the latter with its axis
in `y_pred._keras_activation_axis`, default -1). Crossentropy then works from the
logits with `log_softmax` / BCE-with-logits instead of clipping probabilities,
which keeps the loss and its gradient finite when a probability saturates.
"""

import warnings

__all__ = ["stable_logits", "warn_from_logits_on_probabilities"]

_warned = set()


def warn_from_logits_on_probabilities(y_pred, loss_name):
    """Warns once when `from_logits=True` is given the output of an activation."""
    if getattr(y_pred, "_keras_logits", None) is not None and loss_name not in _warned:
        _warned.add(loss_name)
        warnings.warn(
            f"`{loss_name}` received `from_logits=True`, but `y_pred` is the output "
            f"of a {getattr(y_pred, '_keras_activation', 'sigmoid/softmax')} "
            "activation, so it holds probabilities, not logits. Was this intended? "
            "Use `from_logits=False`, or remove the activation from the last layer.",
            stacklevel=3,
        )


def stable_logits(y_pred, activation, axis=-1):
    """Returns the logits attached to `y_pred` if they match `activation`.

    Args:
        y_pred: the probability tensor given to the loss.
        activation: `"sigmoid"` (binary crossentropy) or `"softmax"` (categorical).
        axis: the class axis of a categorical loss.

    Returns:
        The logits tensor, in `y_pred`'s dtype, or `None` when there are none or
        they cannot be proven to be the logits of `activation` over `axis`.
    """
    logits = getattr(y_pred, "_keras_logits", None)
    if logits is None or logits.shape != y_pred.shape:
        return None
    ndim = y_pred.dim()
    if ndim == 0:
        return None
    act = getattr(y_pred, "_keras_activation", None)
    if act is None:
        # Without the activation's name only the unambiguous cases are trusted:
        # a single unit cannot be a softmax, and a multi-unit last axis with a
        # last-axis loss is the `Dense(C, activation="softmax")` case.
        if y_pred.shape[-1] == 1:
            act, act_axis = "sigmoid", -1
        elif activation == "softmax":
            act, act_axis = "softmax", -1
        else:
            return None
    else:
        act_axis = getattr(y_pred, "_keras_activation_axis", -1)
    if act != activation:
        return None
    if activation == "softmax" and (act_axis % ndim) != (axis % ndim):
        return None
    return logits if logits.dtype == y_pred.dtype else logits.to(y_pred.dtype)
