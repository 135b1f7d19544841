"""Loads the Keras 3.15.1 reference values (`training_refs.json` + `.npz`).

Shared by tests/losses, tests/metrics and tests/optimizers (`from _training_refs import ...`;
tests/conftest.py puts this folder on sys.path).

The files live in tests/fixtures/training (tools/fixtures/make_training_refs.py wrote them);
LAMINA_TRAINING_REFS may name another folder holding them.
"""

import json
import os
from pathlib import Path

import numpy as np

_REPO = Path(__file__).resolve().parents[1]
_CANDIDATES = [
    os.environ.get("LAMINA_TRAINING_REFS"),
    _REPO / "tests" / "fixtures" / "training",
]


def _folder():
    for candidate in _CANDIDATES:
        if candidate and (Path(candidate) / "training_refs.json").is_file():
            return Path(candidate)
    raise FileNotFoundError(
        "training_refs.json not found; looked in "
        f"{[str(c) for c in _CANDIDATES if c]}. Set LAMINA_TRAINING_REFS to its folder."
    )


_FOLDER = _folder()
CASES = json.loads((_FOLDER / "training_refs.json").read_text())["cases"]
ARRAYS = dict(np.load(_FOLDER / "training_refs.npz"))


def cases(kind, classes=None):
    """The reference cases of one kind ("loss", "metric", "optimizer", "schedule")."""
    return [c for c in CASES if c["kind"] == kind and (classes is None or c["class"] in classes)]


def case_id(case):
    args = ",".join(f"{k}={v}" for k, v in case["args"].items())
    return f"{case['class']}({args})"
