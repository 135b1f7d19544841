"""`lamina.ops.numpy` against Keras 3.15's table (tools/keras_crosscheck/keras_op_table.json):
every name present, same signature (names, defaults, kinds, order), same Keras class and config."""

import inspect
import json
import pathlib

import pytest

import lamina.ops.numpy as np_ops

_TABLE = pathlib.Path(__file__).resolve().parents[2] / "tools" / "keras_crosscheck" / "keras_op_table.json"
KERAS = json.loads(_TABLE.read_text())["namespaces"]["numpy"]


def test_every_keras_name_and_nothing_else():
    assert sorted(KERAS) == sorted(np_ops.__all__)


def _keras_params(entry):
    return [(p["name"], str(p.get("default", "<none>")), p["kind"]) for p in entry["signature"]]


def _our_params(fn):
    out = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            default = "<none>"
        else:
            default = "<required>" if p.default is inspect.Parameter.empty else str(json.loads(json.dumps(p.default)))
        out.append((p.name, default, p.kind.name))
    return out


@pytest.mark.parametrize("name", sorted(KERAS))
def test_signature_matches_keras(name):
    assert _our_params(getattr(np_ops, name)) == _keras_params(KERAS[name])


@pytest.mark.parametrize("name", sorted(KERAS))
def test_class_name_and_config_match_keras(name):
    entry = KERAS[name]
    definition = getattr(getattr(np_ops, name), "op_definition", None)
    if entry.get("class_name") is None:
        # Keras has no Operation for these (creation functions, windows, `vectorize`, and the
        # aliases `abs`/`conj` that call `absolute`/`conjugate`).
        assert definition is None
        return
    assert definition is not None, f"{name} is not a keras_op"
    assert definition.class_name == entry["class_name"]
    assert list(definition.config) == list(entry.get("config") or [])
    assert definition.module == "numpy"


@pytest.mark.parametrize("name", sorted(KERAS))
def test_docstring_first_line_names_numpy_and_torch_equivalents(name):
    doc = getattr(np_ops, name).__doc__ or ""
    first_line = doc.split("\n")[0]
    assert "NumPy" in first_line and "torch" in first_line, first_line
    assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name
