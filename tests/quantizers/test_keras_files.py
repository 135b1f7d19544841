"""`.keras` files written by Keras 3.15 with LoRA on and with int8 / int4 / float8 quantized layers load
in lamina with Keras's outputs, weight layout and trainable counts; lamina's own saves reload.

Fixtures: tests/quantizers/keras_values/*.keras, *_io.npz and keras_files.json
(tools/keras_crosscheck/make_lora_quant_values.py).
"""

import json
import os

import numpy as np
import pytest
import torch

import lamina as keras

HERE = os.path.join(os.path.dirname(__file__), "keras_values")
INFO = json.load(open(os.path.join(HERE, "keras_files.json")))


@pytest.mark.parametrize("name", sorted(INFO))
def test_keras_file_loads_with_keras_outputs(name, tmp_path):
    model = keras.models.load_model(os.path.join(HERE, f"{name}.keras"))
    io = np.load(os.path.join(HERE, f"{name}_io.npz"))
    x = torch.from_numpy(io["x"])
    np.testing.assert_allclose(model(x).detach().numpy(), io["y"], rtol=1e-5, atol=1e-5)
    info = INFO[name]
    assert [[w.path, list(w.keras_shape), str(w.dtype).replace("torch.", "")] for w in model.weights] == \
        info["weights"]
    trainable = sum(w.numel() for w in model.trainable_weights)
    assert (trainable, sum(w.numel() for w in model.weights) - trainable) == (info["trainable"],
                                                                              info["non_trainable"])
    # and back: lamina's save of the loaded model reloads with the same outputs
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(again(x).detach().numpy(), io["y"], rtol=1e-5, atol=1e-5)
