"""`lamina.initializers.get/serialize/deserialize` against real Keras 3.15 configs."""

import pytest
import torch

from lamina import initializers as I

# Initializer entries copied verbatim from config.json of Keras 3.15.1 `.keras` fixtures
# (Dense, Embedding, LSTM, BatchNormalization).
KERAS_CONFIGS = [
    {"module": "keras.initializers", "class_name": "GlorotUniform",
     "config": {"seed": None, "input_axes": None, "output_axes": None}, "registered_name": None},
    {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None},
    {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": None},
    {"module": "keras.initializers", "class_name": "RandomUniform",
     "config": {"seed": None, "minval": -0.05, "maxval": 0.05}, "registered_name": None},
    {"module": "keras.initializers", "class_name": "Orthogonal",
     "config": {"seed": None, "gain": 1.0}, "registered_name": None},
]


@pytest.mark.parametrize("config", KERAS_CONFIGS, ids=lambda c: c["class_name"])
def test_keras_configs_round_trip_exactly(config):
    init = I.deserialize(config)
    assert type(init).__name__ == config["class_name"]
    assert I.serialize(init) == config


def test_older_config_format_without_module():
    init = I.deserialize({"class_name": "GlorotUniform", "config": {"seed": 4}})
    assert isinstance(init, I.GlorotUniform) and init.seed == 4
    assert isinstance(I.get({"class_name": "HeNormal", "config": None}), I.HeNormal)


@pytest.mark.parametrize(
    "name, cls",
    [
        ("glorot_uniform", I.GlorotUniform), ("GlorotUniform", I.GlorotUniform),
        ("glorot_normal", I.GlorotNormal), ("he_normal", I.HeNormal), ("he_uniform", I.HeUniform),
        ("lecun_normal", I.LecunNormal), ("lecun_uniform", I.LecunUniform),
        ("zeros", I.Zeros), ("zero", I.Zeros), ("ones", I.Ones), ("one", I.Ones),
        ("constant", I.Constant), ("identity", I.Identity), ("orthogonal", I.Orthogonal),
        ("OrthogonalInitializer", I.Orthogonal), ("random_normal", I.RandomNormal),
        ("normal", I.RandomNormal), ("random_uniform", I.RandomUniform),
        ("uniform", I.RandomUniform), ("truncated_normal", I.TruncatedNormal),
        ("variance_scaling", I.VarianceScaling),
    ],
)
def test_get_by_keras_name(name, cls):
    init = I.get(name)
    assert type(init) is cls


def test_snake_case_module_aliases_are_the_classes():
    assert I.glorot_uniform is I.GlorotUniform
    assert I.he_normal is I.HeNormal
    assert I.zeros is I.Zeros
    assert I.orthogonal is I.Orthogonal


def test_get_none_class_instance_and_callable():
    assert I.get(None) is None
    assert isinstance(I.get(I.HeUniform), I.HeUniform)
    init = I.Constant(2.0)
    assert I.get(init) is init

    def fn(shape, dtype=None, device=None):
        return torch.zeros(shape)

    assert I.get(fn) is fn


def test_unknown_name_suggests_and_lists():
    with pytest.raises(ValueError, match=r"Unknown initializer: 'glorot_unifrom'\. Did you mean "
                                         r"'glorot_uniform'.*Expected one of \[.*'he_normal'.*\]"):
        I.get("glorot_unifrom")


def test_config_with_unknown_argument_names_the_accepted_ones():
    with pytest.raises(ValueError, match=r"Could not build initializer 'GlorotUniform'.*accepts the "
                                         r"arguments \['seed', 'input_axes', 'output_axes'\]"):
        I.deserialize({"class_name": "GlorotUniform", "config": {"seed": None, "scale": 2}})


def test_uninterpretable_identifier():
    with pytest.raises(ValueError, match=r"Could not interpret initializer identifier 1\.5"):
        I.get(1.5)


class ScaledOnes(I.Initializer):
    def __init__(self, scale=1.0):
        self.scale = scale

    def __call__(self, shape, dtype=None, device=None):
        return torch.full(shape, float(self.scale))

    def get_config(self):
        return {"scale": self.scale}


def test_custom_initializer_serializes_with_its_module_and_loads_with_custom_objects():
    config = I.serialize(ScaledOnes(3.0))
    assert config == {
        "module": __name__, "class_name": "ScaledOnes", "config": {"scale": 3.0},
        "registered_name": "ScaledOnes",
    }
    restored = I.deserialize(config, custom_objects={"ScaledOnes": ScaledOnes})
    assert isinstance(restored, ScaledOnes) and restored.scale == 3.0
    with pytest.raises(ValueError, match=r"Unknown initializer: 'ScaledOnes'"):
        I.deserialize(config)


def test_serialize_none():
    assert I.serialize(None) is None
