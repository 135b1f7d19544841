"""Keras 3.15-computed steps of the optimizers added for issue 16 (Adadelta, Lamb),
for tests/optimizers/test_new_optimizers.py.

Run: KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/make_new_optimizer_steps.py
Writes tests/optimizers/new_optimizer_steps.npz: for each case, the (4, 3) start
value `w0`, five gradients `g0..g4` and Keras's value after each step `after{i}`,
plus the optimizer's variables after the fifth step (`slot{j}`, Keras's order).
"""

import json
import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402

CASES = {
    "adadelta_default": ("Adadelta", {}),
    "adadelta_lr1_wd": ("Adadelta", {"learning_rate": 1.0, "rho": 0.9, "weight_decay": 0.05}),
    "lamb_default": ("Lamb", {}),
    "lamb_wd_clip": ("Lamb", {"learning_rate": 0.01, "beta_1": 0.8, "weight_decay": 0.1, "clipnorm": 1.0}),
}


def main():
    rng = np.random.default_rng(16)
    out = {}
    w0 = rng.standard_normal((4, 3)).astype("float32")
    grads = [rng.standard_normal((4, 3)).astype("float32") for _ in range(5)]
    out["w0"] = w0
    for i, g in enumerate(grads):
        out[f"g{i}"] = g
    meta = {}
    for key, (cls, args) in CASES.items():
        var = keras.Variable(w0)
        opt = getattr(keras.optimizers, cls)(**args)
        for i, g in enumerate(grads):
            opt.apply_gradients([(keras.ops.convert_to_tensor(g), var)])
            out[f"{key}/after{i}"] = np.asarray(var.value)
        slots = [np.asarray(v.value) for v in opt.variables]
        for j, s in enumerate(slots):
            out[f"{key}/slot{j}"] = s
        meta[key] = {"class": cls, "args": args, "n_slots": len(slots),
                     "slot_paths": [v.path for v in opt.variables]}
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "optimizers", "new_optimizer_steps.npz")
    out["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, **out)
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main()
