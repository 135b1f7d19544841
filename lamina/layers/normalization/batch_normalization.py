"""`BatchNormalization` with Keras's momentum convention and moving-statistics update."""

import torch
import torch.nn.functional as F

from lamina import initializers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.normalization._affine import add_gamma_beta, affine_config, set_affine_arguments

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    """Normalizes with batch statistics in training and moving statistics in inference.

    Keras semantics, which differ from `torch.nn.BatchNorm*`:
    `moving = moving * momentum + batch * (1 - momentum)` (torch's momentum is `1 - momentum`),
    and the moving variance is updated with the *biased* batch variance (torch uses the
    unbiased one). A layer with `trainable=False` always runs in inference mode, as in Keras.

    Args:
        axis: the feature axis (default -1).
        momentum: moving-average momentum (default 0.99).
        epsilon: added to the variance (default 1e-3).
        center: learn an offset `beta` (default True).
        scale: learn a factor `gamma` (default True).
        beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer:
            defaults zeros, ones, zeros, ones.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: optional.
        synchronized: kept in the config; statistics are per process (no cross-replica sync).

    Weights (Keras order): gamma, beta (trainable), moving_mean, moving_variance (non-trainable).

    Example:
        >>> BatchNormalization()(torch.ones(4, 6)).shape
        torch.Size([4, 6])
    """

    supports_masking = True

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, synchronized=False, renorm=False,
                 renorm_clipping=None, renorm_momentum=0.99, **kwargs):
        super().__init__(**kwargs)
        owner = f"BatchNormalization layer '{self.name}'"
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise ValueError(f"{owner}: `axis` must be an int, received axis={axis!r}.")
        if renorm:
            raise ValueError(f"{owner}: batch renormalization (renorm=True) is not supported by lamina.")
        if not 0 <= momentum <= 1:
            raise ValueError(f"{owner}: `momentum` must be in [0, 1], received momentum={momentum!r}.")
        # As in Keras outside TF distribution strategies, synchronized only affects multi-replica
        # training; a single process computes exactly the unsynchronized statistics.
        self.synchronized = bool(synchronized)
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        set_affine_arguments(self, beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
                             beta_constraint, gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"BatchNormalization layer '{self.name}': axis={self.axis} is out of range for "
                             f"inputs of shape {tuple(input_shape)}.")
        axis = self.axis % ndim
        features = input_shape[axis]
        if features is None:
            raise ValueError(f"BatchNormalization layer '{self.name}': the feature axis {self.axis} of the "
                             f"input must be known, received input shape {tuple(input_shape)}.")
        shape = (features,)
        add_gamma_beta(self, shape)
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape=shape, initializer=self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")
        self._feature_axis = axis
        self.input_spec = InputSpec(ndim=ndim, axes={axis: features})
        self.built = True

    def call(self, inputs, training=None, mask=None):
        # F.batch_norm wants features on dim 1; movedim is a view (channels_last stays zero-copy).
        x = inputs if self._feature_axis == 1 or inputs.ndim == 1 else inputs.movedim(self._feature_axis, 1)
        if x.dtype in (torch.float16, torch.bfloat16):
            # As Keras: half-precision batch statistics overflow easily, so compute in float32.
            return self.call(inputs.float(), training, mask).to(inputs.dtype)
        if training and self.trainable:
            if mask is not None:
                outputs = self._masked_train(x, mask)
            else:
                outputs = F.batch_norm(x, None, None, self.gamma, self.beta, True, 0.0, self.epsilon)
                with torch.no_grad():
                    dims = [d for d in range(x.ndim) if d != 1]
                    var, mean = torch.var_mean(x.detach(), dim=dims, correction=0)
                    self._update_moving(mean, var)
        else:
            outputs = F.batch_norm(x, self.moving_mean, self.moving_variance, self.gamma, self.beta, False,
                                   0.0, self.epsilon)
        return outputs if x is inputs else outputs.movedim(1, self._feature_axis)

    def _masked_train(self, x, mask):
        """Keras's masked moments: statistics over unmasked positions only."""
        weights = mask.to(x.dtype)
        while weights.ndim < x.ndim - 1:
            weights = weights.unsqueeze(-1)
        weights = weights.unsqueeze(1)  # features axis
        dims = [d for d in range(x.ndim) if d != 1]
        count = torch.sum(weights * torch.ones_like(x), dim=dims)
        mean = torch.sum(x * weights, dim=dims) / count
        shape = [1] * x.ndim
        shape[1] = -1
        var = torch.sum(weights * (x - mean.view(shape)) ** 2, dim=dims) / count
        with torch.no_grad():
            self._update_moving(mean.detach(), var.detach())
        inv = torch.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            inv = inv * self.gamma
        outputs = (x - mean.view(shape)) * inv.view(shape)
        if self.beta is not None:
            outputs = outputs + self.beta.view(shape)
        return outputs

    def _update_moving(self, mean, var):
        self.moving_mean.mul_(self.momentum).add_(mean.to(self.moving_mean.dtype), alpha=1.0 - self.momentum)
        self.moving_variance.mul_(self.momentum).add_(var.to(self.moving_variance.dtype),
                                                      alpha=1.0 - self.momentum)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            **affine_config(self, ("moving_mean_initializer", "moving_variance_initializer")),
            "synchronized": self.synchronized, "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99,
        })
        return config
