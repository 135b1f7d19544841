"""Seeded random sources for the noise layers: one torch.Generator per layer and device."""

import torch

__all__ = ["SeededNoise", "check_rate"]


def check_rate(rate, owner):
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError(f"{owner}: `rate` must be a float between 0 and 1, received rate={rate!r}.")
    return float(rate)


class SeededNoise:
    """Mixin: `self._generator_for(tensor)` returns None (global RNG) or the layer's seeded generator."""

    def _generator_for(self, inputs):
        if self.seed is None:
            return None
        generator = self.__dict__.get("_seed_generator")
        if generator is None or generator.device != inputs.device:
            generator = torch.Generator(device=inputs.device)
            generator.manual_seed(int(self.seed))
            self.__dict__["_seed_generator"] = generator
        return generator

    def __getstate__(self):
        # Generators cannot be pickled; a fresh one is created (from the seed) on first use.
        state = super().__getstate__()
        state = dict(state)
        state.pop("_seed_generator", None)
        return state
