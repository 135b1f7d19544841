"""`SeedGenerator` and the rule that turns a `seed=` argument into a torch random source.

Keras's three kinds of `seed=`:

- `None`: torch's global generator of the target device (what `torch.manual_seed` and
  `lamina.utils.set_random_seed` seed), so unseeded draws repeat when the run is seeded.
- an `int`: a fresh generator seeded from that int, so every call with the same int gives
  the same draw (Keras's stateless int seeds).
- a `SeedGenerator`: a `[seed, counter]` state whose counter advances by one per draw, so
  successive draws differ but the whole sequence repeats from the same seed.

A `SeedGenerator` assigned as an attribute of a lamina `Layer` becomes that layer's state:
its `[seed, counter]` tensor is registered as a buffer named `<attribute>_state` (so it is in
`state_dict`, moves with `.to(device)` and is restored by `load_state_dict`). Keras 3 does not
write seed-generator state into `.keras` files (its `Dropout`/`GaussianNoise` groups hold no
variables), so lamina does not either: files stay loadable both ways.
"""

import numbers
import random as _py_random

import torch

from lamina.backend.call_context import CALL_CONTEXT

__all__ = ["SeedGenerator", "draw_generator", "draw_seed", "make_default_seed"]

_MASK64 = (1 << 64) - 1


def make_default_seed() -> int:
    """A seed from Python's `random` (as Keras does), so `set_random_seed` makes it repeat."""
    return _py_random.randint(1, int(1e9))


def _mix(seed: int, counter: int) -> int:
    """One 63-bit torch seed from `(seed, counter)` (splitmix64), so neighbouring states differ
    in every bit; `SeedGenerator(0)`'s second draw is not `SeedGenerator(1)`'s first."""
    z = ((seed & _MASK64) * 0x9E3779B97F4A7C15 + (counter & _MASK64) + 0x632BE59BD9B4E019) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return (z ^ (z >> 31)) & ((1 << 63) - 1)


class SeedGenerator:
    """A stateful source of seeds for `lamina.random` functions.

    Each draw that receives the generator as `seed=` uses the current `[seed, counter]`
    state and then advances the counter, so consecutive draws differ while the sequence
    repeats for the same initial seed. Held by a `Layer` (as an attribute), the state is a
    buffer of that layer named `<attribute>_state`: in `state_dict`, on the layer's device.

    Args:
        seed: initial int seed; `None` picks one from Python's `random` (repeatable after
            `lamina.utils.set_random_seed`).
        name: optional name (Keras's `seed_generator`, `seed_generator_1`, ...).

    Example:
        >>> gen = SeedGenerator(seed=42)
        >>> a = lamina.random.normal((2, 3), seed=gen)
        >>> b = lamina.random.normal((2, 3), seed=gen)   # differs from a
        >>> class Noisy(lamina.layers.Layer):
        ...     def __init__(self, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.seed_generator = SeedGenerator(1337)   # buffer 'seed_generator_state'
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)  # Keras accepts a backend name; there is only torch here
        if kwargs:
            raise ValueError(f"SeedGenerator: unrecognized keyword arguments: {sorted(kwargs)}.")
        if name is None:
            from lamina.backend.naming import unique_name

            name = unique_name("seed_generator")
        self.name = name
        self._initial_seed = seed
        if seed is None:
            seed = make_default_seed()
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise ValueError(
                f"SeedGenerator: argument `seed` must be an integer or None. Received: seed={seed!r} "
                f"(of type {type(seed).__name__})."
            )
        self._own_state = torch.tensor([int(seed), 0], dtype=torch.int64)
        self._owner = None  # (layer, buffer name) once assigned to a layer
        self._cache = None  # (tensor id, tensor version, (seed, counter)): avoids a device sync per draw

    # ------------------------------------------------------------------ state

    @property
    def state(self) -> torch.Tensor:
        """The `[seed, counter]` int64 tensor (the owning layer's buffer once attached)."""
        if self._owner is not None:
            layer, buffer_name = self._owner
            return layer._buffers[buffer_name]
        return self._own_state

    def _attach(self, layer, attribute: str) -> None:
        """Called by `Layer.__setattr__`: the state becomes the buffer `<attribute>_state`."""
        if self._owner is not None:
            return  # shared generator: the first owner keeps the state
        buffer_name = f"{attribute}_state"
        layer.register_buffer(buffer_name, self._own_state.to(_layer_device(layer)))
        self._owner = (layer, buffer_name)
        self._own_state = None

    def _read(self):
        state = self.state
        key = (id(state), state._version)
        if self._cache is None or self._cache[:2] != key:
            seed, counter = (int(v) for v in state.tolist())
            self._cache = (*key, (seed, counter))
        return self._cache[2]

    def next(self, ordered=True):
        """The current `[seed, counter]` (a new tensor); then advances the state.

        Args:
            ordered: `True` (the default) adds one to the counter; `False` scrambles the
                state instead (Keras's rule for its global generator).
        """
        seed, counter = self._read()
        state = self.state
        current = state.clone()
        with torch.no_grad():
            if ordered:
                state[1:].add_(1)
                new = (seed, counter + 1)
            else:
                new = tuple(((v + 1) * 5387) % 933199 for v in (seed, counter))
                state.copy_(torch.tensor(new, dtype=state.dtype))
        self._cache = (id(state), state._version, new)
        return current

    def _next_torch_seed(self) -> int:
        seed, counter = self._read()
        self.next()
        return _mix(seed, counter)

    @property
    def device(self) -> torch.device:
        return self.state.device

    # ------------------------------------------------------------------ config

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        seed, counter = self._read()
        return f"<SeedGenerator name={self.name}, seed={seed}, counter={counter}>"

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_cache"] = None
        return state


def _layer_device(layer) -> torch.device:
    for tensor in layer.parameters():
        return tensor.device
    for tensor in layer.buffers():
        return tensor.device
    return torch.get_default_device()


def draw_seed(seed):
    """Keras's `draw_seed`: the `[seed, counter]` int64 tensor a draw with `seed=` uses."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return torch.tensor([make_default_seed(), 0], dtype=torch.int64)
    _check_seed(seed, "draw_seed")
    return torch.tensor([int(seed), 0], dtype=torch.int64)


def _check_seed(seed, fn_name):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(
            f"lamina.random.{fn_name}: argument `seed` must be None, an int or a "
            f"lamina.random.SeedGenerator. Received: seed={seed!r} (of type {type(seed).__name__})."
        )


def draw_generator(seed, device, fn_name="random"):
    """The `torch.Generator` a draw with `seed=` uses on `device` (None: torch's global one).

    Under `torch.compile` a generator cannot be made from a traced state without a graph
    break, so compiled code draws from the global generator (seeded by
    `lamina.utils.set_random_seed`) whatever `seed` is. A shape-inference trace (fake tensors)
    neither builds a generator nor advances a `SeedGenerator`.
    """
    if seed is None:
        return None
    if not isinstance(seed, SeedGenerator):
        _check_seed(seed, fn_name)
    if torch.compiler.is_compiling() or CALL_CONTEXT.trace_batch_size is not None:
        return None  # compiled code, or a shape-inference trace on fake tensors (no real draw)
    torch_seed = seed._next_torch_seed() if isinstance(seed, SeedGenerator) else _mix(int(seed), 0)
    generator = torch.Generator(device=device)
    generator.manual_seed(torch_seed)
    return generator
