"""Seed models used by the saving tests (importable by a fresh subprocess)."""

import torch

import lamina as keras
from lamina import layers
from lamina.saving import register_serializable

__all__ = ["BUILDERS", "CUSTOM_OBJECTS", "Scale", "TwoTower", "sample_inputs"]


@register_serializable(package="lamina_tests")
class Scale(layers.Layer):
    """A custom layer with a weight and a derived config (no get_config written)."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

    def call(self, x):
        return x * self.scale * self.factor


@register_serializable(package="lamina_tests")
class TwoTower(keras.Model):
    """A subclassed model with a custom layer inside."""

    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = layers.Dense(units, activation="relu")
        self.scale = Scale(0.5)
        self.out = layers.Dense(3)

    def call(self, x):
        return self.out(self.scale(self.hidden(x)))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def sequential_mlp():
    return keras.Sequential([keras.Input(shape=(20,)), layers.Dense(32, activation="relu"), layers.Dropout(0.2),
                             layers.Dense(10, activation="softmax")], name="mlp")


def residual():
    x = keras.Input(shape=(12,), name="features")
    h = layers.Dense(16, activation="relu")(x)
    h = layers.Dense(16)(h)
    skip = layers.Dense(16)(x)
    y = layers.Activation("relu")(layers.Add()([h, skip]))
    return keras.Model(x, layers.Dense(4, name="predictions")(y), name="residual")


def multi_input_dict():
    a = keras.Input(shape=(5,), name="a")
    b = keras.Input(shape=(3,), name="b")
    merged = layers.Concatenate()([layers.Dense(4)(a), b])
    return keras.Model({"a": a, "b": b}, {"score": layers.Dense(1, name="score")(merged),
                                          "aux": layers.Dense(2, name="aux")(merged)}, name="dict_model")


def siamese():
    shared = layers.Dense(6, activation="tanh", name="shared")
    left, right = keras.Input(shape=(4,), name="left"), keras.Input(shape=(4,), name="right")
    diff = layers.Subtract()([shared(left), shared(right)])
    return keras.Model([left, right], layers.Dense(1)(diff * diff), name="siamese")


def nested():
    inner_in = keras.Input(shape=(6,))
    inner = keras.Model(inner_in, layers.Dense(5, activation="relu")(inner_in), name="inner")
    x = keras.Input(shape=(6,))
    y1 = inner(x)
    y2 = inner(layers.Dense(6)(x))
    return keras.Model(x, layers.Dense(2)(layers.Concatenate()([y1, y2])), name="outer")


def subclassed():
    model = TwoTower(units=8, name="two_tower")
    model.build((None, 7))
    return model


BUILDERS = {"sequential_mlp": sequential_mlp, "residual": residual, "multi_input_dict": multi_input_dict,
            "siamese": siamese, "nested": nested, "subclassed": subclassed}


def sample_inputs(name, seed=0):
    generator = torch.Generator().manual_seed(seed)

    def rand(*shape):
        return torch.randn(*shape, generator=generator)

    return {
        "sequential_mlp": lambda: rand(3, 20),
        "residual": lambda: rand(3, 12),
        "multi_input_dict": lambda: {"a": rand(3, 5), "b": rand(3, 3)},
        "siamese": lambda: [rand(3, 4), rand(3, 4)],
        "nested": lambda: rand(3, 6),
        "subclassed": lambda: rand(3, 7),
        "unregistered_custom": lambda: rand(3, 3),
        "functional_subclass": lambda: rand(3, 3),
    }[name]()


class Shift(layers.Layer):
    """An unregistered custom layer: loaded with `custom_objects` (safe mode never imports its module)."""

    def __init__(self, offset=1.0, **kwargs):
        super().__init__(**kwargs)
        self.offset = offset

    def call(self, x):
        return x + self.offset


def with_unregistered_layer():
    x = keras.Input(shape=(3,))
    return keras.Model(x, Shift(2.5)(layers.Dense(3)(x)), name="shifted")


BUILDERS["unregistered_custom"] = with_unregistered_layer
# What a loader passes for the seed models' unregistered classes.
CUSTOM_OBJECTS = {"Shift": Shift}


@register_serializable(package="lamina_tests")
class FunctionalSubclass(keras.Model):
    """A Model subclass whose __init__ builds a graph (Keras's "functional subclass" pattern)."""

    def __init__(self, width=4, **kwargs):
        x = keras.Input(shape=(3,))
        super().__init__(x, layers.Dense(width)(x), **kwargs)
        self.width = width

    def get_config(self):
        return {"width": self.width, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


BUILDERS["functional_subclass"] = lambda: FunctionalSubclass(width=5, name="fsub")
