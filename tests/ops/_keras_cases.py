"""Replays the Keras-computed cases of `tools/keras_crosscheck/make_opsc_fixtures.py` on lamina."""

import json
import os

import numpy as np
import torch

import lamina.ops.image as image_ops
import lamina.ops.nn as nn_ops

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
_MODULES = {"nn": nn_ops, "image": image_ops}


def load_cases(module):
    """[(name, spec)] of the cases for `module` ("nn" or "image"), and the arrays."""
    with open(os.path.join(FIXTURES, "keras_opsc_cases.json")) as f:
        cases = json.load(f)["cases"]
    arrays = np.load(os.path.join(FIXTURES, "keras_opsc_values.npz"))
    selected = sorted((name, spec) for name, spec in cases.items()
                      if spec["op"].split(".")[0] == module)
    return selected, arrays


def run_case(spec, arrays):
    """Calls the lamina op of a case; returns (outputs as a list, expected arrays as a list)."""
    module, name = spec["op"].split(".")
    fn = getattr(_MODULES[module], name)
    args = [torch.from_numpy(np.array(arrays[key])) for key in spec["args"]]
    tensor_kwargs = {k: torch.from_numpy(np.array(arrays[key]))
                     for k, key in spec["tensor_kwargs"].items()}
    out = fn(*args, **spec["kwargs"], **tensor_kwargs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return outs, [np.array(arrays[key]) for key in spec["outputs"]]


def run_symbolic(spec, arrays):
    """Calls the op of a case on `lamina.Input`s of the case's shapes and dtypes (no compute);
    returns [(shape, dtype name)] of the outputs and of Keras's eager outputs."""
    import lamina

    module, name = spec["op"].split(".")
    fn = getattr(_MODULES[module], name)

    def symbolic(key):
        a = np.array(arrays[key])
        return lamina.Input(batch_shape=a.shape, dtype=str(a.dtype))

    args = [symbolic(key) for key in spec["args"]]
    if name == "scale_and_translate":  # its output_shape is a tuple of ints, not a tensor
        args[1] = tuple(int(v) for v in np.array(arrays[spec["args"][1]]))
    out = fn(*args, **spec["kwargs"],
             **{k: symbolic(key) for k, key in spec["tensor_kwargs"].items()})
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    got = [(tuple(o.shape), str(o.dtype).replace("torch.", "")) for o in outs]
    want = [(np.array(arrays[key]).shape, str(np.array(arrays[key]).dtype))
            for key in spec["outputs"]]
    return got, want


def assert_case_matches(spec, arrays):
    outs, expected = run_case(spec, arrays)
    assert len(outs) == len(expected), f"{spec['op']}: {len(outs)} outputs, Keras gives {len(expected)}"
    for got, want in zip(outs, expected):
        assert str(got.dtype).replace("torch.", "") == str(want.dtype), (
            f"{spec['op']}: dtype {got.dtype}, Keras {want.dtype}")
        got = got.detach().cpu().numpy()
        assert got.shape == want.shape, f"{spec['op']}: shape {got.shape}, Keras {want.shape}"
        if want.dtype.kind in "iub":
            # Integer results: exact, or within `tolerance` (>= 1) where the case says so.
            atol = spec["tolerance"] if spec["tolerance"] >= 1 else 0
            np.testing.assert_allclose(got.astype("int64"), want.astype("int64"), rtol=0, atol=atol)
        else:
            tol = spec["tolerance"]
            np.testing.assert_allclose(got, want, rtol=tol * 10, atol=tol * 10)


# -------------------------------------------------------------------- the contract with Keras's table

import inspect  # noqa: E402
import pathlib  # noqa: E402

_TABLE = pathlib.Path(__file__).resolve().parents[2] / "tools" / "keras_crosscheck" / "keras_op_table.json"


def keras_table(namespace, module=None):
    """Keras 3.15's entries of `keras.ops.<namespace>` (or of `keras.ops` from `module`)."""
    entries = json.loads(_TABLE.read_text())["namespaces"][namespace]
    if module is not None:
        entries = {k: v for k, v in entries.items() if v.get("module") == module}
    return entries


def _keras_params(entry):
    return [(p["name"], str(p.get("default", "<none>")), p["kind"]) for p in entry["signature"]]


def _our_params(fn):
    out = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            default = "<none>"
        elif p.default is inspect.Parameter.empty:
            default = "<required>"
        else:
            default = str(json.loads(json.dumps(p.default)))
        out.append((p.name, default, p.kind.name))
    return out


def check_contract(fn, entry, module):
    """Signature, Keras class name and config as Keras's; a docstring with its torch/NumPy
    equivalent, `Args:` and an example."""
    assert _our_params(fn) == _keras_params(entry)
    definition = getattr(fn, "op_definition", None)
    assert definition is not None, "not a keras_op"
    assert definition.class_name == entry["class_name"]
    assert list(definition.config) == [c for c in entry.get("config") or [] if c in
                                       inspect.signature(fn).parameters]
    assert definition.module == module
    doc = fn.__doc__ or ""
    first = doc.split("\n\n")[0]
    assert "torch" in first or "NumPy" in first or "np." in first, first
    assert "Example:" in doc and "Args:" in doc


def run_doctests(module_name):
    """Runs the `Example:` sections of a module's docstrings; returns the number of failures."""
    import doctest
    import importlib

    module = importlib.import_module(module_name)
    result = doctest.testmod(module, extraglobs={"torch": torch}, report=False,
                             optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    return result.failed, result.attempted
