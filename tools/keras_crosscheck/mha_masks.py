"""Writes Keras 3's MultiHeadAttention outputs for masked calls to `tests/layers/keras_values/`.

Run with Keras (JAX backend), not by the tests:
    KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/mha_masks.py

The cases pin down what Keras 3 does that its documentation does not say:
- masks on higher-rank inputs with `attention_axes`, whose missing axes Keras inserts at the
  heads position;
- a query row whose keys are all masked: Keras's dot-product-attention path (sequences, no
  dropout, no scores) attends uniformly, its masked-Softmax path (scores returned, `dropout` > 0
  even at inference, or other ranks) multiplies by the mask, so that row attends to nothing;
- the query mask taken from the query tensor's own Keras mask.
`tests/layers/test_attention.py` replays every case in lamina from the stored weights.
"""

import json
import os

import numpy as np

import keras
from keras.src import backend

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, "..", "..", "tests", "layers", "keras_values", "mha_masks.npz")

# name: (layer kwargs, input shape, call kwargs that are masks -> mask shape, return scores)
CASES = {
    "axes2_rank4_full_mask": ({"attention_axes": [2]}, (2, 3, 5, 6), {"attention_mask": (2, 3, 5, 5)}, True),
    "axes2_rank4_broadcast_mask": ({"attention_axes": [2]}, (2, 3, 5, 6), {"attention_mask": (2, 5, 5)}, True),
    "axes12_rank4": ({"attention_axes": [1, 2]}, (2, 3, 4, 6), {"attention_mask": (2, 3, 4, 3, 4)}, True),
    "axes1_rank4": ({"attention_axes": [1]}, (2, 5, 3, 6), {"attention_mask": (2, 3, 5, 5)}, False),
    "sequence_fast_path": ({}, (2, 3, 4), {"attention_mask": "fully_masked_row"}, False),
    "sequence_scores_path": ({}, (2, 3, 4), {"attention_mask": "fully_masked_row"}, True),
    "sequence_dropout_inference": ({"dropout": 0.1}, (2, 3, 4), {"attention_mask": "fully_masked_row"}, False),
    "rank4_query_and_value_masks": ({"attention_axes": [2]}, (2, 3, 5, 6),
                                    {"query_keras_mask": (2, 3, 5), "value_mask": (2, 3, 5)}, False),
    "sequence_query_and_value_masks": ({}, (2, 5, 6), {"query_keras_mask": (2, 5), "value_mask": (2, 5)}, True),
}


def main():
    import jax.numpy as jnp

    rng = np.random.default_rng(7)
    stored = {}
    specs = {}
    for name, (layer_kwargs, shape, masks, scores) in CASES.items():
        layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, bias_initializer="glorot_uniform",
                                                **layer_kwargs)
        x = rng.standard_normal(shape).astype("float32")
        layer(x, x)
        call = {"return_attention_scores": scores}
        query = jnp.asarray(x)
        for arg, mask_shape in masks.items():
            if mask_shape == "fully_masked_row":
                mask = rng.random((shape[0], shape[1], shape[1])) > 0.3
                mask[0, 1] = False
            else:
                mask = rng.random(mask_shape) > 0.35
            stored[f"{name}/{arg}"] = mask
            if arg == "query_keras_mask":
                backend.set_keras_mask(query, jnp.asarray(mask))
            else:
                call[arg] = mask
        result = layer(query, x, **call)
        output, attention = result if scores else (result, None)
        stored[f"{name}/x"] = x
        stored[f"{name}/output"] = np.asarray(output)
        if scores:
            stored[f"{name}/scores"] = np.asarray(attention)
        for index, weight in enumerate(layer.get_weights()):
            stored[f"{name}/w{index}"] = weight
        specs[name] = {"layer": layer_kwargs, "masks": sorted(masks), "scores": scores}
    stored["cases"] = np.array(json.dumps(specs))
    os.makedirs(os.path.dirname(TARGET), exist_ok=True)
    np.savez(TARGET, **stored)
    print(f"wrote {len(specs)} cases to {os.path.normpath(TARGET)} (Keras {keras.__version__})")


if __name__ == "__main__":
    main()
