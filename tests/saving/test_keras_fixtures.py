"""Every Keras-3-written fixture loads and reproduces Keras's outputs.

Fixtures whose layer classes lamina does not implement yet are strict xfails
naming the missing classes (computed from `lamina.layers` at collection), so
they turn into real tests the moment the class lands.
"""

import json
import os
import zipfile

import numpy as np
import pytest
import torch

from lamina.saving import load_model
from lamina.saving.class_registry import builtin_classes, layer_entries
from lamina.saving.saving_api import model_to_config

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras")
FIXTURES = os.path.normpath(os.environ.get("LAMINA_KERAS_FIXTURES", FIXTURES))


def _index():
    path = os.path.join(FIXTURES, "INDEX.json")
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        return json.load(handle)["fixtures"]


def _config(name):
    with zipfile.ZipFile(os.path.join(FIXTURES, f"{name}.keras")) as archive:
        return json.loads(archive.read("config.json"))


def _missing_classes(name):
    config = _config(name)
    known = builtin_classes()
    needed = {entry["class_name"] for entry in layer_entries(config)
              if str(entry.get("module", "")).startswith("keras.layers")}
    return sorted(needed - set(known))


def _params():
    out = []
    for name in sorted(_index()):
        missing = _missing_classes(name)
        marks = [pytest.mark.xfail(strict=True, reason=f"lamina.layers lacks {missing}")] if missing else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def _build_config_differences(name):
    """Layers whose lamina class records a build_config exactly when Keras does not, or vice versa.

    Both record one exactly when the layer is not yet built at its first call (Keras's default
    `build` records the input shape too); layers built at construction record none. Either
    difference is harmless for loading (both sides build layers by calling them) but shows in
    the config, so such fixtures are strict xfails naming the layer until it is aligned.
    """
    from lamina.layers.layer import Layer
    from lamina.layers.input_layer import InputLayer

    known = builtin_classes()
    out = set()
    for entry in layer_entries(_config(name)):
        cls = known.get(entry["class_name"])
        if cls is None or issubclass(cls, InputLayer) or cls.get_build_config is not Layer.get_build_config \
                or not str(entry.get("module", "")).startswith("keras.layers"):  # models build by their graph
            continue
        built_at_construction = cls.from_config(entry["config"]).built
        if ("build_config" in entry) == built_at_construction:
            out.add(f"{entry['class_name']} ({'Keras has' if 'build_config' in entry else 'Keras has no'} "
                    f"build_config, lamina's layer is {'' if built_at_construction else 'not '}built at "
                    f"construction)")
    return sorted(out)


def _resave_params():
    out = []
    for param in PARAMS:
        name = param.values[0]
        marks = list(param.marks)
        differences = [] if marks else _build_config_differences(name)
        if differences:
            marks = [pytest.mark.xfail(strict=True, reason=f"build_config differs from Keras: {differences}")]
        out.append(pytest.param(name, marks=marks, id=name))
    return out


PARAMS = _params()
RESAVE_PARAMS = _resave_params()


def test_fixture_folder_is_present():
    assert PARAMS, f"no Keras fixtures found in {FIXTURES}"


def _run(model, data):
    inputs = [torch.from_numpy(data[k]) for k in sorted(k for k in data.files if k.startswith("in_"))]
    with torch.no_grad():
        out = model(inputs if len(inputs) > 1 else inputs[0])
    if isinstance(out, dict):
        out = list(out.values())
    return [o.numpy() for o in (out if isinstance(out, (list, tuple)) else [out])]


@pytest.mark.parametrize("name", PARAMS)
def test_fixture_loads_and_matches_keras_outputs(name):
    model = load_model(os.path.join(FIXTURES, f"{name}.keras"))
    data = np.load(os.path.join(FIXTURES, f"{name}.npz"))
    outputs = _run(model, data)
    expected = [data[k] for k in sorted((k for k in data.files if k.startswith("out_")), key=lambda k: int(k[4:]))]
    assert len(outputs) == len(expected)
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=name)


def _strip_sharing(value):
    if isinstance(value, dict):
        return {k: _strip_sharing(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, list):
        return [_strip_sharing(v) for v in value]
    return value


def _without_wrapped_build_configs(config):
    """Drops `build_config` of layers wrapped inside another layer's config (Bidirectional, TimeDistributed).

    The wrapper builds its inner layers itself, so loading never reads these; lamina's wrappers leave
    them out (reported to their authors), and this comparison is about what loading depends on.
    """
    def walk(value, inside_layer_config):
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key == "build_config" and inside_layer_config:
                    continue
                out[key] = walk(item, inside_layer_config or (key == "config" and "class_name" in value
                                                              and "layers" not in (item or {})))
            return out
        if isinstance(value, list):
            return [walk(v, inside_layer_config) for v in value]
        return value
    return walk(config, False)


@pytest.mark.parametrize("name", RESAVE_PARAMS)
def test_fixture_resaves_identically(name, tmp_path):
    """lamina re-writes the Keras config (minus Keras's object-sharing ids) and the h5 layout exactly."""
    import h5py

    source = os.path.join(FIXTURES, f"{name}.keras")
    model = load_model(source)
    with zipfile.ZipFile(source) as archive:
        keras_config = json.loads(archive.read("config.json"))
    assert _without_wrapped_build_configs(model_to_config(model)) == \
        _without_wrapped_build_configs(_strip_sharing(keras_config))
    target = tmp_path / "again.keras"
    model.save(target)

    def layout(path):
        with zipfile.ZipFile(path) as archive:
            import io

            with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as h5:
                # Datasets (path, value) and the `name` of their group: empty groups of state-less
                # sub-layers (Keras's MHA `_softmax`) play no role when either side loads the file.
                items = []
                h5.visititems(lambda key, obj: items.append(
                    (key, obj.parent.attrs.get("name"), np.asarray(obj[()]).tolist()))
                    if isinstance(obj, h5py.Dataset) else None)
                return items

    assert layout(target) == layout(source)
