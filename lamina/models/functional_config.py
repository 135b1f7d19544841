"""Keras-format configs of Functional and Sequential models (see the saving package)."""

__all__ = ["functional_config", "sequential_config"]


def functional_config(model):
    from lamina.saving.model_config import functional_to_config

    return functional_to_config(model)


def sequential_config(model):
    from lamina.saving.model_config import sequential_to_config

    return sequential_to_config(model)
