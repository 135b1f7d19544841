"""`lamina.ops`: Keras 3's `keras.ops` on PyTorch.

`from lamina import ops` (or `from keras import ops` after `import lamina as keras`) gives every
public function of Keras 3.15's `keras.ops`: the NumPy-style functions (`ops.numpy`), the neural
network functions (`ops.nn`), linear algebra (`ops.linalg`), `keras.src.ops.math` (`top_k`,
`segment_sum`, `stft`, ...), the core and control-flow functions (`cast`, `shape`, `cond`,
`while_loop`, `scan`, `vectorized_map`, `custom_gradient`, ...) and `rearrange`, at the top level
as in Keras; image functions live in `ops.image` only, as in Keras.

Each function takes torch tensors, NumPy arrays or Python numbers and returns torch tensors on the
input's device with Keras's dtype rules. Called on `keras.Input` tensors it records one graph node,
saved in `.keras` files as Keras saves its ops (see `lamina/ops/_op.py`). The reference page
`docs/ops.md` lists every op with its NumPy/torch equivalent.
"""

from lamina.ops import core, einops, image, linalg, math, nn, numpy
from lamina.ops.core import *  # noqa: F401,F403
from lamina.ops.einops import *  # noqa: F401,F403
from lamina.ops.linalg import *  # noqa: F401,F403
from lamina.ops.math import *  # noqa: F401,F403
from lamina.ops.nn import *  # noqa: F401,F403
from lamina.ops.numpy import *  # noqa: F401,F403

# The top level, as Keras's: numpy, nn, math, core, linalg and einops functions (not image).
__all__ = sorted(set(numpy.__all__) | set(nn.__all__) | set(math.__all__) | set(core.__all__)
                 | set(linalg.__all__) | set(einops.__all__)) + ["numpy", "nn", "image", "linalg"]
