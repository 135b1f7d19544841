"""`lamina.ops` is `keras.ops`: the namespaces against Keras 3.15's table
(tools/keras_crosscheck/keras_op_table.json), and the registry against Keras's class names.

Signatures of the numpy/nn/math/linalg/image functions are checked in their own tests; the core
and einops ones here.
"""

import inspect
import json
import pathlib

import pytest

import lamina as keras
from lamina import ops
from lamina.ops._op import OP_REGISTRY

_TABLE = pathlib.Path(__file__).resolve().parents[2] / "tools" / "keras_crosscheck" / "keras_op_table.json"
TABLE = json.loads(_TABLE.read_text())["namespaces"]
SUBMODULES = {"numpy": ops.numpy, "nn": ops.nn, "image": ops.image, "linalg": ops.linalg}


def test_keras_ops_is_lamina_ops():
    assert keras.ops is ops
    from lamina.ops import numpy as numpy_ops  # `from keras.ops import numpy` style

    assert numpy_ops is ops.numpy


def test_top_level_names_are_keras_names():
    assert sorted(set(ops.__all__) - set(SUBMODULES)) == sorted(TABLE["ops"])
    assert all(callable(getattr(ops, name)) for name in TABLE["ops"])


@pytest.mark.parametrize("namespace", sorted(SUBMODULES))
def test_sub_namespaces_have_keras_names(namespace):
    missing = [name for name in TABLE[namespace] if not callable(getattr(SUBMODULES[namespace], name, None))]
    assert missing == []


@pytest.mark.parametrize("namespace", ["numpy", "nn", "linalg"])
def test_top_level_and_sub_namespace_are_the_same_functions(namespace):
    for name in TABLE[namespace]:
        assert getattr(ops, name) is getattr(SUBMODULES[namespace], name), name


def _keras_params(entry):
    return [(p["name"], str(p.get("default", "<none>")), p["kind"]) for p in entry["signature"]]


def _our_params(fn):
    out = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            default = "<none>"
        else:
            default = "<required>" if p.default is inspect.Parameter.empty else str(p.default)
        out.append((p.name, default, p.kind.name))
    return out


CORE = sorted(n for n, e in TABLE["ops"].items() if e["module"] in ("keras.src.ops.core", "keras.src.ops.einops"))


@pytest.mark.parametrize("name", CORE)
def test_core_signatures_class_names_and_configs(name):
    entry = TABLE["ops"][name]
    fn = getattr(ops, name)
    assert _our_params(fn) == _keras_params(entry)
    definition = getattr(fn, "op_definition", None)
    if entry["class_name"] is None:
        assert definition is None
    else:
        assert (definition.class_name, list(definition.config), definition.keras_module) == \
            (entry["class_name"], entry["config"], entry["module"])
    assert "Args:" in (fn.__doc__ or "") or "Example:" in (fn.__doc__ or ""), name


def test_every_registered_op_is_a_keras_op_of_the_right_module():
    keras_classes = {}
    for namespace in TABLE.values():
        for entry in namespace.values():
            if entry.get("class_name"):
                keras_classes[entry["class_name"]] = entry["module"]
    wrong = {name: (d.keras_module, keras_classes.get(name)) for name, d in OP_REGISTRY.items()
             if keras_classes.get(name) != d.keras_module}
    assert wrong == {}
    missing = sorted(set(keras_classes) - set(OP_REGISTRY))
    assert missing == [] or all(keras_classes[m] == "keras.src.ops.image" for m in missing), missing
