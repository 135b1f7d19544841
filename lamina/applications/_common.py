"""Pieces every application constructor shares: the input, the head, the final model.

Each family module builds its body with lamina layers (channels_last, Keras's layer names) and
calls these helpers for the parts Keras repeats in every family.
"""

import torch

from lamina import layers
from lamina.activations import get as get_activation
from lamina.applications import _weights
from lamina.applications.imagenet_utils import obtain_input_shape
from lamina.graph.keras_tensor import is_keras_tensor

__all__ = ["prepare", "image_input", "source_inputs", "pooled_top", "validate_activation", "finish"]


def prepare(weights, include_top, classes, input_shape, default_size, min_size):
    """Checks `weights`/`classes` and returns the validated input shape (Keras's rules)."""
    _weights.check_weights_argument(weights, include_top, classes)
    return obtain_input_shape(input_shape, default_size=default_size, min_size=min_size,
                              require_flatten=include_top, weights=weights)


def image_input(input_tensor, input_shape):
    """The model's image input: a new `Input`, or the given symbolic `input_tensor`."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not is_keras_tensor(input_tensor):
        raise ValueError("`input_tensor` must be a symbolic tensor (the output of `keras.Input(...)` or of a "
                         f"layer called on one); received {type(input_tensor).__name__}. Pass "
                         "`input_shape=` instead to start from a new input.")
    return input_tensor


def source_inputs(tensor):
    """The `Input` tensors `tensor` depends on (Keras's `get_source_inputs`)."""
    found, stack, seen = [], [tensor], set()
    while stack:
        current = stack.pop()
        history = current._keras_history
        if history is None:
            if id(current) not in seen:
                seen.add(id(current))
                found.append(current)
            continue
        node = history.operation._inbound_nodes[history.node_index]
        if node.is_input:
            if id(current) not in seen:
                seen.add(id(current))
                found.append(current)
            continue
        stack.extend(reversed(node.input_tensors))
    return found[0] if len(found) == 1 else found


def validate_activation(classifier_activation, weights):
    """Pretrained weights allow only `None`/`"softmax"` as the classifier activation (as Keras)."""
    if weights is None:
        return
    fn = get_activation(classifier_activation)
    if fn not in {get_activation("softmax"), get_activation(None)}:
        raise ValueError("Only `None` and `softmax` activations are allowed for the `classifier_activation` "
                         "argument when using pretrained weights, with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")


def pooled_top(x, include_top, pooling, classes, classifier_activation, weights,
               avg_name="avg_pool", max_name="max_pool", dropout=None, dropout_name="top_dropout"):
    """Keras's usual head: global average pooling + `predictions` Dense, or the `pooling` option."""
    if include_top:
        x = layers.GlobalAveragePooling2D(name=avg_name)(x)
        if dropout:
            x = layers.Dropout(dropout, name=dropout_name)(x)
        validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def finish(img_input, input_tensor, outputs, name, weights, file_name=None, base_url=None):
    """Builds the Functional model and loads `weights` into it."""
    from lamina.models import Model

    inputs = source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Model(inputs, outputs, name=name)
    # Convolution kernels in torch's channels_last memory format, like the activations: otherwise
    # oneDNN copies every kernel on every call (measured: ResNet50 forward 1.23x -> 1.01x of plain
    # torch with channels_last weights).
    model.to(memory_format=torch.channels_last)
    _weights.load_application_weights(model, weights, file_name=file_name, base_url=base_url)
    return model


_DOC = """Instantiates the {title} architecture (Keras's layer names, channels_last).
{summary}
    Args:
{extra}        include_top: whether to include the classification head (`predictions` layer).
        weights: `None` (random), `"imagenet"` (Keras's file, looked up in Keras's cache; never
            downloaded) or the path of a weights file (`.weights.h5`, `.keras` or Keras 2 `.h5`).
        input_tensor: optional symbolic tensor (from `keras.Input`) to use as the image input.
        input_shape: `(height, width, channels)`; only free when `include_top=False`
            (else `({size}, {size}, 3)`); height and width at least {min_size}.
        pooling: with `include_top=False`: `None` (4D feature map), `"avg"` or `"max"`.
        classes: number of classes when `include_top=True` and no `weights` are loaded.
        classifier_activation: activation of the `predictions` layer (`None` for logits); only
            `None` or `"softmax"` with pretrained weights.
        name: the model's name.

    Returns:
        A Functional `Model` taking `(batch, height, width, 3)` images {preprocessing}.

    Example:
        >>> base = {title}(weights=None, include_top=False, pooling="avg")
        >>> features = base(images)   # (batch, channels)
    """


def document(fn, size, min_size, preprocessing, summary="", extra=""):
    """Gives constructor `fn` the shared docstring (Keras's arguments are the same in every family)."""
    fn.__doc__ = _DOC.format(title=fn.__name__, size=size, min_size=min_size, preprocessing=preprocessing,
                             summary=summary and f"\n    {summary}\n", extra=extra)
    return fn
