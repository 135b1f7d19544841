"""How callbacks write a model to disk; the one place to switch once `lamina.saving` lands."""

import os

import torch

__all__ = ["save_model", "snapshot_state", "restore_state"]


def save_model(model, filepath, weights_only=False):
    """`model.save_weights` / `model.save` when the model has them, else `torch.save` of the state_dict.

    Args:
        model: the model.
        filepath: destination (its folder is created).
        weights_only: save only the weights.
    """
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    method = getattr(model, "save_weights" if weights_only else "save", None)
    if callable(method):
        method(filepath)
        return
    torch.save(model.state_dict(), filepath)


def snapshot_state(model):
    """A detached copy of the model's state (on the model's device; no NumPy round trip)."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def restore_state(model, state):
    model.load_state_dict(state)
