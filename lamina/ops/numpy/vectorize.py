"""`keras.ops.numpy.vectorize`: a NumPy-style `np.vectorize` on `torch.vmap`."""

import re

import torch

from lamina.ops.numpy._common import to_tensor

__all__ = ["vectorize"]

_DIMS = r"\w+"
_CORE = rf"\((?:{_DIMS}(?:,{_DIMS})*)?\)"
_ARGS = rf"{_CORE}(?:,{_CORE})*"
_SIGNATURE = re.compile(rf"^{_ARGS}->{_ARGS}$")


def _parse_signature(signature):
    """'(m,n),(n)->(m)' -> ([('m', 'n'), ('n',)], [('m',)])."""
    text = signature.replace(" ", "")
    if not _SIGNATURE.match(text):
        raise ValueError(
            f"ops.vectorize: `signature` must look like '(m,n),(n)->(m)'; received {signature!r}."
        )
    inputs, outputs = text.split("->")

    def groups(part):
        return [tuple(d for d in group.split(",") if d) for group in re.findall(r"\(([^)]*)\)", part)]

    return groups(inputs), groups(outputs)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """Maps a function of tensors over leading (broadcast) axes (NumPy `np.vectorize`; torch `torch.vmap`).

    One vmap level per loop axis, so the function runs once on batched tensors, not once per element.

    Args:
        pyfunc: a function of tensors written with `lamina.ops` or torch operations.
        excluded: positions (ints) or names (strings) of arguments passed through unchanged.
        signature: a generalized-ufunc signature such as `"(n),(n)->()"` naming the core axes
            each argument keeps; without it every argument is mapped element by element.

    Returns:
        The vectorized function.

    Example:
        >>> dot = ops.vectorize(lambda a, b: ops.sum(a * b), signature="(n),(n)->()")
        >>> dot(ops.ones((4, 3)), ops.ones((3,))).shape  # (4,)
    """
    if not callable(pyfunc):
        raise TypeError(f"ops.vectorize: `pyfunc` must be callable; received {pyfunc!r}.")
    excluded = set(excluded or ())
    core_in, _ = _parse_signature(signature) if signature is not None else (None, None)

    def wrapped(*args, **kwargs):
        mapped = [i for i, a in enumerate(args) if i not in excluded and a is not None]
        fixed_kwargs = dict(kwargs)
        tensors = [to_tensor("vectorize", f"args[{i}]", args[i]) for i in mapped]
        cores = core_in if core_in is not None else [()] * len(tensors)
        if len(cores) != len(tensors):
            raise ValueError(
                f"ops.vectorize: the signature {signature!r} names {len(cores)} inputs; received "
                f"{len(tensors)} vectorized arguments."
            )
        loop_shapes = []
        for i, (t, core) in enumerate(zip(tensors, cores)):
            if t.ndim < len(core):
                raise ValueError(
                    f"ops.vectorize: argument {mapped[i]} has rank {t.ndim}, fewer than its {len(core)} core axes "
                    f"in signature {signature!r}."
                )
            loop_shapes.append(tuple(t.shape[: t.ndim - len(core)]))
        try:
            loop = tuple(torch.broadcast_shapes(*loop_shapes)) if loop_shapes else ()
        except RuntimeError:
            raise ValueError(f"ops.vectorize: the loop axes {loop_shapes} of the arguments do not broadcast.") from None
        tensors = [t.expand(*loop, *t.shape[t.ndim - len(c):]) for t, c in zip(tensors, cores)]

        def call(*mapped_values):
            full = list(args)
            for i, value in zip(mapped, mapped_values):
                full[i] = value
            return pyfunc(*full, **fixed_kwargs)

        fn = call
        for _ in loop:
            fn = torch.vmap(fn)
        return fn(*tensors)

    wrapped.__name__ = getattr(pyfunc, "__name__", "vectorized")
    wrapped.__doc__ = getattr(pyfunc, "__doc__", None)
    return wrapped
