"""The per-head projections inside `MultiHeadAttention` (Keras's EinsumDense sub-layers)."""

import math

import torch.nn.functional as F
from torch.nn.modules import module as _module_state

from lamina.layers.layer import Layer

__all__ = []


def project(dense, inputs):
    """`dense(inputs)`, calling `dense.call` directly when no hook is registered (what torch's own
    fast path checks): these sub-layers have no training, mask or dtype behaviour of their own
    (the enclosing MultiHeadAttention handles those), and the skipped `Layer.__call__` machinery is
    a quarter of the layer's fixed per-call cost."""
    if (dense._forward_hooks or dense._forward_pre_hooks or dense._backward_hooks or dense._backward_pre_hooks
            or _module_state._global_forward_hooks or _module_state._global_forward_pre_hooks
            or _module_state._global_backward_hooks or _module_state._global_backward_pre_hooks):
        return dense(inputs)
    return dense.call(inputs)


class HeadDense(Layer):
    """`x @ kernel + bias` for a kernel of Keras shape `(in, *out_dims)` or `(heads, dim, *out_dims)`.

    The kernel is stored with its output axes first (torch's `F.linear` layout,
    e.g. `(heads, key_dim, in)` for a query projection), so every call reads
    it as a `(prod(out), prod(in))` view without copying; `get_weights` and
    `set_weights` use Keras's layout.

    Args:
        in_dims: the contracted axes' sizes (`(d_model,)`, or `(heads, value_dim)`).
        out_dims: the produced axes' sizes (`(heads, key_dim)`, or `(d_model,)`).
        use_bias: add a bias of shape `out_dims`.
    """

    def __init__(self, in_dims, out_dims, use_bias, kernel_initializer, bias_initializer,
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.in_dims, self.out_dims = tuple(in_dims), tuple(out_dims)
        self.use_bias = use_bias
        n_in, n_out = len(self.in_dims), len(self.out_dims)
        perm = tuple(range(n_in, n_in + n_out)) + tuple(range(n_in))
        self.kernel = self.add_weight(shape=self.in_dims + self.out_dims, initializer=kernel_initializer,
                                      regularizer=kernel_regularizer, constraint=kernel_constraint,
                                      name="kernel", _torch_perm=perm)
        self.bias = self.add_weight(shape=self.out_dims, initializer=bias_initializer, regularizer=bias_regularizer,
                                    constraint=bias_constraint, name="bias") if use_bias else None
        self._flat = (math.prod(self.out_dims), math.prod(self.in_dims))
        self.built = True

    def call(self, inputs):
        """`inputs` ends with `in_dims` flattened into one axis; returns `out_dims` unflattened."""
        bias = self.bias.reshape(-1) if self.bias is not None else None
        outputs = F.linear(inputs, self.kernel.reshape(self._flat), bias)
        # view, not unflatten: the same result without Tensor.unflatten's Python wrapper.
        return outputs.view(outputs.shape[:-1] + self.out_dims) if len(self.out_dims) > 1 else outputs
