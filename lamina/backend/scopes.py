"""Keras's top-level scopes on torch: `device`, `name_scope`, `StatelessScope`, `SymbolicScope`.

- `device("gpu:0")` places new tensors (weights built, random draws, factory calls) on that
  device for the duration of a `with` block, as Keras's device scope does (torch's default
  device context; Keras's `"gpu"` is torch's `"cuda"`).
- `name_scope(name)` keeps Keras's stack of names (`current_name_scope()` joins it with "/").
  lamina names weights after their layers, so the scope does not rename them.
- `StatelessScope(state_mapping)` runs code with weights temporarily holding other values and
  restores them on exit: values assigned inside are read with `get_current_value`.
- `SymbolicScope()` marks code as symbolic (`in_symbolic_scope()`); lamina's symbolic calls
  happen on `KerasTensor`s whatever the scope, so it changes nothing else.
"""

import re
import threading

import torch

__all__ = ["device", "name_scope", "current_name_scope", "StatelessScope", "SymbolicScope",
           "in_stateless_scope", "in_symbolic_scope"]

_LOCAL = threading.local()


def _stack(key):
    stack = getattr(_LOCAL, key, None)
    if stack is None:
        stack = []
        setattr(_LOCAL, key, stack)
    return stack


def device(device_name):
    """A context manager placing new tensors on `device_name` (Keras's `keras.device`).

    Args:
        device_name: `"cpu"`, `"cpu:0"`, `"gpu:0"`/`"cuda:0"`, `"mps"`, or a `torch.device`.

    Example:
        >>> with lamina.device("cpu"):
        ...     x = lamina.random.normal((2, 2))
    """
    if isinstance(device_name, torch.device):
        return device_name
    if not isinstance(device_name, str):
        raise ValueError(
            f"lamina.device: expected a device name such as 'cpu', 'gpu:0' or 'cuda:0', or a torch.device. "
            f"Received: {device_name!r}."
        )
    name = device_name.lower().replace("/device:", "")
    name = re.sub(r"^gpu", "cuda", name)
    try:
        return torch.device(name)
    except RuntimeError:
        raise ValueError(
            f"lamina.device: invalid device name {device_name!r}. Expected e.g. 'cpu', 'gpu:0' or 'cuda:0'."
        ) from None


class name_scope:  # noqa: N801 - Keras's spelling
    """A named scope, as Keras's `keras.name_scope` (a context manager).

    Args:
        name: the scope's name (a non-empty string).
        caller: accepted (Keras passes the creating layer).
        deduplicate: if True (default), re-entering the scope that is already innermost does
            not nest it twice.
        override_parent: a full path replacing the enclosing scopes.

    Example:
        >>> with lamina.name_scope("block"):
        ...     lamina.backend.scopes.current_name_scope()
        'block'
    """

    def __init__(self, name, **kwargs):
        if not isinstance(name, str) or not name:
            raise ValueError(f"name_scope: `name` must be a non-empty string. Received: name={name!r}.")
        unknown = set(kwargs) - {"caller", "deduplicate", "override_parent"}
        if unknown:
            raise TypeError(f"name_scope: unexpected keyword arguments {sorted(unknown)}.")
        self.name = name
        self.caller = kwargs.get("caller")
        self.deduplicate = kwargs.get("deduplicate", True)
        self.override_parent = kwargs.get("override_parent")
        self._pushed = False
        self._saved = None

    def __enter__(self):
        stack = _stack("names")
        if self.override_parent is not None:
            self._saved = list(stack)
            stack[:] = [p for p in self.override_parent.split("/") if p]
        if not (self.deduplicate and stack and stack[-1] == self.name):
            stack.append(self.name)
            self._pushed = True
        return self

    def __exit__(self, *exc):
        stack = _stack("names")
        if self._pushed:
            stack.pop()
            self._pushed = False
        if self._saved is not None:
            stack[:] = self._saved
            self._saved = None
        return False


def current_name_scope() -> str:
    """The enclosing `name_scope` names joined by "/" ("" outside any scope)."""
    return "/".join(_stack("names"))


class StatelessScope:
    """Runs code with weights temporarily set to given values, as Keras's `StatelessScope`.

    Inside the scope each weight in `state_mapping` holds its mapped value; assignments made
    inside are visible through `get_current_value`; on exit every weight gets its previous value
    back, so the scope leaves no state behind.

    Args:
        state_mapping: pairs `(weight, value)` (weights are lamina `Variable`s / torch parameters
            or buffers; values array-like, in the weight's Keras layout).
        collect_losses: if True, losses added with `add_loss` inside are kept in `losses`.
        initialize_variables: accepted (lamina creates weights with values at once).

    Example:
        >>> dense = lamina.layers.Dense(2); dense.build((None, 3))
        >>> zeros = [(w, np.zeros(w.numpy().shape)) for w in dense.weights]
        >>> with lamina.StatelessScope(state_mapping=zeros):
        ...     y = dense(torch.ones(1, 3))   # all zeros; dense keeps its weights afterwards
    """

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        self.state_mapping = list(state_mapping or [])
        for pair in self.state_mapping:
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(pair[0], torch.Tensor)):
                raise ValueError(
                    "StatelessScope: `state_mapping` must be a list of (weight, value) pairs whose first "
                    f"item is a weight (a torch tensor / lamina Variable). Received the item {pair!r}."
                )
        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses = []
        self._saved = []

    def __enter__(self):
        with torch.no_grad():
            for weight, value in self.state_mapping:
                self._saved.append((weight, weight.detach().clone()))
                _assign(weight, value)
        _stack("stateless").append(self)
        return self

    def get_current_value(self, variable):
        """The value `variable` holds now, inside the scope (a detached copy in Keras layout)."""
        view = variable.keras_view(variable.detach()) if hasattr(variable, "keras_view") else variable.detach()
        return view.clone()

    def add_loss(self, loss):
        if self.collect_losses:
            self.losses.append(loss)

    def __exit__(self, *exc):
        _stack("stateless").pop()
        with torch.no_grad():
            for weight, value in reversed(self._saved):
                weight.copy_(value)
        self._saved = []
        return False


def _assign(weight, value):
    if hasattr(weight, "assign"):
        weight.assign(value)
        return
    value = value if isinstance(value, torch.Tensor) else torch.as_tensor(value)
    if tuple(value.shape) != tuple(weight.shape):
        raise ValueError(
            f"StatelessScope: a value of shape {tuple(value.shape)} cannot replace a weight of shape "
            f"{tuple(weight.shape)}."
        )
    weight.copy_(value.to(dtype=weight.dtype, device=weight.device))


def in_stateless_scope() -> bool:
    return bool(_stack("stateless"))


class SymbolicScope:
    """Marks a block as symbolic (Keras's `SymbolicScope`); see `in_symbolic_scope()`."""

    def __enter__(self):
        _stack("symbolic").append(self)
        return self

    def __exit__(self, *exc):
        _stack("symbolic").pop()
        return False


def in_symbolic_scope() -> bool:
    return bool(_stack("symbolic"))
