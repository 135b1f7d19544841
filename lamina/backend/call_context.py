"""The state a layer call can see from the calls around it.

A plain module-level object (not a thread-local) so that `torch.compile` can trace
reads and writes of it without graph breaks.
"""


class CallContext:
    """Mutable, process-wide call state.

    Attributes:
        training: the `training` value of the innermost enclosing layer call, or
            `None` outside any call. Inner layers inherit it when not given one
            explicitly; this is how a `Dropout` deep inside a subclassed model
            learns about `model(x, training=True)` even when an intermediate `call`
            forgot to forward `training=training`.
        masking: becomes True the first time any layer produces a mask eagerly;
            until then layers skip all mask bookkeeping (keeps the hot path lean).
        trace_batch_size: while shape inference traces a layer on shape-only
            tensors, the stand-in value used for the unknown batch dimension (so
            layers built during the trace record `None` there); else `None`.
    """

    __slots__ = ("training", "training_is_default", "masking", "trace_batch_size")

    def __init__(self):
        self.training = None
        # True while `training` came from a container's default mode rather than from a value
        # anyone passed: layers whose `call` declares `training=True` then keep their default.
        self.training_is_default = False
        self.masking = False
        self.trace_batch_size = None


CALL_CONTEXT = CallContext()
