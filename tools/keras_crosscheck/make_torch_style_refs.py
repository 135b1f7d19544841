"""Runs `torch_style_cases` with real Keras 3 on its torch backend and stores, per case, the initial
weights and the logs, for `tests/trainers/test_torch_style_guides.py` (which never needs Keras).

    KERAS_BACKEND=torch python make_torch_style_refs.py <output.json>

Keras's torch backend needs torch next to Keras: run it with a Python that has both (e.g. lamina's
venv with the Keras venv's site-packages on PYTHONPATH; see run.sh).
"""

import json
import sys

import keras
import numpy as np

from torch_style_cases import CASES

assert keras.backend.backend() == "torch", "run with KERAS_BACKEND=torch"
references = {}
for name, build in CASES.items():
    keras.utils.set_random_seed(0)
    model, run = build(keras)
    weights = [np.asarray(w) for w in model.get_weights()]
    history = run()
    references[name] = {"weights": [w.tolist() for w in weights], "shapes": [list(w.shape) for w in weights],
                        "history": history}
    print(name, {k: [round(v, 5) for v in values] for k, values in history.items()})
with open(sys.argv[1], "w") as f:
    json.dump({"keras_version": keras.__version__, "backend": "torch", "cases": references}, f)
