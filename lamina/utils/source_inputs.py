"""`get_source_inputs`: the `Input` tensors a symbolic tensor was computed from."""

__all__ = ["get_source_inputs"]


def get_source_inputs(tensor):
    """The input tensors (outputs of `Input` layers) that `tensor` depends on, in first-seen order.

    Args:
        tensor: a KerasTensor (anything else is returned as is, as Keras does).

    Returns:
        A list of KerasTensors.

    Example:
        >>> a, b = lamina.Input((2,)), lamina.Input((2,))
        >>> y = lamina.layers.Add()([a, lamina.layers.Dense(2)(b)])
        >>> get_source_inputs(y) == [a, b]
        True
    """
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return tensor if not hasattr(tensor, "_keras_history") else [tensor]
    operation, node_index = history.operation, history.node_index
    if not operation._inbound_nodes:
        return [tensor]
    node = operation._inbound_nodes[node_index]
    if node.is_input:
        return list(node.flat_outputs)
    sources = []
    for parent in node.input_tensors:
        for source in get_source_inputs(parent):
            if all(source is not seen for seen in sources):
                sources.append(source)
    return sources
