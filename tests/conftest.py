"""Test set-up: the path of the Keras reference files (tests/fixtures), fresh layer names per test."""

import pathlib

import pytest

import lamina


# Reference files made by real Keras 3 (tests/fixtures/README.md; tools/fixtures/ regenerates them).
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> pathlib.Path:
    return FIXTURES


@pytest.fixture(autouse=True)
def _fresh_names():
    """Every test starts with Keras's name counters at zero (`dense`, `dense_1`, ...)."""
    # free_memory=False: clear_session's default runs a full gc.collect(), ~0.4 s with torch loaded.
    lamina.clear_session(free_memory=False)
    yield


def pytest_configure(config):
    # Compiled training steps go to a cache of this session only, and "auto" starts no child
    # compiles (tests/trainers/test_capture_cache.py turns that on where it tests it).
    import os
    import tempfile

    os.environ["LAMINA_CACHE_DIR"] = tempfile.mkdtemp(prefix="lamina-test-cache-")
    os.environ.setdefault("LAMINA_BACKGROUND_COMPILE", "0")
    # Test helpers that sit beside the tests (e.g. tests/models/keras_weights.py) import by name.
    import sys

    for sub in ("models", "layers"):
        path = str(pathlib.Path(__file__).parent / sub)
        if path not in sys.path:
            sys.path.insert(0, path)
    # Helpers shared across test folders (tests/_training_refs.py); appended so that no
    # test folder name (utils, models, ...) shadows an installed package.
    tests_dir = str(pathlib.Path(__file__).parent)
    # The cross-check architectures (zoo_models.make), built once for lamina and Keras, serve
    # the tests too.
    zoo_dir = str(pathlib.Path(__file__).parent.parent / "tools" / "keras_crosscheck")
    for path in (tests_dir, zoo_dir):
        if path not in sys.path:
            sys.path.append(path)
