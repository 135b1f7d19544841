"""In-place gradient clipping with Keras's formulas, using torch `_foreach` kernels.

torch's `clip_grad_norm_` divides by `norm + 1e-6`; Keras scales by
`clip / max(norm, clip)`. These helpers keep the Keras numbers while running as a
few multi-tensor kernels, with no host sync.
"""

import torch

__all__ = ["clip_by_global_norm_", "clip_by_norm_", "clip_by_value_"]


def clip_by_norm_(grads, clipnorm):
    """Scales each gradient so that its own L2 norm is at most `clipnorm`.

    Keras `_clip_by_norm`: `g * clipnorm / max(norm(g), clipnorm)`.
    """
    norms = torch._foreach_norm(grads)
    scales = torch._foreach_clamp_min(norms, clipnorm)
    torch._foreach_reciprocal_(scales)
    torch._foreach_mul_(scales, clipnorm)
    torch._foreach_mul_(grads, scales)


def clip_by_global_norm_(grads, clipnorm):
    """Scales all gradients together so that their joint L2 norm is at most `clipnorm`.

    Keras `clip_by_global_norm`: `scale = clipnorm * min(1 / norm, 1 / clipnorm)`,
    plus `norm - norm`, which turns the scale into NaN when the norm is not finite.
    """
    norms = torch._foreach_norm(grads)
    device = norms[0].device
    total = torch.linalg.vector_norm(torch.stack([n.to(device) for n in norms]))
    scale = clipnorm * torch.clamp_max(1.0 / total, 1.0 / clipnorm) + (total - total)
    if all(g.device == device for g in grads):
        torch._foreach_mul_(grads, scale)
    else:
        for g in grads:
            g.mul_(scale.to(g.device))


def clip_by_value_(grads, clipvalue):
    """Clamps every gradient element to `[-clipvalue, clipvalue]`."""
    torch._foreach_clamp_min_(grads, -clipvalue)
    torch._foreach_clamp_max_(grads, clipvalue)
