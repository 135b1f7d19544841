"""MultiHeadAttention(sliding_window=..., use_gate=...) outputs and scores computed by Keras 3.15 (JAX).

    KERAS_BACKEND=jax <keras venv>/bin/python mha_sliding_window.py OUT.npz [MODEL.keras]

Cases: self-attention with a window of 2 (alone, with the causal mask, with a value mask, with
returned scores), cross-attention (query 5, value 7) with a window of 3, and gated attention
(with and without a window); one set of random weights per layer, stored in Keras's weight
order. MODEL.keras (optional): a model with a gated, windowed MultiHeadAttention, whose
predictions are stored under `model_*` in OUT.npz.
"""

import os
import sys

import numpy as np

CASES = [
    # (name, sliding_window, query len, value len, call kwargs[, layer kwargs])
    ("self", 2, 6, 6, {}),
    ("causal", 2, 6, 6, {"use_causal_mask": True}),
    ("value_mask", 2, 6, 6, {"value_mask": True}),
    ("scores", 2, 6, 6, {"return_attention_scores": True}),
    ("cross", 3, 5, 7, {}),
    ("gate", None, 5, 7, {}, {"use_gate": True}),
    ("gate_window", 2, 6, 6, {"use_causal_mask": True}, {"use_gate": True, "use_bias": False}),
]


def main(path, model_path=None):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    rng = np.random.default_rng(41)
    arrays = {}
    for name, window, t, s, kwargs, *extra in CASES:
        layer = keras.layers.MultiHeadAttention(2, 3, sliding_window=window, **(extra[0] if extra else {}))
        q = rng.standard_normal((2, t, 4)).astype("float32")
        v = rng.standard_normal((2, s, 4)).astype("float32")
        layer(q, v)
        weights = [(rng.standard_normal(w.shape) * 0.5).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        call = dict(kwargs)
        if call.pop("value_mask", False):
            mask = np.ones((2, s), bool)
            mask[1, -3:] = False
            call["value_mask"] = mask
            arrays[f"{name}_value_mask"] = mask
        out = layer(q, v, **call)
        outs = out if isinstance(out, tuple) else (out,)
        arrays[f"{name}_q"], arrays[f"{name}_v"] = q, v
        arrays[f"{name}_window"] = np.array(-1 if window is None else window)
        arrays[f"{name}_nw"] = np.array(len(weights))
        for i, w in enumerate(weights):
            arrays[f"{name}_w{i}"] = w
        for i, o in enumerate(outs):
            arrays[f"{name}_out{i}"] = np.asarray(o)
    if model_path:
        x = keras.Input((6, 4))
        y = keras.layers.MultiHeadAttention(2, 3, sliding_window=3, use_gate=True)(x, x)
        model = keras.Model(x, y)
        model.set_weights([(rng.standard_normal(w.shape) * 0.5).astype("float32") for w in model.get_weights()])
        arrays["model_x"] = rng.standard_normal((2, 6, 4)).astype("float32")
        arrays["model_out"] = np.asarray(model.predict(arrays["model_x"], verbose=0))
        model.save(model_path)
    np.savez(path, **arrays)
    print("ok")


if __name__ == "__main__":
    main(*sys.argv[1:3])
