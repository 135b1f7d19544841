"""Draws from parametric distributions: `gamma`, `beta`, `binomial`.

torch's own gamma sampler takes no `torch.Generator`, so seeded gamma (and beta, a ratio of
gammas) draws use Marsaglia and Tsang's method on the generator: vectorized rejection rounds
(each round redraws only the rejected elements; over 95% are accepted per round).
"""

import torch

from lamina.random._checks import check_shape, draw_device, eager_tensor, float_dtype
from lamina.random.seed_generator import draw_generator

__all__ = ["gamma", "beta", "binomial"]


def _parameter(value, shape, work_dtype, device, fn_name, argument, positive=True):
    tensor = eager_tensor(value, fn_name, argument).to(device=device, dtype=work_dtype)
    try:
        tensor = torch.broadcast_to(tensor, shape)
    except RuntimeError:
        raise ValueError(
            f"lamina.random.{fn_name}: `{argument}` of shape {tuple(tensor.shape)} cannot be broadcast "
            f"to the output shape {shape}."
        ) from None
    if positive and tensor.numel() and not torch.compiler.is_compiling() and not bool((tensor > 0).all()):
        raise ValueError(
            f"lamina.random.{fn_name}: `{argument}` must be > 0 everywhere. Received: {argument}={value!r}."
        )
    return tensor


def _standard_gamma(alpha, generator):
    """Gamma(alpha, 1) samples, `alpha` > 0, by Marsaglia-Tsang on `generator`."""
    if torch.compiler.is_compiling():
        # The rejection rounds have data-dependent sizes; compiled code uses torch's own sampler
        # (global generator, as every compiled draw).
        return torch._standard_gamma(alpha)
    flat = alpha.reshape(-1)
    boost = flat < 1  # Gamma(a) = Gamma(a + 1) * U**(1/a) for a < 1
    a = torch.where(boost, flat + 1, flat)
    d = a - 1.0 / 3.0
    c = torch.rsqrt(9.0 * d)
    out = torch.empty_like(flat)
    todo = torch.arange(flat.numel(), device=flat.device)
    while todo.numel():
        dd, cc = d[todo], c[todo]
        x = torch.randn(todo.shape, generator=generator, dtype=flat.dtype, device=flat.device)
        v = (1.0 + cc * x) ** 3
        u = torch.rand(todo.shape, generator=generator, dtype=flat.dtype, device=flat.device)
        accept = (v > 0) & (torch.log(u) < 0.5 * x * x + dd - dd * v + dd * torch.log(v.clamp_min(1e-30)))
        out[todo[accept]] = (dd * v)[accept]
        todo = todo[~accept]
    if bool(boost.any()):
        u = torch.rand(flat.shape, generator=generator, dtype=flat.dtype, device=flat.device)
        out = torch.where(boost, out * u.pow(1.0 / flat), out)
    return out.reshape(alpha.shape)


def gamma(shape, alpha, dtype=None, seed=None):
    """Draws from Gamma distributions with concentration `alpha` and scale 1.

    Args:
        shape: output shape, a tuple of ints.
        alpha: concentration, > 0 (a float or a tensor broadcastable to `shape`).
        dtype: a float dtype; default `floatx()`.
        seed: None, an int or a `SeedGenerator`.

    Example:
        >>> x = lamina.random.gamma((10000,), alpha=2.0, seed=0)   # mean ~2, variance ~2
    """
    shape = check_shape(shape, "gamma")
    torch_dtype = float_dtype(dtype, "gamma")
    device = draw_device(seed)
    work = torch.float64 if torch_dtype == torch.float64 else torch.float32
    alpha = _parameter(alpha, shape, work, device, "gamma", "alpha")
    generator = draw_generator(seed, device, "gamma")
    return _standard_gamma(alpha, generator).to(torch_dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Draws from Beta distributions, as `X / (X + Y)` with `X ~ Gamma(alpha)`, `Y ~ Gamma(beta)`.

    Args:
        shape: output shape, a tuple of ints.
        alpha: first concentration, > 0 (float or tensor broadcastable to `shape`).
        beta: second concentration, > 0.
        dtype: a float dtype; default `floatx()`.
        seed: None, an int or a `SeedGenerator`.

    Example:
        >>> x = lamina.random.beta((10000,), alpha=2.0, beta=5.0, seed=0)   # mean ~2/7
    """
    shape = check_shape(shape, "beta")
    torch_dtype = float_dtype(dtype, "beta")
    device = draw_device(seed)
    work = torch.float64 if torch_dtype == torch.float64 else torch.float32
    a = _parameter(alpha, shape, work, device, "beta", "alpha")
    b = _parameter(beta, shape, work, device, "beta", "beta")
    generator = draw_generator(seed, device, "beta")
    x = _standard_gamma(a, generator)
    y = _standard_gamma(b, generator)
    return (x / (x + y)).to(torch_dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Draws the number of successes in `counts` trials of success probability `probabilities`.

    Args:
        shape: output shape, a tuple of ints.
        counts: number of trials, >= 0 (float/int or tensor broadcastable to `shape`).
        probabilities: success probability in [0, 1] (float or broadcastable tensor).
        dtype: output dtype; default `floatx()`.
        seed: None, an int or a `SeedGenerator`.

    Example:
        >>> x = lamina.random.binomial((1000,), counts=10, probabilities=0.3, seed=0)   # mean ~3
    """
    shape = check_shape(shape, "binomial")
    torch_dtype = float_dtype(dtype, "binomial") if dtype is None else _any_dtype(dtype)
    device = draw_device(seed)
    work = torch.float64 if torch_dtype == torch.float64 else torch.float32
    counts_t = _parameter(counts, shape, work, device, "binomial", "counts", positive=False)
    probs_t = _parameter(probabilities, shape, work, device, "binomial", "probabilities", positive=False)
    checks = counts_t.numel() and not torch.compiler.is_compiling()  # value checks would break a compiled graph
    if checks and not bool((counts_t >= 0).all()):
        raise ValueError(f"lamina.random.binomial: `counts` must be >= 0. Received: counts={counts!r}.")
    if checks and not bool(((probs_t >= 0) & (probs_t <= 1)).all()):
        raise ValueError(
            "lamina.random.binomial: `probabilities` must lie in [0, 1]. "
            f"Received: probabilities={probabilities!r}."
        )
    generator = draw_generator(seed, device, "binomial")
    return torch.binomial(counts_t.contiguous(), probs_t.contiguous(), generator=generator).to(torch_dtype)


def _any_dtype(dtype):
    from lamina.backend.dtypes import standardize_dtype

    return standardize_dtype(dtype)
