"""lamina -> Keras direction of the LoRA / quantization round trips.

Step 1 (lamina's venv) writes `.keras` and `.weights.h5` files of LoRA and quantized models with
their inputs and lamina's outputs:

    PYTHONPATH=. .venv/bin/python tools/keras_crosscheck/check_lora_quant_reverse.py write /tmp/lq_rev

Step 2 (the Keras venv) loads each with Keras 3 and compares Keras's outputs with lamina's:

    KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/check_lora_quant_reverse.py \
        check /tmp/lq_rev

Prints one line per file and exits non-zero on a mismatch.
"""

import os
import sys

import numpy as np


def write(folder):
    import torch

    import lamina as keras
    from lamina import quantizers as Q

    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    def dump(model, name, x):
        model.save(os.path.join(folder, f"{name}.keras"))
        model.save_weights(os.path.join(folder, f"{name}.weights.h5"))
        y = model(torch.from_numpy(x)).detach().numpy()
        np.savez(os.path.join(folder, f"{name}_io.npz"), x=x, y=y)

    inputs = keras.Input((8,))
    hidden = keras.layers.Dense(12, activation="relu", lora_rank=2, name="d1")(inputs)
    hidden = keras.layers.Reshape((3, 4))(hidden)
    outputs = keras.layers.EinsumDense("abc,cd->abd", (None, 5), bias_axes="d", lora_rank=2, name="ein")(hidden)
    model = keras.Model(inputs, outputs)
    with torch.no_grad():
        for name in ("d1", "ein"):
            model.get_layer(name).lora_kernel_b.normal_(0, 0.3)
    dump(model, "lora", rng.standard_normal((4, 8)).astype("float32"))
    for tag, mode, config in (("int8", "int8", None), ("int4", "int4", None),
                              ("int4pc", "int4", Q.Int4QuantizationConfig(block_size=-1)),
                              ("int4g", "int4", Q.Int4QuantizationConfig(block_size=4)),
                              ("float8", "float8", None)):
        inputs = keras.Input((5,), dtype="int32")
        hidden = keras.layers.Embedding(20, 8, name="emb")(inputs)
        hidden = keras.layers.Dense(16, activation="relu", name="d1")(hidden)
        hidden = keras.layers.EinsumDense("abc,cd->abd", (None, 6), bias_axes="d", name="ein")(hidden)
        model = keras.Model(inputs, keras.layers.Dense(4, name="d2")(hidden))
        model.quantize(mode, config=config)
        if tag == "int8":
            for name in ("d2", "ein"):
                model.get_layer(name).enable_lora(2)  # saved merged and re-quantized, as Keras
                with torch.no_grad():
                    model.get_layer(name).lora_kernel_b.normal_(0, 0.3)
        dump(model, f"quant_{tag}", rng.integers(0, 20, size=(3, 5)).astype("int32"))


def check(folder):
    import keras

    failures = 0
    for name in sorted(f[:-6] for f in os.listdir(folder) if f.endswith(".keras")):
        io = np.load(os.path.join(folder, f"{name}_io.npz"))
        model = keras.saving.load_model(os.path.join(folder, f"{name}.keras"))
        y = np.asarray(model(io["x"]))
        err = float(np.max(np.abs(y - io["y"])))
        # the same architecture rebuilt from the config, then only the weights file
        clone = keras.Model.from_config(model.get_config())
        clone.load_weights(os.path.join(folder, f"{name}.weights.h5"))
        err_w = float(np.max(np.abs(np.asarray(clone(io["x"])) - io["y"])))
        # int8 LoRA: lamina's forward adds the float delta; the file holds it merged and re-quantized
        tol = 5e-2 if name == "quant_int8" else 1e-5
        ok = err <= tol and err_w <= tol
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: max |keras - lamina| = {err:.2e} (.keras), {err_w:.2e} (.weights.h5)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    {"write": write, "check": check}[sys.argv[1]](sys.argv[2])
