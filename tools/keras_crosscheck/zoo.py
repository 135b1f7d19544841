"""Architectures beyond the fixtures, built by the same code under lamina and under real Keras 3.

    python zoo.py <lamina|keras> save <dir>   builds every model, saves <name>.keras and its outputs
    python zoo.py <lamina|keras> load <dir>   loads every <name>.keras, compares with the writer's outputs
    python zoo.py <lamina|keras> rebuild <dir>  builds every model itself, takes the writer's
                                              get_weights() through set_weights, compares outputs

Run `save` with one framework and `load`/`rebuild` with the other (run.sh does both directions).
"""

import importlib
import sys

import numpy as np

from zoo_models import make

framework, mode, out = sys.argv[1:4]
keras = importlib.import_module(framework)
MODELS = make(keras, adapt=(mode == "save"))


def flat(outputs):
    if isinstance(outputs, dict):
        return [np.asarray(outputs[k]) for k in sorted(outputs)]
    if isinstance(outputs, (list, tuple)):
        return [np.asarray(o) for o in outputs]
    return [np.asarray(outputs)]


def save_inputs(path, inputs):
    if isinstance(inputs, dict):
        np.savez(path, **{f"key_{k}": v for k, v in inputs.items()})
    elif isinstance(inputs, list):
        np.savez(path, **{f"item_{i}": v for i, v in enumerate(inputs)})
    else:
        np.savez(path, single=inputs)


def load_inputs(path):
    stored = np.load(path)
    if "single" in stored:
        return stored["single"]
    if all(k.startswith("key_") for k in stored.files):
        return {k[4:]: stored[k] for k in stored.files}
    return [stored[f"item_{i}"] for i in range(len(stored.files))]


for name, build in MODELS.items():
    try:
        if mode == "save":
            model, inputs = build()
            model.save(f"{out}/{name}.keras")
            np.savez(f"{out}/{name}.npz", *flat(model.predict(inputs, verbose=0)))
            np.savez(f"{out}/{name}.weights.npz", *model.get_weights())
            save_inputs(f"{out}/{name}.inputs.npz", inputs)
        else:
            import os
            if not os.path.exists(f"{out}/{name}.keras"):
                continue  # written by one framework only (ops_in_graph)
            inputs = load_inputs(f"{out}/{name}.inputs.npz")
            if mode == "rebuild":
                model = build()[0]
                stored = np.load(f"{out}/{name}.weights.npz")
                model.set_weights([stored[f"arr_{i}"] for i in range(len(stored.files))])
                for layer in model.layers:  # Keras's Normalization derives its statistics here
                    if hasattr(layer, "finalize_state"):
                        layer.finalize_state()
            else:
                model = keras.models.load_model(f"{out}/{name}.keras")
            results = flat(model.predict(inputs, verbose=0))
            reference = np.load(f"{out}/{name}.npz")
            diff = max(float(np.abs(r - reference[f"arr_{i}"]).max()) for i, r in enumerate(results))
            # float32 agreement: 1e-5 absolute, or relative for large values (an exponential's outputs)
            close = all(np.allclose(r, reference[f"arr_{i}"], rtol=1e-5, atol=1e-5) for i, r in enumerate(results))
            print(f"{name:28s} {'loaded' if mode == 'load' else 'rebuilt'} by {framework}: max |diff| {diff:.2e}", "OK" if close else "FAILED")
    except NotImplementedError:
        continue
    except Exception as error:  # report every model, not just the first failure
        print(f"{name:28s} {mode} with {framework} FAILED: {type(error).__name__}: {str(error)[:400]}")
