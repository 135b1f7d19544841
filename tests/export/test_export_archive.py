"""ExportArchive: endpoints written as torch.export programs with dynamic None dimensions."""

import json

import pytest
import torch

import lamina
from lamina.export import ExportArchive


def _model():
    return lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(4, activation="relu"), lamina.layers.Dense(2)])


def test_endpoints_round_trip(tmp_path, capsys):
    model = _model()
    archive = ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", model, input_signature=[lamina.InputSpec(shape=(None, 3))])
    archive.add_endpoint("double", lambda x: model(x) * 2, input_signature=[lamina.Input((3,))])
    archive.add_variable_collection("weights", model.weights)
    assert len(archive.variables) == 4 and len(archive.trainable_variables) == 4
    archive.write_out(tmp_path / "out")
    assert "Endpoint 'serve'" in capsys.readouterr().out
    x = torch.randn(5, 3)  # a batch size the examples did not use: the batch stays dynamic
    program = torch.export.load(tmp_path / "out" / "serve.pt2")
    assert len(program.graph_signature.parameters) == 4  # weights stay parameters, not constants
    torch.testing.assert_close(program.module()(x), model(x))
    double = torch.export.load(tmp_path / "out" / "double.pt2").module()
    torch.testing.assert_close(double(x), 2 * model(x))
    saved = torch.load(tmp_path / "out" / "variables.pt", weights_only=True)
    assert [tuple(v.shape) for v in saved["weights"]] == [tuple(w.shape) for w in model.weights]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["endpoints"]["serve"]["inputs"] == [{"shape": [None, 3], "dtype": "float32"}]


def test_track_and_add_endpoint_with_example_tensor(tmp_path):
    model = _model()
    archive = ExportArchive()
    archive.track_and_add_endpoint("call", model, input_signature=[torch.randn(2, 3)])
    archive.write_out(tmp_path / "o", verbose=False)
    x = torch.randn(2, 3)
    torch.testing.assert_close(torch.export.load(tmp_path / "o" / "call.pt2").module()(x), model(x))


def test_errors(tmp_path):
    archive = ExportArchive()
    with pytest.raises(ValueError, match="no endpoint was added"):
        archive.write_out(tmp_path / "x")
    with pytest.raises(ValueError, match="expected a lamina Layer/Model"):
        archive.track(lambda x: x)
    with pytest.raises(ValueError, match="is not built"):
        archive.track(lamina.layers.Dense(2))
    with pytest.raises(ValueError, match="`input_signature` is required"):
        archive.add_endpoint("serve", _model())
    archive.add_endpoint("serve", _model(), input_signature=[torch.ones(2, 3)])
    with pytest.raises(ValueError, match="endpoint 'serve' already exists"):
        archive.add_endpoint("serve", _model(), input_signature=[torch.ones(2, 3)])
    with pytest.raises(ValueError, match="must be a keras.InputSpec"):
        archive.add_endpoint("other", _model(), input_signature=[3])
