"""Shared fixtures of the ops tests."""

import pytest

from lamina.backend import dtypes as backend_dtypes


@pytest.fixture
def scratch_registry():
    """Ops registered inside a test are removed from the registry afterwards."""
    from lamina.ops._op import OP_REGISTRY

    before = dict(OP_REGISTRY)
    yield OP_REGISTRY
    OP_REGISTRY.clear()
    OP_REGISTRY.update(before)


@pytest.fixture
def floatx_set():
    """`floatx_set("float16")` for the rest of the test; the previous floatx comes back after."""
    previous = backend_dtypes.floatx()
    yield backend_dtypes.set_floatx
    backend_dtypes.set_floatx(previous)
