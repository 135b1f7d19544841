"""Every family computes Keras's function: same weights (a deterministic pattern) -> Keras's outputs.

The reference outputs were computed by Keras 3.15 (tools/keras_crosscheck/applications_outputs.py)
with every weight set to `applications_pattern.pattern_value(layer name, index, shape, name)`; the
same values are set here by layer name, so any difference in structure, layer order, padding,
epsilon or weight layout shows as a different output.
"""

import pytest

import lamina
from lamina import applications
from app_fixtures import assert_close_to_keras, load_outputs, predict, set_pattern

INDEX, ARRAYS = load_outputs()


@pytest.mark.parametrize("key", sorted(INDEX["outputs"]))
def test_outputs_match_keras(key):
    config = INDEX["outputs"][key]
    lamina.clear_session()
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in config["kwargs"].items()}
    model = getattr(applications, config["constructor"])(weights=None, **kwargs)
    set_pattern(model)
    assert_close_to_keras(predict(model, ARRAYS[f"{key}/input"]), ARRAYS[f"{key}/output"])
