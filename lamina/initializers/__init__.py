"""Weight initializers with the Keras 3 names, arguments, configs and numerics.

An initializer is called with a weight shape in the Keras layout and returns a
new torch tensor: `GlorotUniform()((784, 64), dtype=torch.float32, device="cuda")`.
Every class is also available under its Keras snake_case name
(`glorot_uniform`, `he_normal`, `zeros`, ...), as in `keras.initializers`.

Example:
    >>> from lamina import initializers
    >>> initializers.get("glorot_uniform")((3, 4)).shape
    torch.Size([3, 4])
"""

from lamina.initializers.deterministic import Constant, Identity, Ones, Zeros
from lamina.initializers.fan_scaling import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    VarianceScaling,
    compute_fans,
)
from lamina.initializers.initializer import Initializer
from lamina.initializers.lookup import ALL_INITIALIZERS, deserialize, get, serialize
from lamina.initializers.orthogonal_init import Orthogonal
from lamina.initializers.random import RandomNormal, RandomUniform, TruncatedNormal
from lamina.initializers.stft import STFT, STFTInitializer, stft

# Keras exports each class under a snake_case alias too.
constant = Constant
identity = Identity
ones = Ones
zeros = Zeros
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = Orthogonal
OrthogonalInitializer = Orthogonal
IdentityInitializer = Identity

__all__ = [
    "ALL_INITIALIZERS",
    "get",
    "serialize",
    "deserialize",
    "compute_fans",
    "Initializer",
    "Constant",
    "Identity",
    "Ones",
    "Zeros",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "Orthogonal",
    "OrthogonalInitializer",
    "IdentityInitializer",
    "constant",
    "identity",
    "ones",
    "zeros",
    "random_normal",
    "random_uniform",
    "truncated_normal",
    "variance_scaling",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "orthogonal",
    "STFT",
    "STFTInitializer",
    "stft",
]
