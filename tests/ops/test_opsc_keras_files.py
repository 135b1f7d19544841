"""Functional models of `ops.nn`, `ops.image`, `ops.linalg` and the math ops written by real
Keras 3.15 load in lamina, reproduce Keras's outputs, and survive a lamina save/load.

Fixtures: tests/ops/fixtures/keras_opsc_models/ (made by tools/keras_crosscheck/opsc_models.py,
which also checks the other direction, lamina-written files in Keras).
"""

import os

import numpy as np
import pytest

import lamina as keras

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "keras_opsc_models")
NAMES = sorted(f[:-len(".keras")] for f in os.listdir(HERE) if f.endswith(".keras"))


def _stored(name):
    stored = np.load(os.path.join(HERE, f"{name}.npz"))
    count = lambda prefix: sum(k.startswith(prefix) for k in stored.files)  # noqa: E731
    return ([stored[f"in_{i}"] for i in range(count("in_"))],
            [stored[f"out_{i}"] for i in range(count("out_"))])


def _outputs(model, inputs):
    outs = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    return [np.asarray(o) for o in (outs if isinstance(outs, (list, tuple)) else [outs])]


def _check(outs, expected):
    assert len(outs) == len(expected)
    for i, (out, ref) in enumerate(zip(outs, expected)):
        assert out.dtype == ref.dtype and out.shape == ref.shape, (i, out.dtype, ref.dtype,
                                                                    out.shape, ref.shape)
        np.testing.assert_allclose(out.astype("float64"), ref.astype("float64"), rtol=1e-4,
                                   atol=1e-5, err_msg=f"output {i}")


def test_the_five_models_are_there():
    assert NAMES == ["attention_and_ctc", "conv_family", "image_ops", "math_and_linalg",
                     "normalization_and_losses"]


@pytest.mark.parametrize("name", NAMES)
def test_keras_written_model_reproduces_keras_and_round_trips(name, tmp_path):
    model = keras.models.load_model(os.path.join(HERE, f"{name}.keras"))
    inputs, expected = _stored(name)
    _check(_outputs(model, inputs), expected)
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    _check(_outputs(keras.models.load_model(path), inputs), expected)
