"""Keras-computed reference values for LoRA, quantized layers and `keras.quantizers`.

Run with the Keras 3 venv (JAX backend):

    KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/make_lora_quant_values.py

Writes into tests/quantizers/keras_values/:
  - quantizers.npz: inputs and results of each `keras.quantizers` function (and fake-quant gradients);
  - layers.npz: float weights, inputs, Keras's quantized variables and outputs of Dense / Embedding /
    EinsumDense after `quantize(...)`, and outputs of LoRA layers with non-zero LoRA weights;
  - *.keras: models saved by Keras (LoRA on, and quantized int8 / int4 / float8) with
    `<name>_io.npz` holding an input and Keras's output for it.
"""

import json
import os
import sys

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
import jax  # noqa: E402
import keras  # noqa: E402
from keras import quantizers as Q  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "quantizers", "keras_values")
rng = np.random.default_rng(1234)


def arr(*shape):
    return rng.standard_normal(shape).astype("float32")


def quantizer_values():
    v = {}
    x = arr(6, 5)
    v["amq_x"] = x
    for tag, axis in (("a0", 0), ("a1", -1)):
        qx, s = Q.abs_max_quantize(x, axis=axis)
        v[f"amq_{tag}_q"], v[f"amq_{tag}_s"] = np.asarray(qx), np.asarray(s)
    qx, s = Q.abs_max_quantize(x, axis=0, value_range=(-8, 7), to_numpy=True)
    v["amq_int4_q"], v["amq_int4_s"] = np.asarray(qx), np.asarray(s)
    qx, s = Q.AbsMaxQuantizer()(x)
    v["amq_obj_q"], v["amq_obj_s"] = np.asarray(qx), np.asarray(s)
    g = arr(10, 3)
    v["grp_x"] = g
    qx, s, z = Q.abs_max_quantize_grouped_with_zero_point(g, block_size=4, to_numpy=True)
    v["grp_q"], v["grp_s"], v["grp_z"] = np.asarray(qx), np.asarray(s), np.asarray(z)
    ints = rng.integers(-8, 8, size=(5, 3)).astype("int8")
    v["pack_x"] = ints
    for axis in (0, 1):
        p, shape, n = Q.pack_int4(ints, axis=axis)
        v[f"pack_a{axis}"] = np.asarray(p)
        v[f"unpack_a{axis}"] = np.asarray(Q.unpack_int4(p, n, axis=axis))
        v[f"unpack_u_a{axis}"] = np.asarray(Q.unpack_int4(p, n, axis=axis, dtype="uint8"))
    amax = np.array([0.0, 2.0, np.inf, 1e-3], "float32")
    v["f8_amax"] = amax
    v["f8_scale_e4m3"] = np.stack([np.asarray(Q.compute_float8_scale(a, np.float32(0.5), 448.0)) for a in amax])
    v["f8_scale_margin"] = np.asarray(Q.compute_float8_scale(np.float32(3.0), np.float32(1.0), 57344.0, margin=2))
    hist = np.array([1.0, 5.0, 2.0, 0.5], "float32")
    v["f8_hist"] = hist
    v["f8_hist_new"] = np.asarray(Q.compute_float8_amax_history(x, hist))
    big = (arr(4, 4) * 300).astype("float32")
    v["qdq_x"] = big
    v["qdq_e4m3"] = np.asarray(Q.quantize_and_dequantize(big, np.float32(0.5), "float8_e4m3fn", "float32"))
    v["qdq_e5m2"] = np.asarray(Q.quantize_and_dequantize(big, np.float32(2.0), "float8_e5m2", "float32"))
    fx = arr(4, 3) * 2
    v["fq_x"] = fx
    for tag, mn, mx, kwargs in (("t", -1.0, 1.5, {}), ("n4", -0.7, 2.1, {"num_bits": 4, "narrow_range": True}),
                                ("c", np.array([-1.0, -0.5, -2.0], "float32"),
                                 np.array([1.0, 0.25, 3.0], "float32"), {"axis": -1})):
        mn, mx = np.asarray(mn, "float32"), np.asarray(mx, "float32")

        def fn(a, lo, hi):
            return Q.fake_quant_with_min_max_vars(a, lo, hi, **kwargs)

        out, vjp = jax.vjp(fn, fx, mn, mx)
        upstream = np.arange(1, fx.size + 1, dtype="float32").reshape(fx.shape) / fx.size
        dx, dmin, dmax = vjp(upstream)
        v[f"fq_{tag}_min"], v[f"fq_{tag}_max"] = mn, mx
        v[f"fq_{tag}_out"], v[f"fq_{tag}_dx"] = np.asarray(out), np.asarray(dx)
        v[f"fq_{tag}_dmin"], v[f"fq_{tag}_dmax"] = np.asarray(dmin), np.asarray(dmax)
        v[f"fq_{tag}_up"] = upstream
    return v


def quantized_layer_values():
    v = {}
    x = arr(20, 16)
    v["dense_x"] = x
    kernel, bias = arr(16, 6) * 0.3, arr(6) * 0.1
    v["dense_kernel"], v["dense_bias"] = kernel, bias
    cases = {"int8": ("int8", None), "int4pc": ("int4", Q.Int4QuantizationConfig(block_size=-1)),
             "int4g": ("int4", Q.Int4QuantizationConfig(block_size=4)), "int4d": ("int4", None),
             "float8": ("float8", None), "int8nq": ("int8", Q.Int8QuantizationConfig(activation_quantizer=None))}
    for tag, (mode, config) in cases.items():
        layer = keras.layers.Dense(6)
        layer.build((None, 16))
        layer.set_weights([kernel, bias])
        layer.quantize(mode, config=config)
        v[f"dense_{tag}_out"] = np.asarray(layer(x))
        for w in layer.weights:
            v[f"dense_{tag}_var_{w.name}"] = np.asarray(w.numpy())
        v[f"dense_{tag}_names"] = np.array([w.name for w in layer.weights])
        v[f"dense_{tag}_policy"] = np.array(layer.dtype_policy.name)
    # Embedding
    ids = rng.integers(0, 12, size=(3, 5)).astype("int32")
    table = arr(12, 10) * 0.2
    v["emb_ids"], v["emb_table"] = ids, table
    for tag, (mode, config) in {"int8": ("int8", None), "int4d": ("int4", None),
                                "int4g": ("int4", Q.Int4QuantizationConfig(block_size=4)),
                                "int4pc": ("int4", Q.Int4QuantizationConfig(block_size=-1))}.items():
        layer = keras.layers.Embedding(12, 10)
        layer.build()
        layer.set_weights([table])
        layer.quantize(mode, config=config)
        v[f"emb_{tag}_out"] = np.asarray(layer(ids))
        for w in layer.weights:
            v[f"emb_{tag}_var_{w.name}"] = np.asarray(w.numpy())
        v[f"emb_{tag}_names"] = np.array([w.name for w in layer.weights])
    # ReversibleEmbedding (tied and untied): forward and reverse outputs
    hidden = arr(3, 5, 10) * 0.5
    reverse_table = arr(10, 12) * 0.2
    v["rev_hidden"], v["rev_reverse_table"] = hidden, reverse_table
    for tie in (True, False):
        for tag, (mode, config) in {"int8": ("int8", None), "int4d": ("int4", None),
                                    "int4g": ("int4", Q.Int4QuantizationConfig(block_size=4)),
                                    "int4pc": ("int4", Q.Int4QuantizationConfig(block_size=-1))}.items():
            key = f"rev_{'tied' if tie else 'untied'}_{tag}"
            layer = keras.layers.ReversibleEmbedding(12, 10, tie_weights=tie)
            layer.build()
            layer.set_weights([table] if tie else [table, reverse_table])
            layer.quantize(mode, config=config)
            v[f"{key}_out"] = np.asarray(layer(ids))
            v[f"{key}_logits"] = np.asarray(layer(hidden, reverse=True))
            v[f"{key}_names"] = np.array([w.name for w in layer.weights])
            for w in layer.weights:
                v[f"{key}_var_{w.name}"] = np.asarray(w.numpy())
    # EinsumDense float8
    ex = arr(2, 5, 3)
    ek, eb = arr(3, 4, 8) * 0.5, arr(4, 8) * 0.1
    v["ein_x"], v["ein_kernel"], v["ein_bias"] = ex, ek, eb
    layer = keras.layers.EinsumDense("abc,cde->abde", (None, 4, 8), bias_axes="de")
    layer.build((None, 5, 3))
    layer.set_weights([ek, eb])
    layer.quantize("float8")
    v["ein_float8_out"] = np.asarray(layer(ex))
    # EinsumDense int8 / int4 for a few equations
    for eq_tag, (equation, out_shape, bias_axes, in_shape) in {
            "e3": ("abc,cde->abde", (None, 4, 8), "de", (2, 5, 3)),
            "e2": ("abc,cd->abd", (None, 6), "d", (2, 5, 8)),
            "e1": ("ab,bc->ac", 6, "c", (4, 10)),
            "e4": ("abcd,cde->abe", (None, 5), None, (2, 3, 4, 6))}.items():
        x_ = arr(*in_shape)
        v[f"ein_{eq_tag}_x"] = x_
        base = keras.layers.EinsumDense(equation, out_shape, bias_axes=bias_axes)
        base.build((None,) + in_shape[1:])
        weights = [arr(*w.shape) * 0.3 for w in base.weights]
        for i, w in enumerate(weights):
            v[f"ein_{eq_tag}_w{i}"] = w
        for tag, (mode, config) in {"int8": ("int8", None), "int8nq": ("int8", Q.Int8QuantizationConfig(
                activation_quantizer=None)), "int4d": ("int4", None),
                "int4pc": ("int4", Q.Int4QuantizationConfig(block_size=-1)),
                "int4g": ("int4", Q.Int4QuantizationConfig(block_size=2))}.items():
            layer = keras.layers.EinsumDense(equation, out_shape, bias_axes=bias_axes)
            layer.build((None,) + in_shape[1:])
            layer.set_weights(weights)
            layer.quantize(mode, config=config)
            v[f"ein_{eq_tag}_{tag}_out"] = np.asarray(layer(x_))
            v[f"ein_{eq_tag}_{tag}_names"] = np.array([w.name for w in layer.weights])
            for w in layer.weights:
                v[f"ein_{eq_tag}_{tag}_var_{w.name}"] = np.asarray(w.numpy())
    # LoRA: non-zero A and B
    lora = {}
    d = keras.layers.Dense(6, lora_rank=3, lora_alpha=6)
    d.build((None, 16))
    a, b = arr(16, 3) * 0.2, arr(3, 6) * 0.2
    d.set_weights([kernel, bias, a, b])
    lora["dense"] = (a, b, np.asarray(d(x)), np.asarray(d.kernel))
    e = keras.layers.Embedding(12, 10, lora_rank=2)
    e.build()
    a2, b2 = arr(12, 2) * 0.2, arr(2, 10) * 0.2
    e.set_weights([table, a2, b2])
    lora["emb"] = (a2, b2, np.asarray(e(ids)), np.asarray(e.embeddings))
    ein = keras.layers.EinsumDense("abc,cde->abde", (None, 4, 8), bias_axes="de", lora_rank=2)
    ein.build((None, 5, 3))
    a3, b3 = arr(3, 4, 2) * 0.2, arr(2, 8) * 0.2
    ein.set_weights([ek, eb, a3, b3])
    lora["ein"] = (a3, b3, np.asarray(ein(ex)), np.asarray(ein.kernel))
    for tag, (a_, b_, out, merged) in lora.items():
        v[f"lora_{tag}_a"], v[f"lora_{tag}_b"], v[f"lora_{tag}_out"], v[f"lora_{tag}_merged"] = a_, b_, out, merged
    # LoRA on an int8 Dense: the merged, re-quantized kernel Keras saves
    d = keras.layers.Dense(6)
    d.build((None, 16))
    d.set_weights([kernel, bias])
    d.quantize("int8")
    d.enable_lora(3)
    d.lora_kernel_a.assign(a)
    d.lora_kernel_b.assign(b)
    store = {}
    d.save_own_variables(store)
    v["lora_int8_out"] = np.asarray(d(x))
    for key, value in store.items():
        v[f"lora_int8_saved_{key}"] = np.asarray(value)
    return v


def keras_files():
    info = {}
    # LoRA model (LoRA weights non-zero), as fine-tuned and saved by Keras
    inp = keras.Input((8,), name="x")
    h = keras.layers.Dense(12, activation="relu", lora_rank=2, name="d1")(inp)
    out = keras.layers.Dense(3, name="d2")(h)
    m = keras.Model(inp, out)
    m.get_layer("d1").lora_kernel_a.assign(arr(8, 2) * 0.3)
    m.get_layer("d1").lora_kernel_b.assign(arr(2, 12) * 0.3)
    save(m, "lora_dense", arr(4, 8), info)
    # Embedding + Dense quantized per mode
    for mode, config in (("int8", None), ("int4", None), ("int4", Q.Int4QuantizationConfig(block_size=-1)),
                         ("float8", None)):
        tag = f"{mode}{'' if config is None else 'pc'}"
        inp = keras.Input((5,), dtype="int32", name="ids")
        h = keras.layers.Embedding(20, 8, name="emb")(inp)
        h = keras.layers.Dense(16, activation="relu", name="d1")(h)
        h = keras.layers.EinsumDense("abc,cd->abd", (None, 6), bias_axes="d", name="ein")(h)
        out = keras.layers.Dense(4, name="d2")(h)
        m = keras.Model(inp, out)
        m.quantize(mode, config=config)
        x = rng.integers(0, 20, size=(3, 5)).astype("int32")
        save(m, f"quant_{tag}", x, info)
    with open(os.path.join(OUT, "keras_files.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)


def save(model, name, x, info):
    path = os.path.join(OUT, f"{name}.keras")
    model.save(path)
    np.savez(os.path.join(OUT, f"{name}_io.npz"), x=x, y=np.asarray(model(x)))
    # what a model loaded from the file holds (Keras builds quantized variables before the float
    # ones, so the order can differ from the in-memory model's after `quantize`)
    loaded = keras.saving.load_model(path)
    info[name] = {"trainable": int(sum(np.prod(w.shape) for w in loaded.trainable_weights)),
                  "non_trainable": int(sum(np.prod(w.shape) for w in loaded.non_trainable_weights)),
                  "weights": [[w.path, list(w.shape), str(w.dtype)] for w in loaded.weights]}


def main():
    os.makedirs(OUT, exist_ok=True)
    np.savez(os.path.join(OUT, "quantizers.npz"), **quantizer_values())
    np.savez(os.path.join(OUT, "layers.npz"), **quantized_layer_values())
    keras_files()
    print("keras", keras.__version__, "->", os.path.abspath(OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
