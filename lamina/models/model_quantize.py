"""`Model.quantize`: quantizes every leaf layer that supports it, as Keras's `Model.quantize`."""

import re
import warnings

__all__ = ["quantize_model", "should_quantize_layer"]


def should_quantize_layer(layer, filters):
    """Whether `layer` passes `filters`: None (all), a regex or list of regexes on the layer's name,
    or a callable `filters(layer) -> bool`."""
    if filters is None:
        return True
    if isinstance(filters, str):
        return bool(re.search(filters, layer.name))
    if isinstance(filters, (list, tuple)):
        return any(re.search(pattern, layer.name) for pattern in filters)
    if callable(filters):
        return bool(filters(layer))
    return True


def _leaf_layers(model):
    from lamina.layers.input_layer import InputLayer
    from lamina.layers.layer import Layer

    for module in model.modules():
        if isinstance(module, InputLayer):
            continue  # not a layer Keras visits (no warning that it cannot be quantized)
        if isinstance(module, Layer) and not any(isinstance(m, Layer) for m in module.modules() if m is not module):
            yield module


def quantize_model(model, mode=None, config=None, filters=None, **kwargs):
    """Quantizes the weights of `model`'s layers in place (see `Model.quantize`)."""
    from lamina.quantizers.quantization_config import validate_and_resolve_config

    type_check = kwargs.pop("type_check", True)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments passed to {type(model).__name__}.quantize: {kwargs}")
    if filters is not None and not isinstance(filters, (str, list, tuple)) and not callable(filters):
        raise ValueError("The `filters` argument must be a regex string, a list of regex strings, or a callable. "
                         f"Received: {type(filters)}")
    config = validate_and_resolve_config(mode, config)
    if config.mode in ("gptq", "awq"):
        raise NotImplementedError(
            f"model.quantize('{config.mode}'): {config.mode.upper()} calibrates each block on a dataset "
            f"(config.dataset) with its tokenizer (config.tokenizer) through the model's blocks "
            f"(config.quantization_layer_structure); lamina does not run this calibration. Use 'int8', 'int4' or "
            "'float8'.")
    if not model.built:
        raise ValueError(f"Cannot quantize model '{model.name}': it isn't built yet. Call it on data or build it "
                         "first.")
    quantized = False
    for layer in list(_leaf_layers(model)):
        if not should_quantize_layer(layer, filters):
            continue
        try:
            layer.quantize(config.mode, type_check=type_check, config=config)
            quantized = True
        except NotImplementedError as error:
            warnings.warn(str(error), stacklevel=3)
        except AttributeError:
            pass
    if quantized:
        # compiled steps and the optimizer's slots refer to the replaced weights
        for attr in ("train_function", "test_function", "predict_function"):
            if hasattr(model, attr):
                setattr(model, attr, None)
    return quantized
