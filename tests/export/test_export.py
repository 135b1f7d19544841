"""model.export: torch.export programs and ONNX files with a dynamic batch dimension."""

import warnings

import numpy as np
import pytest
import torch

import lamina
from lamina.layers import Dense


def _model():
    inputs = lamina.Input(shape=(8,))
    hidden = Dense(16, activation="relu")(inputs)
    hidden = torch.nn.Linear(16, 4)(hidden)  # a plain torch module node exports too
    return lamina.Model(inputs, Dense(3, activation="softmax")(hidden))


def test_torch_export_dynamic_batch(tmp_path):
    model = _model()
    path = tmp_path / "model.pt2"
    model.export(path, format="torch")
    loaded = torch.export.load(str(path)).module()
    data = torch.randn(5, 8)  # the example batch was 2
    torch.testing.assert_close(loaded(data), model(data).detach())


def test_onnx_export_runs_in_onnxruntime(tmp_path):
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    model = _model()
    path = tmp_path / "model.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.export(path, format="onnx")
    session = ort.InferenceSession(str(path))
    data = np.random.rand(7, 8).astype("float32")
    (out,) = session.run(None, {session.get_inputs()[0].name: data})
    np.testing.assert_allclose(out, model(torch.from_numpy(data)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_unknown_format_error(tmp_path):
    with pytest.raises(ValueError, match=r"unknown format='tflite'.*\['torch', 'onnx'\]"):
        _model().export(tmp_path / "m", format="tflite")


def test_unknown_inner_dimension_needs_signature(tmp_path):
    inputs = lamina.Input(shape=(None, 4))
    model = lamina.Model(inputs, Dense(2)(inputs))
    with pytest.raises(ValueError, match="unknown non-batch dimensions.*input_signature="):
        model.export(tmp_path / "m.pt2")
    model.export(tmp_path / "m.pt2", input_signature=(torch.randn(2, 3, 4),))
