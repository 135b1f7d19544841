"""How much memory a file may make `load_model` allocate for weights, decided before allocating.

A config declares its weights only indirectly (`Dense(units=20000)` with a build shape of
`(None, 20000)` is 1.6 GB); the archive's weights member says how many bytes of weights the file
really holds. While a model is rebuilt from a file, every `add_weight` first charges its size here;
once the weights declared so far need more bytes than the weights member holds (plus a small
allowance), loading stops with a clear error before that weight is allocated or initialized.
Outside a load nothing is charged.
"""

import contextlib
import contextvars
import math

from lamina.saving.errors import WeightMismatchError

__all__ = ["weight_budget", "charge_weight", "SLACK_BYTES"]

# Weights a model may declare beyond the bytes its weights member holds: lamina's own bookkeeping
# values and h5 rounding, never a real layer's kernel.
SLACK_BYTES = 1 << 20

_BUDGET = contextvars.ContextVar("lamina_weight_budget", default=None)


class _Budget:
    def __init__(self, limit, where, held):
        self.limit, self.where, self.held, self.used = limit, where, held, 0


@contextlib.contextmanager
def weight_budget(held_bytes, where):
    """Within this block, weights created by `add_weight` may total at most `held_bytes` + slack.

    Args:
        held_bytes: the size of the archive's weights member (what the file can hold).
        where: the file, for the error message.
    """
    token = _BUDGET.set(_Budget(int(held_bytes) + SLACK_BYTES, where, int(held_bytes)))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def charge_weight(layer_name, weight_name, shape, itemsize):
    """Counts a weight about to be created; raises if the file cannot hold the weights declared so far.

    Called by `Layer.add_weight` before it allocates anything.
    """
    budget = _BUDGET.get()
    if budget is None:
        return
    nbytes = math.prod(int(d) for d in shape) * int(itemsize)
    budget.used += nbytes
    if budget.used > budget.limit:
        raise WeightMismatchError(
            f"The config of {budget.where} declares more weights than its weights file holds: weight "
            f"{weight_name!r} of layer {layer_name!r} with shape {tuple(shape)} ({nbytes:,} bytes) brings the "
            f"weights declared so far to {budget.used:,} bytes, but 'model.weights.h5' holds {budget.held:,} bytes. "
            f"The file is corrupt or crafted; nothing was allocated for this weight. Refusing to load it."
        )
