"""`.keras` files with the issue-16 layers (one per family), written by either framework.

    KERAS_BACKEND=jax <keras venv>/bin/python layers16_files.py keras save DIR   # Keras writes
    .venv/bin/python layers16_files.py lamina save DIR                          # lamina writes
    <either> layers16_files.py <framework> load DIR                             # the other reads

`save` also writes `<family>_io.npz` (inputs and the writer's predictions) and, for the Keras
writer, `spectral_training.npz`: a training-mode SpectralNormalization call with the stored
weights (output, and `vector_u`/kernel after the call). `load` compares predictions to 1e-5.
The fixtures in `tests/layers/keras_written/` are Keras's `save` output.
"""

import os
import sys

import numpy as np

FAMILIES = ("pooling16", "core16", "normalization16", "attention16")


def build(keras, family):
    L = keras.layers
    if family == "pooling16":
        a, b, c = keras.Input((10, 3)), keras.Input((9, 11, 3)), keras.Input((5, 7, 6, 2))
        outs = [L.AdaptiveAveragePooling1D(4)(a), L.AdaptiveMaxPooling1D(3)(a),
                L.AdaptiveAveragePooling2D((4, 3))(b), L.AdaptiveMaxPooling2D(5)(b),
                L.AdaptiveAveragePooling3D((2, 3, 4))(c), L.AdaptiveMaxPooling3D((3, 2, 4))(c),
                L.AdaptiveAveragePooling2D(2, data_format="channels_first")(b)]
        return keras.Model([a, b, c], outs, name=family)
    if family == "core16":
        x, ids = keras.Input((5, 6)), keras.Input((7,), dtype="int32")
        y = L.EinsumDense("abc,cde->abde", (None, 2, 4), bias_axes="de", activation="tanh")(x)
        z = L.EinsumDense("...b,bc->...c", 3, bias_axes="c")(x)
        w = L.EinsumDense("abc,cd->abd", (5, 4))(x)
        tied = L.ReversibleEmbedding(20, 6, name="tied")
        untied = L.ReversibleEmbedding(20, 6, tie_weights=False, logit_soft_cap=2.0, name="untied")
        h = tied(ids)
        logits = tied(h, reverse=True)
        logits2 = untied(untied(ids), reverse=True)
        return keras.Model([x, ids], [y, z, w, logits, logits2], name=family)
    if family == "attention16":
        q, v = keras.Input((5, 8)), keras.Input((7, 8))
        gqa = L.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2)
        gated = L.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1, use_gate=True,
                                      sliding_window=2)
        out, scores = gqa(q, v, return_attention_scores=True)
        causal = gqa(q, q, use_causal_mask=True)
        masked = L.GroupQueryAttention(4, 2, 2, dropout=0.1)(q, v, key=v)
        return keras.Model([q, v], [out, scores, causal, gated(q, q), masked], name=family)
    x = keras.Input((5, 6))
    y = L.RMSNormalization()(x)
    y2 = L.RMSNormalization(axis=[1, 2], epsilon=1e-3)(x)
    s = L.SpectralNormalization(L.Dense(4), power_iterations=2)(y)
    return keras.Model(x, [y, y2, s], name=family)


def inputs(family):
    rng = np.random.default_rng(3)
    if family == "pooling16":
        return [rng.standard_normal(s).astype("float32") for s in ((2, 10, 3), (2, 9, 11, 3), (2, 5, 7, 6, 2))]
    if family == "core16":
        return [rng.standard_normal((2, 5, 6)).astype("float32"), rng.integers(0, 20, (2, 7)).astype("int32")]
    if family == "attention16":
        return [rng.standard_normal((2, 5, 8)).astype("float32"), rng.standard_normal((2, 7, 8)).astype("float32")]
    return [rng.standard_normal((2, 5, 6)).astype("float32")]


def randomize(model):
    rng = np.random.default_rng(11)
    for layer in model.layers:
        ws = layer.get_weights()
        if ws:
            layer.set_weights([(rng.standard_normal(w.shape) * 0.5).astype("float32") for w in ws])


def predict(model, xs):
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


def spectral_training(keras, directory):
    sn = keras.layers.SpectralNormalization(keras.layers.Dense(4), power_iterations=2)
    x = np.random.default_rng(5).standard_normal((3, 6)).astype("float32")
    sn(x)
    rng = np.random.default_rng(6)
    kernel = rng.standard_normal((6, 4)).astype("float32")
    bias = rng.standard_normal((4,)).astype("float32")
    u = rng.standard_normal((1, 4)).astype("float32")
    sn.layer.kernel.assign(kernel)
    sn.layer.bias.assign(bias)
    sn.vector_u.assign(u)
    out = np.asarray(sn(x, training=True))
    np.savez(os.path.join(directory, "spectral_training.npz"), x=x, kernel=kernel, bias=bias, u=u, out=out,
             u_after=np.asarray(sn.vector_u.numpy()), kernel_after=np.asarray(sn.layer.kernel.numpy()))


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
            np.savez(os.path.join(directory, f"{family}_io.npz"), *xs, *predict(model, xs),
                     n_inputs=len(xs))
        else:
            model = keras.saving.load_model(path)
            io = np.load(os.path.join(directory, f"{family}_io.npz"))
            n = int(io["n_inputs"])
            arrays = [io[f"arr_{i}"] for i in range(len(io.files) - 1)]
            got = predict(model, arrays[:n])
            for i, (g, want) in enumerate(zip(got, arrays[n:])):
                err = float(np.max(np.abs(g - want)))
                print(f"{family} output {i}: max abs diff {err:.2e}")
                assert err < 1e-5, (family, i, err)
    if framework == "keras" and action == "save":
        spectral_training(keras, directory)
    print("ok")


if __name__ == "__main__":
    main(*sys.argv[1:4])
