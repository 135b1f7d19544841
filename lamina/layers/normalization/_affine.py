"""The learned scale (`gamma`) and offset (`beta`) that Batch/Layer/GroupNormalization share:
their Keras arguments, weights and config entries."""

from lamina import constraints, initializers, regularizers

__all__ = []


def set_affine_arguments(layer, beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
                         beta_constraint, gamma_constraint):
    """Resolves and stores the six `beta_*` / `gamma_*` arguments on `layer`."""
    layer.beta_initializer = initializers.get(beta_initializer)
    layer.gamma_initializer = initializers.get(gamma_initializer)
    layer.beta_regularizer = regularizers.get(beta_regularizer)
    layer.gamma_regularizer = regularizers.get(gamma_regularizer)
    layer.beta_constraint = constraints.get(beta_constraint)
    layer.gamma_constraint = constraints.get(gamma_constraint)


def add_gamma_beta(layer, shape, center=None):
    """Sets `layer.gamma` (when `layer.scale`) and `layer.beta` (when `center`, default
    `layer.center`) of `shape`, in that order; None for the ones left out."""
    center = layer.center if center is None else center
    layer.gamma = layer.add_weight(shape=shape, initializer=layer.gamma_initializer, name="gamma",
                                   regularizer=layer.gamma_regularizer, constraint=layer.gamma_constraint) \
        if layer.scale else None
    layer.beta = layer.add_weight(shape=shape, initializer=layer.beta_initializer, name="beta",
                                  regularizer=layer.beta_regularizer, constraint=layer.beta_constraint) \
        if center else None


def affine_config(layer, extra_initializers=()):
    """The `beta_*` / `gamma_*` config entries in Keras's order; `extra_initializers` (attribute
    names) are serialized after the gamma initializer, as BatchNormalization's moving statistics."""
    config = {
        "beta_initializer": initializers.serialize(layer.beta_initializer),
        "gamma_initializer": initializers.serialize(layer.gamma_initializer),
    }
    for name in extra_initializers:
        config[name] = initializers.serialize(getattr(layer, name))
    config.update({
        "beta_regularizer": regularizers.serialize(layer.beta_regularizer),
        "gamma_regularizer": regularizers.serialize(layer.gamma_regularizer),
        "beta_constraint": constraints.serialize(layer.beta_constraint),
        "gamma_constraint": constraints.serialize(layer.gamma_constraint),
    })
    return config
