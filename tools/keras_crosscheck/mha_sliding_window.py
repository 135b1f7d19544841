"""MultiHeadAttention(sliding_window=...) outputs and scores computed by Keras 3.15 (JAX backend).

    KERAS_BACKEND=jax <keras venv>/bin/python mha_sliding_window.py OUT.npz

Cases: self-attention with a window of 2 (alone, with the causal mask, with a value mask, with
returned scores) and cross-attention (query 5, value 7) with a window of 3; one set of random
weights per layer, stored in Keras's weight order.
"""

import os
import sys

import numpy as np

CASES = [
    # (name, sliding_window, query len, value len, call kwargs)
    ("self", 2, 6, 6, {}),
    ("causal", 2, 6, 6, {"use_causal_mask": True}),
    ("value_mask", 2, 6, 6, {"value_mask": True}),
    ("scores", 2, 6, 6, {"return_attention_scores": True}),
    ("cross", 3, 5, 7, {}),
]


def main(path):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    rng = np.random.default_rng(41)
    arrays = {}
    for name, window, t, s, kwargs in CASES:
        layer = keras.layers.MultiHeadAttention(2, 3, sliding_window=window)
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
        arrays[f"{name}_window"] = np.array(window)
        for i, w in enumerate(weights):
            arrays[f"{name}_w{i}"] = w
        for i, o in enumerate(outs):
            arrays[f"{name}_out{i}"] = np.asarray(o)
    np.savez(path, **arrays)
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1])
