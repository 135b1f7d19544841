"""Every public lamina class and function that Keras 3.15 also has takes Keras's parameters.

Keras's signatures are stored in tests/fixtures/keras_api_signatures.json
(tools/keras_crosscheck/keras_api_signatures.py). A Keras name `keras.a.B` is looked up as
`lamina.a.B` (namespaces by attribute, then by import); names lamina lacks are the coverage
tool's business, not this test's. For each present class (its `__init__`) or function:

- every Keras parameter is in lamina's signature by name ("missing"; "missing, absorbed by
  **kwargs" when lamina's **kwargs would take it without naming it);
- Keras's positional-or-keyword parameters come first in lamina, in Keras's order ("positional");
- same-named parameters have the same default (tuple/list spellings and dtype spellings
  normalised) and the same required-ness ("default");
- `*args`/`**kwargs` kept where Keras has them ("varargs dropped", "kwargs dropped").

Extra lamina parameters are allowed after Keras's positional ones. Differences that are meant
are in DELIBERATE with a reason; those other branches are fixing now are in PENDING_OTHER_BRANCHES,
which the merge empties. Both lists are checked to still be differences, so they cannot go stale.
"""

import ast
import importlib
import inspect
import json
import os
import types
import warnings

import pytest

import lamina

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "keras_api_signatures.json")

# (Keras name, check) -> why lamina differs on purpose. None today: lamina's extra torch-only
# parameters (e.g. Model.fit's) come after Keras's positional ones or are keyword-only, which the
# checks allow. Add an entry only with a reason a Keras user would accept.
DELIBERATE = {
}

# (Keras name, check) -> the branch fixing it now (metrics order, losses/optimizers name=None, layer
# signatures, quantizers, distribution, dataset utils `format`). The lead empties this at merge;
# test_listed_differences_still_exist names the entries a merged branch has fixed.
PENDING_OTHER_BRANCHES = {}


def _keras_signatures():
    with open(FIXTURE) as handle:
        return json.load(handle)


def _resolve_namespace(dotted, cache={}):
    if dotted in cache:
        return cache[dotted]
    parts = dotted.split(".")
    if len(parts) == 1:
        found = lamina
    else:
        parent = _resolve_namespace(".".join(parts[:-1]))
        found = None
        if parent is not None:
            value = getattr(parent, parts[-1], None)
            if isinstance(value, types.ModuleType):
                found = value
            elif value is None:
                try:
                    found = importlib.import_module(f"{parent.__name__}.{parts[-1]}")
                except ImportError:
                    found = None
    cache[dotted] = found
    return found


def _lamina_params(obj):
    """[(name, kind, default repr or None, required)] like the fixture's, or None if unknown."""
    try:
        if inspect.isclass(obj):
            if obj.__init__ is object.__init__:
                return []
            params = list(inspect.signature(obj.__init__).parameters.values())[1:]
        else:
            params = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return None
    kinds = {"POSITIONAL_ONLY": "po", "POSITIONAL_OR_KEYWORD": "pk", "VAR_POSITIONAL": "var",
             "KEYWORD_ONLY": "ko", "VAR_KEYWORD": "kw"}
    out = []
    for p in params:
        empty = p.default is inspect.Parameter.empty
        out.append((p.name, kinds[p.kind.name], None if empty else repr(p.default)[:80],
                    empty and p.kind.name not in ("VAR_POSITIONAL", "VAR_KEYWORD")))
    return out


def _normalise(rep):
    """A default's repr with tuple/list and dtype spellings made comparable."""
    if rep is None:
        return None
    try:
        value = ast.literal_eval(rep)
    except (ValueError, SyntaxError):
        value = None
        if rep.startswith("torch."):  # torch.float32 == 'float32'
            return repr(rep[len("torch."):])
        return rep
    def tuples(v):
        if isinstance(v, (list, tuple)):
            return tuple(tuples(x) for x in v)
        return v
    return repr(tuples(value))


def _differences(keras_params, lamina_params):
    """{check: detail} for one name."""
    out = {}
    var = ("var", "kw")
    k_named = [p for p in keras_params if p[1] not in var]
    l_named = {p[0]: p for p in lamina_params if p[1] not in var}
    l_kwargs = any(p[1] == "kw" for p in lamina_params)
    l_varargs = any(p[1] == "var" for p in lamina_params)
    missing = [p[0] for p in k_named if p[0] not in l_named]
    if missing:
        out["missing, absorbed by **kwargs" if l_kwargs else "missing"] = missing
    if any(p[1] == "kw" for p in keras_params) and not l_kwargs:
        out["kwargs dropped"] = True
    if any(p[1] == "var" for p in keras_params) and not l_varargs:
        out["varargs dropped"] = True
    k_pos = [p[0] for p in keras_params if p[1] in ("po", "pk")]
    l_pos = [p[0] for p in lamina_params if p[1] in ("po", "pk")]
    if l_pos[:len(k_pos)] != k_pos:
        index = next(i for i, name in enumerate(k_pos) if i >= len(l_pos) or l_pos[i] != name)
        out["positional"] = {"index": index, "keras": k_pos[index:index + 4], "lamina": l_pos[index:index + 4]}
    defaults = {}
    for name, _, default, required in k_named:
        if name not in l_named:
            continue
        _, _, l_default, l_required = l_named[name]
        if required != l_required:
            defaults[name] = ["(required)" if required else default, "(required)" if l_required else l_default]
        elif not required and " at 0x" not in (default or "") + (l_default or "") and \
                _normalise(default) != _normalise(l_default):
            defaults[name] = [default, l_default]
    if defaults:
        out["default"] = defaults
    return out


def _all_differences():
    data = _keras_signatures()
    found = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for namespace, names in data["namespaces"].items():
            module = _resolve_namespace(namespace)
            if module is None:
                continue
            for name, entry in names.items():
                obj = getattr(module, name, None)
                if obj is None or isinstance(obj, types.ModuleType) or not callable(obj):
                    continue
                params = _lamina_params(obj)
                if params is None:
                    continue
                for check, detail in _differences(entry["params"], params).items():
                    found[(f"{namespace}.{name}", check)] = detail
    return found


@pytest.fixture(scope="module")
def differences():
    return _all_differences()


def test_fixture_is_keras_315():
    data = _keras_signatures()
    assert data["keras_version"].startswith("3.15")
    assert sum(len(v) for v in data["namespaces"].values()) > 1400


def test_signatures_match_keras(differences):
    unexpected = {key: detail for key, detail in differences.items()
                  if key not in DELIBERATE and key not in PENDING_OTHER_BRANCHES}
    lines = [f"{name} [{check}]: {detail}" for (name, check), detail in sorted(unexpected.items())]
    assert not unexpected, ("lamina signatures that differ from Keras 3.15's (fix them, or list a deliberate "
                            "difference in DELIBERATE with its reason):\n" + "\n".join(lines))


def test_listed_differences_still_exist(differences):
    stale = sorted(k for k in list(DELIBERATE) + sorted(PENDING_OTHER_BRANCHES) if k not in differences)
    assert not stale, f"No longer differences (remove them from DELIBERATE / PENDING_OTHER_BRANCHES): {stale}"


def test_the_comparison_catches_differences():
    keras_params = [["units", "pk", None, True], ["strides", "pk", "(1, 1)", False], ["name", "pk", "None", False],
                    ["kwargs", "kw", None, False]]
    assert _differences(keras_params, [("units", "pk", None, True), ("strides", "pk", "[1, 1]", False),
                                       ("name", "pk", "None", False), ("kwargs", "kw", None, False)]) == {}
    found = _differences(keras_params, [("units", "pk", "2", False), ("name", "pk", "None", False),
                                        ("strides", "pk", "1", False)])
    assert "missing" not in found
    assert _differences([["axis", "pk", "-1", False]], [("kwargs", "kw", None, False)])[
        "missing, absorbed by **kwargs"] == ["axis"]
    assert found["kwargs dropped"] is True
    assert found["positional"]["index"] == 1
    assert found["default"] == {"units": ["(required)", "2"], "strides": ["(1, 1)", "1"]}
    assert _differences([["dtype", "pk", "'float32'", False]], [("dtype", "pk", "torch.float32", False)]) == {}
