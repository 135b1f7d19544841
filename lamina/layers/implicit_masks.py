"""When a layer receives its input's mask without being given one: Keras 3's rule.

Keras fills a layer's `mask` argument from the input's mask only when the call has exactly one
tensor argument (a tensor, or a non-empty list/tuple/dict of them). An RNN called as
`lstm(x, initial_state=[h, c])` has two, so Keras does not mask it, and the same model must
compute the same numbers in lamina. The output still carries the input's mask, as in Keras.
Because this surprises people (a padded decoder then runs over its padding), lamina says so once
per layer and tells how to apply the mask.
"""

import warnings

import torch

__all__ = []


def _is_tensor(value):
    from lamina.graph.keras_tensor import KerasTensor

    return isinstance(value, (torch.Tensor, KerasTensor))


def _is_tensor_argument(value):
    if _is_tensor(value):
        return True
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)) and value:
        # Keras counts a structure whose leaves are all tensors (or None).
        from lamina.utils import tree

        return all(leaf is None or _is_tensor(leaf) for leaf in tree.flatten(value))
    return False


def receives_implicit_mask(args, kwargs):
    """Whether Keras would fill `mask` for a call with these arguments (`mask` itself excluded)."""
    count = 0
    for name, value in kwargs.items():
        if name != "mask" and _is_tensor_argument(value):
            count += 1
    for value in args:
        if _is_tensor_argument(value):
            count += 1
    return count <= 1


def warn_mask_not_applied(layer, kwargs):
    """Warns once per layer that its input's mask is not applied to this multi-tensor call."""
    if layer.__dict__.get("_warned_mask_not_applied"):
        return
    layer.__dict__["_warned_mask_not_applied"] = True
    others = [name for name, value in kwargs.items() if name != "mask" and _is_tensor_argument(value)]
    warnings.warn(
        f"{type(layer).__name__} layer '{layer.name}' was called with more than one tensor argument "
        f"(the input and {', '.join(f'`{n}`' for n in others) or 'others'}), so its input's mask is not "
        f"applied to it: Keras 3 fills `mask` only for single-tensor calls, and lamina computes what "
        f"Keras computes. Pass `mask=` explicitly to apply it (e.g. `mask=tokens != 0`).",
        UserWarning, stacklevel=4)
