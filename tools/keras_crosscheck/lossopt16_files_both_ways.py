"""Keras 3 resumes training from `.keras` files lamina saved with the issue-16 optimizers.

Two runs (the second needs Keras, so this is a tool, not a test):

    PYTHONPATH=. .venv/bin/python tools/keras_crosscheck/lossopt16_files_both_ways.py save DIR
    KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/lossopt16_files_both_ways.py check DIR

`save`: loads each Keras-written tests/optimizers/lossopt16_models/{case}.keras in lamina,
trains one step, saves DIR/{case}.keras, then trains one more step and stores lamina's
optimizer variables (before that step) and weights (after it) in DIR/{case}.npz.
`check`: loads DIR/{case}.keras in Keras, compares its optimizer variables with lamina's,
trains the same step and compares the weights. Prints the largest differences.
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "..", "..", "tests", "optimizers")
CASES = ["ftrl", "adafactor", "muon", "sfadamw", "lso", "multi", "adafactor_conv", "muon_conv"]


def save(folder):
    import lamina as keras
    from lamina.saving.optimizer_state import keras_optimizer_variables

    data = np.load(os.path.join(TESTS, "lossopt16_steps.npz"))
    os.makedirs(folder, exist_ok=True)
    for case in CASES:
        model = keras.saving.load_model(os.path.join(TESTS, "lossopt16_models", f"{case}.keras"))
        x, y = data[f"{case}/model/x"], data[f"{case}/model/y"]
        model.train_on_batch(x, y)
        model.save(os.path.join(folder, f"{case}.keras"))
        out = {f"opt{j}": np.array(v, copy=True) for j, v in enumerate(keras_optimizer_variables(model, model.optimizer))}
        model.train_on_batch(x[::-1].copy(), y)
        out.update({f"w{j}": w for j, w in enumerate(model.get_weights())})
        out.update(x=x[::-1].copy(), y=y)
        np.savez(os.path.join(folder, f"{case}.npz"), **out)
        print("saved", case)


def check(folder):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    report = {}
    for case in CASES:
        ref = np.load(os.path.join(folder, f"{case}.npz"))
        model = keras.saving.load_model(os.path.join(folder, f"{case}.keras"))
        values = [np.asarray(v.value) for v in model.optimizer.variables]
        n = len([k for k in ref.files if k.startswith("opt")])
        assert len(values) == n, (case, len(values), n)
        opt_err = max(float(np.max(np.abs(v.astype(np.float64) - ref[f"opt{j}"]))) for j, v in enumerate(values))
        model.train_on_batch(ref["x"], ref["y"])
        w_err = max(float(np.max(np.abs(np.asarray(w) - ref[f"w{j}"]))) for j, w in enumerate(model.get_weights()))
        report[case] = {"optimizer_variables_max_abs_diff": opt_err, "weights_after_step_max_abs_diff": w_err}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    {"save": save, "check": check}[sys.argv[1]](sys.argv[2])
