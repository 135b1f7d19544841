"""Loading a file never runs code: crafted archives for every route a config can name code by.

The archives come from `crafted_archives.py` (the same ones `tools/keras_crosscheck/crafted_security.py`
gives Keras 3.15.1, which refuses all of them too). They are loaded in one fresh process
(`load_probe.py`), each case separately checked: no file written, the probe module never
imported, nothing printed, no module outside lamina imported, and the refusal names the object and
says how to allow it.
"""

import json
import os
import re
import subprocess
import sys

import pytest
import torch

import lamina as keras
from lamina import layers
from lamina.saving import LoadError, load_model
from lamina.saving import safe_mode as safe_mode_module
from lamina.saving.safe_mode import UnsafeObjectError, unsafe_allowed

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import crafted_archives  # noqa: E402

_HOW = r"custom_objects=.*safe_mode=False"
_FN = r"(?s)Lambda layer 'evil'.*names .*{}.*" + _HOW
_BYTECODE = r"(?s){} of Lambda layer 'evil' is stored as Python bytecode.*safe_mode=False"
_IN_DENSE = r"(?s)Could not rebuild layer 'dense' \(Dense\).*Unknown {}: '{}'.*custom_objects"
_MISSING = r"(?s)could not be found:.*'{}'.*custom_objects=.*never imports a module a file names.*safe_mode=False"
_NOT_COMPILED = r"(?s)was loaded but not compiled.*'{}'"

# case -> (outcome, regex on the error, or on the warning for compile configs that load uncompiled)
EXPECTED = {
    "lambda_function_torch_save": ("UnsafeObjectError", _FN.format("'torch.save'")),
    "lambda_function_os_system": ("UnsafeObjectError", _FN.format("'os.system'")),
    "lambda_function_builtins_exec": ("UnsafeObjectError", _FN.format("'builtins.exec'")),
    "lambda_function_print": ("UnsafeObjectError", _FN.format("'builtins.print'")),
    "lambda_function_probe_module": ("UnsafeObjectError", _FN.format("'hostile_probe.evil'")),
    "lambda_function_module_this": ("UnsafeObjectError", _FN.format("'this.s'")),
    "lambda_function_non_modeling_keras_api": ("UnsafeObjectError",
                                               _FN.format("'keras.saving.load_model'.*never from 'keras.saving'")),
    "lambda_function_lamina_saving_api": ("UnsafeObjectError", _FN.format("'lamina.saving.saving_api.save_model'")),
    "lambda_function_class_path": ("MissingClassError", r"(?s)Unknown layer class 'EvilLayer'.*" + _HOW),
    "lambda_function_bytecode": ("UnsafeObjectError", _BYTECODE.format("The function")),
    "lambda_output_shape_probe": ("UnsafeObjectError",
                                  r"(?s)output_shape of " + _FN[4:].format("'hostile_probe.evil'")),
    "lambda_output_shape_print": ("UnsafeObjectError", r"(?s)output_shape of " + _FN[4:].format("'builtins.print'")),
    "lambda_output_shape_bytecode": ("UnsafeObjectError", _BYTECODE.format("The output_shape")),
    "lambda_mask_probe": ("UnsafeObjectError", r"(?s)mask of " + _FN[4:].format("'hostile_probe.evil'")),
    "lambda_mask_bytecode": ("UnsafeObjectError", _BYTECODE.format("The mask")),
    "activation_probe": ("LoadError", _IN_DENSE.format("activation", "evil")),
    "activation_builtins_exec": ("LoadError", _IN_DENSE.format("activation", "exec")),
    "activation_os_system": ("LoadError", _IN_DENSE.format("activation", "system")),
    "activation_bytecode": ("LoadError", r"(?s)Could not rebuild layer 'dense'.*serialized lambda.*custom_objects"),
    "initializer_probe": ("LoadError", _IN_DENSE.format("initializer", "EvilInit")),
    "initializer_function_probe": ("LoadError", _IN_DENSE.format("initializer", "evil")),
    "regularizer_probe": ("LoadError", _IN_DENSE.format("regularizer", "EvilRegularizer")),
    "constraint_probe": ("LoadError", _IN_DENSE.format("constraint", "EvilConstraint")),
    "layer_module_this": ("MissingClassError", _MISSING.format("Zen")),
    "layer_module_probe": ("MissingClassError", _MISSING.format("EvilLayer")),
    "layer_registered_name_probe": ("MissingClassError", _MISSING.format("hostile_probe>EvilLayer")),
    "layer_module_os": ("MissingClassError", _MISSING.format("system")),
    "nested_rnn_cell_probe": ("LoadError", r"(?s)RNN: unknown layer class 'EvilCell' \(module 'hostile_probe'\).*"
                                           + _HOW),
    "nested_bidirectional_probe": ("LoadError", r"(?s)Bidirectional: unknown layer class 'EvilLayer'.*" + _HOW),
    "compile_loss_probe": ("loaded", _NOT_COMPILED.format("evil")),
    "compile_loss_class_probe": ("loaded", _NOT_COMPILED.format("EvilLoss")),
    "compile_metric_probe": ("loaded", _NOT_COMPILED.format("evil")),
    "compile_metric_class_probe": ("loaded", _NOT_COMPILED.format("EvilMetric")),
    "compile_optimizer_probe": ("loaded", _NOT_COMPILED.format("EvilOptimizer")),
    "compile_schedule_probe": ("loaded", _NOT_COMPILED.format("EvilSchedule")),
    "compile_loss_os_system": ("loaded", _NOT_COMPILED.format("system")),
}


def _base_model():
    inputs = keras.Input(shape=(4,), name="inp")
    model = keras.Model(inputs, layers.Dense(3, name="dense")(inputs))
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    work = tmp_path_factory.mktemp("crafted")
    base = str(work / "base.keras")
    _base_model().save(base)
    probe, markers, cases = (str(work / name) for name in ("probe", "markers", "cases"))
    for folder in (probe, markers, cases):
        os.makedirs(folder)
    crafted_archives.write_probe_module(probe)
    paths = crafted_archives.crafted_cases(crafted_archives.read_members(base), cases, markers)
    (work / "cases.json").write_text(json.dumps(paths))
    root = os.path.dirname(os.path.dirname(HERE))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, os.path.join(HERE, "load_probe.py"), "lamina", probe, markers, base,
                           str(work / "cases.json")], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_crafted_case_is_checked(report):
    assert sorted(report) == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_crafted_archive_runs_no_code(report, case):
    result = report[case]
    assert result["markers"] == [], f"{case} ran code: it left {result['markers']}"
    assert crafted_archives.PRINT_MARKER not in result["printed"]
    assert crafted_archives.ZEN_TEXT not in result["printed"]
    foreign = [m for m in result["new_modules"] if m != "lamina" and not m.startswith("lamina.")]
    assert foreign == [], f"{case} imported {foreign}"
    outcome, pattern = EXPECTED[case]
    assert result["outcome"] == outcome, result["message"]
    text = result["message"] if outcome != "loaded" else " | ".join(result["warnings"])
    assert re.search(pattern, text), text


# ------------------------------------------------------------------ what safe mode still allows

def double(x):
    return x * 2.0


def _lambda_model(function, **kwargs):
    inputs = keras.Input(shape=(3,))
    return keras.Model(inputs, layers.Lambda(function, **kwargs)(inputs))


def test_named_function_loads_with_custom_objects(tmp_path):
    _lambda_model(double).save(tmp_path / "m.keras")
    with pytest.raises(UnsafeObjectError, match=r"(?s)The function of Lambda layer 'lambda'.*"
                                                r"test_load_security.double'.*custom_objects=\{'double'"):
        load_model(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras", custom_objects={"double": double})
    torch.testing.assert_close(loaded(torch.ones(1, 3)), torch.full((1, 3), 2.0))
    with keras.saving.custom_object_scope({"double": double}):
        assert load_model(tmp_path / "m.keras").layers[-1].function is double


def test_trusted_file_may_import_the_module_it_names(tmp_path):
    _lambda_model(double).save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras", safe_mode=False)
    assert loaded.layers[-1].function is double


def test_builtin_functions_load_in_safe_mode(tmp_path):
    # Keras's names for lamina's built-ins (a Keras-written Lambda(keras.activations.relu) says this).
    config = {"name": "l", "function": {"module": "keras.activations", "class_name": "function",
                                        "config": "relu", "registered_name": None},
              "output_shape": {"module": "builtins", "class_name": "function", "config": "linear",
                               "registered_name": None}}
    layer = layers.Lambda.from_config(config)
    assert layer.function is keras.activations.relu and layer._output_shape is keras.activations.linear
    # What Keras 3.15 writes for Lambda(keras.activations.gelu).
    keras_written = {"module": "builtins", "class_name": "function", "config": "gelu", "registered_name": "function"}
    assert layers.Lambda.from_config({"name": "l", "function": keras_written}).function is keras.activations.gelu
    _lambda_model(keras.activations.gelu).save(tmp_path / "m.keras")
    assert load_model(tmp_path / "m.keras").layers[-1].function is keras.activations.gelu


def test_direct_from_config_is_safe_and_the_argument_wins():
    config = layers.Lambda(double).get_config()
    with pytest.raises(UnsafeObjectError, match="custom_objects"):
        layers.Lambda.from_config(config)
    assert layers.Lambda.from_config(config, safe_mode=False).function is double
    assert layers.Lambda.from_config(config, custom_objects={"double": double}).function is double


def test_mask_function_round_trips(tmp_path):
    def keep_mask(inputs, mask=None):
        return mask

    model = _lambda_model(double, mask=keep_mask)
    assert model.layers[-1].get_config()["mask"]["config"] == "keep_mask"
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras", custom_objects={"double": double, "keep_mask": keep_mask})
    assert loaded.layers[-1].mask is keep_mask


def test_unsafe_switch_is_one_function(monkeypatch):
    assert not unsafe_allowed() and not unsafe_allowed(True) and unsafe_allowed(False)
    with safe_mode_module.safe_mode_scope(False):
        assert unsafe_allowed() and not unsafe_allowed(True)
    from lamina.backend import config as keras_config

    monkeypatch.setitem(keras_config._STATE, "safe_mode_saving", False)  # enable_unsafe_deserialization()
    assert unsafe_allowed(True)


def test_bytecode_refused_by_direct_from_config():
    config = layers.Lambda(lambda t: t + 1).get_config()
    with pytest.raises(LoadError, match="bytecode.*safe_mode=False"):
        layers.Lambda.from_config(config)
    assert layers.Lambda.from_config(config, safe_mode=False)(torch.zeros(1)).item() == 1.0
