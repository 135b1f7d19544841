"""ConvLSTM1D/2D/3D and BatchNormalization(renorm=True) reference files, written by either framework.

    KERAS_BACKEND=jax <keras venv>/bin/python convlstm_renorm_files.py keras save DIR   # Keras writes
    .venv/bin/python convlstm_renorm_files.py lamina save DIR                          # lamina writes
    <either> convlstm_renorm_files.py <framework> load DIR                             # the other reads

`save` writes, per family, `<family>.keras` and `<family>_io.npz` (inputs and the writer's
predictions); `load` reads the other framework's files and compares predictions to 1e-5.
The Keras writer also writes:
- `convlstm_masked.npz`: eager ConvLSTM calls with a (batch, time) mask (go_backwards, states,
  sequences, zero initial state and a given one), with each layer's config (json) and weights;
- `renorm_training.npz`: a small Dense -> BatchNormalization(renorm=True) -> Dense model trained
  three SGD steps with `train_on_batch`, every weight after every step, then inference outputs.
The fixtures in `tests/layers/keras_written/` are Keras's `save` output.
"""

import json
import os
import sys

import numpy as np

FAMILIES = ("convlstm16", "renorm16")


def build(keras, family):
    L = keras.layers
    if family == "convlstm16":
        a = keras.Input((4, 7, 3))
        b = keras.Input((4, 6, 5, 2))
        b_cf = keras.Input((4, 2, 6, 5))
        c = keras.Input((3, 4, 4, 5, 2))
        outs = [L.ConvLSTM1D(3, 3, padding="same", return_sequences=True)(a)]
        outs += L.ConvLSTM1D(2, 2, strides=2, return_state=True, go_backwards=True)(a)
        outs.append(L.ConvLSTM2D(3, (3, 2), padding="same", dilation_rate=(2, 1), return_sequences=True,
                                 go_backwards=True)(b))
        outs.append(L.ConvLSTM2D(2, 3, strides=2, padding="same", activation="relu",
                                 recurrent_activation="hard_sigmoid", use_bias=False, unit_forget_bias=False)(b))
        outs.append(L.ConvLSTM2D(2, (2, 3), padding="same", data_format="channels_first",
                                 return_sequences=True)(b_cf))
        outs += L.ConvLSTM3D(2, 2, padding="same", return_sequences=True, return_state=True)(c)
        outs.append(L.ConvLSTM3D(3, (2, 2, 3))(c))
        outs.append(L.Bidirectional(L.ConvLSTM2D(2, 3, padding="same", return_sequences=True))(b))
        return keras.Model([a, b, b_cf, c], outs, name=family)
    x = keras.Input((5,))
    img = keras.Input((4, 3, 6))
    y = L.BatchNormalization(renorm=True, renorm_clipping={"rmax": 1.5, "rmin": 0.5, "dmax": 0.4},
                             renorm_momentum=0.7, momentum=0.8)(x)
    z = L.BatchNormalization(axis=1, renorm=True, renorm_momentum=0.9, center=False)(img)
    return keras.Model([x, img], [y, z], name=family)


def inputs(family):
    rng = np.random.default_rng(3)
    if family == "convlstm16":
        shapes = ((2, 4, 7, 3), (2, 4, 6, 5, 2), (2, 4, 2, 6, 5), (2, 3, 4, 4, 5, 2))
    else:
        shapes = ((6, 5), (6, 4, 3, 6))
    return [rng.standard_normal(s).astype("float32") for s in shapes]


def randomize(model, scale=0.5):
    rng = np.random.default_rng(11)
    for layer in model.layers:
        ws = layer.get_weights()
        if ws:
            new = []
            for w in ws:
                v = rng.standard_normal(w.shape) * scale
                # renorm statistics: stddev/variance stay positive
                new.append((np.abs(v) + 0.5 if "BatchNormalization" in type(layer).__name__ else v).astype("float32"))
            layer.set_weights(new)


def predict(model, xs):
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


# ---------------------------------------------------------------------- Keras-only fixtures
# Masked ConvLSTM calls (row 0 all valid, row 1 right-padded, row 2 with holes) with random weights.

MASKED_CASES = [
    # (class name, kwargs, input shape)
    ("ConvLSTM1D", {"filters": 3, "kernel_size": 3, "padding": "same", "return_sequences": True,
                    "return_state": True}, (3, 5, 6, 2)),
    ("ConvLSTM1D", {"filters": 2, "kernel_size": 2, "return_sequences": True, "go_backwards": True,
                    "return_state": True}, (3, 5, 6, 2)),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 3, "padding": "same", "return_state": True},
     (3, 5, 4, 5, 2)),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": (2, 3), "padding": "same", "return_sequences": True,
                    "go_backwards": True}, (3, 5, 4, 5, 2)),
    ("ConvLSTM3D", {"filters": 2, "kernel_size": 2, "padding": "same", "return_sequences": True,
                    "return_state": True}, (3, 4, 3, 3, 4, 2)),
]


def masked_calls(keras, directory):
    rng = np.random.default_rng(21)
    arrays = {"n_cases": np.array(len(MASKED_CASES))}
    for i, (name, kwargs, shape) in enumerate(MASKED_CASES):
        # unroll=True: Keras's JAX scan path cannot broadcast a (batch, time) mask against
        # spatial outputs; its unrolled loop applies the same semantics.
        kwargs = dict(kwargs, unroll=True)
        layer = getattr(keras.layers, name)(**kwargs)
        x = rng.standard_normal(shape).astype("float32")
        mask = np.ones(shape[:2], dtype=bool)
        mask[1, -2:] = False
        mask[2, [0, 2]] = False
        layer(x)
        weights = [(rng.standard_normal(w.shape) * 0.5).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        outs = layer(x, mask=mask)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        state_shape = tuple(np.asarray(outs[-1]).shape) if kwargs.get("return_state") else None
        arrays[f"c{i}_config"] = np.array(json.dumps({"class_name": name, "kwargs": kwargs}))
        arrays[f"c{i}_x"] = x
        arrays[f"c{i}_mask"] = mask
        for j, w in enumerate(weights):
            arrays[f"c{i}_w{j}"] = w
        arrays[f"c{i}_nw"] = np.array(len(weights))
        for j, o in enumerate(outs):
            arrays[f"c{i}_out{j}"] = np.asarray(o)
        arrays[f"c{i}_nout"] = np.array(len(outs))
        if state_shape is not None:  # and with given initial states
            h0 = rng.standard_normal(state_shape).astype("float32")
            c0 = rng.standard_normal(state_shape).astype("float32")
            # The first processed step unmasked: Keras's unrolled loop repeats zeros for a masked
            # first step where its scan (and lamina) repeat the initial h.
            mask0 = mask.copy()
            mask0[:, [0, -1]] = True
            outs0 = layer(x, mask=mask0, initial_state=[h0, c0])
            arrays[f"c{i}_mask0"] = mask0
            arrays[f"c{i}_h0"], arrays[f"c{i}_c0"] = h0, c0
            for j, o in enumerate(outs0):
                arrays[f"c{i}_init_out{j}"] = np.asarray(o)
    np.savez(os.path.join(directory, "convlstm_masked.npz"), **arrays)


def renorm_training(keras, directory):
    L = keras.layers
    x_in = keras.Input((5,))
    h = L.Dense(4, name="d1")(x_in)
    h = L.BatchNormalization(renorm=True, renorm_clipping={"rmax": 1.3, "rmin": 0.7, "dmax": 0.5},
                             renorm_momentum=0.6, momentum=0.7, name="bn")(h)
    y = L.Dense(2, name="d2")(h)
    model = keras.Model(x_in, y)
    rng = np.random.default_rng(31)
    model.set_weights([(rng.standard_normal(w.shape) * 0.5).astype("float32") if i < 2 or i >= 9
                       else (np.abs(rng.standard_normal(w.shape)) + 0.5).astype("float32")
                       for i, w in enumerate(model.get_weights())])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    arrays = {"initial_" + str(i): w for i, w in enumerate(model.get_weights())}
    for step in range(3):
        xb = (rng.standard_normal((8, 5)) * (1 + step) + step).astype("float32")
        yb = rng.standard_normal((8, 2)).astype("float32")
        loss = model.train_on_batch(xb, yb)
        arrays[f"x{step}"], arrays[f"y{step}"] = xb, yb
        arrays[f"loss{step}"] = np.array(loss, dtype="float32")
        for i, w in enumerate(model.get_weights()):
            arrays[f"step{step}_{i}"] = w
    xt = rng.standard_normal((4, 5)).astype("float32")
    arrays["x_test"] = xt
    arrays["pred"] = np.asarray(model.predict(xt, verbose=0))
    arrays["train_out"] = np.asarray(model(xt, training=True))  # also updates statistics once more
    arrays["names"] = np.array(json.dumps([w.path for w in model.weights]))
    np.savez(os.path.join(directory, "renorm_training.npz"), **arrays)


def main(framework, action, directory):
    if framework == "keras":
        os.environ.setdefault("KERAS_BACKEND", "jax")
        import keras
    else:
        import lamina as keras
    os.makedirs(directory, exist_ok=True)
    for family in FAMILIES:
        path = os.path.join(directory, f"{family}.keras")
        if action == "save":
            model = build(keras, family)
            randomize(model)
            xs = inputs(family)
            model.save(path)
            np.savez(os.path.join(directory, f"{family}_io.npz"), *xs, *predict(model, xs), n_inputs=len(xs))
        else:
            model = keras.saving.load_model(path)
            io = np.load(os.path.join(directory, f"{family}_io.npz"))
            n = int(io["n_inputs"])
            arrays = [io[f"arr_{i}"] for i in range(len(io.files) - 1)]
            got = predict(model, arrays[:n])
            assert len(got) == len(arrays) - n, (family, len(got), len(arrays) - n)
            for i, (g, want) in enumerate(zip(got, arrays[n:])):
                err = float(np.max(np.abs(g - want)))
                print(f"{family} output {i}: max abs diff {err:.2e}")
                assert err < 1e-5, (family, i, err)
    if framework == "keras" and action == "save":
        masked_calls(keras, directory)
        renorm_training(keras, directory)
    print("ok")


if __name__ == "__main__":
    main(*sys.argv[1:4])
