"""The package layers point one way: graph/ below layers/ and ops/, backend/ below everything."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "lamina"


def _imported_modules(path):
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("folder, forbidden", [
    ("graph", ("lamina.layers", "lamina.ops", "lamina.models", "lamina.saving", "lamina.metrics")),
    ("backend", ("lamina.layers", "lamina.ops", "lamina.models", "lamina.metrics", "lamina.graph")),
])
def test_lower_packages_do_not_import_higher_ones(folder, forbidden):
    offenders = {}
    for path in sorted((PACKAGE / folder).glob("*.py")):
        if (folder, path.name) == ("backend", "__init__.py"):
            # The package's front is Keras's `keras.backend` namespace, whose `is_keras_tensor` and
            # `result_type` answer about graph tensors and op dtypes: it imports them inside those
            # two functions, at call time. The modules inside backend/ stay below everything.
            continue
        bad = sorted(m for m in _imported_modules(path) if m.startswith(forbidden))
        if bad:
            offenders[path.name] = bad
    assert offenders == {}
