"""`TorchModuleWrapper`: any plain `torch.nn.Module` as a lamina layer."""

from torch import nn

from lamina.layers.layer import Layer

__all__ = ["TorchModuleWrapper"]


class TorchModuleWrapper(Layer):
    """Wraps a `torch.nn.Module` so it can sit in a Sequential or Functional model.

    Output shapes are inferred by tracing the module on shape-only tensors;
    its parameters are trained by `fit`, appear in `summary()` and are saved
    with the model's weights.

    Args:
        module: the torch module; must take and return tensors.
        name: layer name (default `torch_module_wrapper`, numbered).
        output_shape: optional callable or tuple when tracing cannot work.

    Example:
        >>> layer = TorchModuleWrapper(torch.nn.Linear(4, 2))
        >>> layer(torch.ones(3, 4)).shape
        torch.Size([3, 2])
    """

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(module, nn.Module):
            raise TypeError(f"TorchModuleWrapper '{self.name}' expects a torch.nn.Module, received "
                            f"{type(module).__name__}.")
        self.module = module
        module.train(False)
        self._output_shape = output_shape
        self._overrides_compute_output_shape = output_shape is not None
        self.built = True

    def call(self, *args, training=None, **kwargs):
        # The wrapped module follows lamina's training resolution (explicit flag, enclosing
        # call, mode), e.g. a torch Dropout/BatchNorm inside a Sequential.
        if training is not None and self.module.training != bool(training):
            self.module.train(bool(training))
        return self.module(*args, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        return tuple(self._output_shape)

    def get_config(self):
        raise NotImplementedError(
            f"TorchModuleWrapper '{self.name}' wraps a plain torch module ({type(self.module).__name__}), "
            f"whose architecture has no Keras config. Save its weights (save_weights/state_dict) and "
            f"rebuild the module in code, or write a lamina Layer subclass with get_config()."
        )
