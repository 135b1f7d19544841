"""summary() of more architectures equals the text Keras 3 printed for the same code (see
tests/models/keras_summaries/README.md): layer names, shapes, counts, connections, byte sizes."""

import os

import pytest
from zoo_models import make  # tools/keras_crosscheck, on the path via tests/conftest.py

import lamina

SUMMARIES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_summaries")
NAMES = sorted(f[:-4] for f in os.listdir(SUMMARIES) if f.endswith(".txt"))


@pytest.mark.parametrize("name", NAMES)
def test_summary_equals_keras_text(name, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    lamina.clear_session(free_memory=False)
    model, _ = make(lamina)[name]()
    lines = []
    model.summary(print_fn=lines.append)
    with open(os.path.join(SUMMARIES, f"{name}.txt"), encoding="utf-8") as f:
        assert "".join(lines) + "\n" == f.read()
