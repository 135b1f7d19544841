"""`lamina.applications` has every name and signature of `keras.applications` (Keras 3.15)."""

import inspect
import json
import pathlib

import pytest
import torch

import lamina
from lamina import applications


def _keras_api():
    # The `keras.applications` part of Keras 3.15.1's public API (names, kinds, parameters), copied
    # from the API-coverage tool's dump (`keras_dump.py` run with Keras on JAX).
    path = pathlib.Path(__file__).parent / "fixtures" / "keras_applications_api.json"
    return json.loads(path.read_text())["namespaces"]


NAMESPACES = {k: v for k, v in _keras_api().items() if k.startswith("keras.applications")}
ENTRIES = [(ns, name, spec) for ns, members in NAMESPACES.items() for name, spec in members.items()]


def _resolve(namespace):
    obj = lamina
    for part in namespace.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("namespace, name, spec", ENTRIES, ids=[f"{n}.{m}" for n, m, _ in ENTRIES])
def test_name_and_signature_match_keras(namespace, name, spec):
    obj = getattr(_resolve(namespace), name)
    if not isinstance(spec, dict) or "params" not in spec:
        return  # a sub-module: its presence is the check
    params = list(inspect.signature(obj).parameters.values())
    assert [p.name for p in params] == [p["name"] for p in spec["params"]]
    for mine, theirs in zip(params, spec["params"]):
        if theirs.get("default") is not None:
            assert repr(mine.default) == theirs["default"], mine.name


def test_input_shape_too_small_is_keras_error():
    with pytest.raises(ValueError, match=r"Input size must be at least 32x32; Received: input_shape=\(16, 16, 3\)"):
        applications.ResNet50(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="Input size must be at least 71x71"):
        applications.Xception(weights=None, include_top=False, input_shape=(64, 64, 3))


def test_include_top_needs_static_shape():
    with pytest.raises(ValueError, match="static `input_shape`"):
        applications.VGG16(weights=None, input_shape=(None, None, 3))


def test_input_tensor_keeps_its_source_input():
    inputs = lamina.Input((32, 32, 3))
    scaled = lamina.layers.Rescaling(1.0 / 255)(inputs)
    model = applications.MobileNet(alpha=0.25, include_top=False, weights=None, input_tensor=scaled,
                                   input_shape=(32, 32, 3), pooling="avg")
    assert model.inputs[0] is inputs
    assert model(torch.zeros(1, 32, 32, 3)).shape == (1, 256)


def test_transfer_learning_model_is_trainable_module():
    # Keras's default name here, 'mobilenetv2_0.35_32', contains '.', which a torch submodule name
    # cannot: a nested base gets a plain name.
    base = applications.MobileNetV2(alpha=0.35, include_top=False, weights=None, input_shape=(32, 32, 3),
                                    pooling="avg", name="mobilenetv2_base")
    base.trainable = False
    assert base.count_params() > 0 and not base.trainable_weights
    inputs = lamina.Input((32, 32, 3))
    outputs = lamina.layers.Dense(3, activation="softmax")(base(inputs, training=False))
    model = lamina.Model(inputs, outputs)
    assert len(model.trainable_weights) == 2
    assert isinstance(model, torch.nn.Module)


def test_summary_total_matches_count_params(capsys):
    model = applications.MobileNet(alpha=0.25, weights=None, input_shape=(32, 32, 3), classes=7)
    model.summary()
    text = capsys.readouterr().out
    assert 'Model: "mobilenet_0.25_32"' in text
    assert f"Total params: {model.count_params():,}" in text
    assert "conv_dw_13_relu (ReLU)" in text
