"""`lamina.random`: Keras 3's `keras.random` on torch generators.

`seed` may be None (torch's global generator: repeatable after
`lamina.utils.set_random_seed`), an int (the same draw on every call) or a
`SeedGenerator` (a `[seed, counter]` state advancing by one per draw; held by a layer it is a
buffer in `state_dict`). Seeded draws repeat on the same kind of device; CPU and CUDA draws of
the same seed differ (torch's generators differ), as do lamina's and Keras's.

These functions are eager: they need concrete shapes and tensors. Called with a symbolic
shape or `KerasTensor` while building a Functional model they raise an error that says to
draw inside a layer's `call` (a custom layer, `Lambda`, `GaussianNoise`, `Dropout`).
Under `torch.compile`, seeded draws use torch's global generator (a generator built from a
traced seed would break the graph).
"""

from lamina.random.distributions import beta, binomial, gamma
from lamina.random.sampling import categorical, normal, randint, truncated_normal, uniform
from lamina.random.seed_generator import SeedGenerator
from lamina.random.transforms import dropout, shuffle

__all__ = [
    "SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal", "randint",
    "shuffle", "truncated_normal", "uniform",
]
