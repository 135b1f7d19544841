"""Capture and restore every random generator a training run draws from.

`BackupAndRestore` stores this with its backup so that a resumed `fit` draws
the same shuffles and dropout masks as an uninterrupted run. The captured state
holds only tensors, ints, floats, strings and None, so it loads with
`torch.load(weights_only=True)`.
"""

import random

import numpy as np
import torch

__all__ = ["capture_rng_state", "restore_rng_state"]


def _layer_generators(model):
    """`(module index, attribute, generator)` of the layers' own generators (`Dropout(seed=...)`)."""
    if model is None:
        return []
    out = []
    for index, module in enumerate(model.modules()):
        for name, value in vars(module).items():
            if isinstance(value, torch.Generator):
                out.append((index, name, value))
    return out


def capture_rng_state(model=None):
    """The states of Python's `random`, NumPy's global generator, torch (CPU and every
    initialized CUDA device) and the seeded generators of `model`'s layers.

    Args:
        model: optional module whose layers' own generators are included.

    Returns:
        A dict of plain values and CPU tensors.

    Example:
        >>> state = capture_rng_state(model); ...; restore_rng_state(state, model)
    """
    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        "python": [version, list(internal), gauss],
        "numpy": [kind, torch.from_numpy(np.asarray(keys, dtype=np.int64)), int(pos), int(has_gauss), float(cached)],
        "torch": torch.get_rng_state(),
        # Only when CUDA is already in use: querying it would otherwise initialize it.
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else None,
        "layers": [[index, name, str(g.device), g.get_state()] for index, name, g in _layer_generators(model)],
    }
    return state


def restore_rng_state(state, model=None):
    """Puts back the generators captured by `capture_rng_state` (the inverse).

    Args:
        state: `capture_rng_state`'s output.
        model: the module whose layer generators were captured (the same architecture).
    """
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    cuda = state.get("cuda")
    if cuda is not None and torch.cuda.is_available():
        if len(cuda) != torch.cuda.device_count():
            raise ValueError(
                f"The saved random state covers {len(cuda)} CUDA device(s) but this process sees "
                f"{torch.cuda.device_count()}; resume on the same devices (or set CUDA_VISIBLE_DEVICES alike)."
            )
        torch.cuda.set_rng_state_all(cuda)
    if model is not None and state.get("layers"):
        modules = list(model.modules())
        for index, name, device, generator_state in state["layers"]:
            if index >= len(modules):
                raise ValueError(f"The saved random state names layer {index}, but the model has {len(modules)} "
                                 f"modules; it was saved from a different model.")
            generator = torch.Generator(device=device)
            generator.set_state(generator_state)
            vars(modules[index])[name] = generator
