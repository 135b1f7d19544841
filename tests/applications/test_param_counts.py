"""Every application constructor has Keras's parameter count, layer names and weight shapes.

The reference values come from Keras 3.15 (`tools/keras_crosscheck/applications_params.py`):
per configuration, `count_params()`, the number of layers with weights and a SHA-1 of the
"name:shapes" listing of those layers. Models are built on the meta device: no memory, no compute.
"""

import hashlib
import json
import pathlib

import pytest
import torch

import lamina
from lamina import applications
from lamina.saving.legacy_h5 import _keras_shapes

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "keras_param_counts.json"
RECORDS = json.loads(FIXTURE.read_text()) if FIXTURE.exists() else []


def listing(model):
    rows = []
    for layer in model.layers:
        if layer.weights:
            shapes = ",".join(str(tuple(int(d) for d in s)) for s in _keras_shapes(layer))
            rows.append(f"{layer.name}:{shapes}")
    return rows


def build_on_meta(record):
    lamina.clear_session()
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in record["kwargs"].items()}
    with torch.device("meta"):
        return getattr(applications, record["constructor"])(weights=None, **kwargs)


def _id(record):
    return record["constructor"] + "".join(f"-{k}={v}" for k, v in record["kwargs"].items())


@pytest.mark.parametrize("record", RECORDS, ids=_id)
def test_params_names_and_shapes_match_keras(record):
    model = build_on_meta(record)
    rows = listing(model)
    assert model.count_params() == record["params"]
    assert sum(w.numel() for w in model.trainable_weights) == record["trainable_params"]
    assert model.name == record["model_name"]
    assert list(model.output_shape) == record["output_shape"]
    assert len(rows) == record["weighted_layers"]
    assert hashlib.sha1("\n".join(rows).encode()).hexdigest() == record["listing_sha1"], rows[:5]
