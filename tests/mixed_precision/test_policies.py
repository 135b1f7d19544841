"""Dtype policies across layers: float32 layers among mixed ones, outputs of low-precision models."""


def test_float32_layers_after_low_precision_ones_cast_their_inputs():
    # Keras's recipe: a mixed model ending in a float32 layer (also after a LayerNormalization,
    # whose output stays in the low precision), in all three APIs.
    import numpy as np

    import lamina as keras

    keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
    try:
        inputs = keras.Input((8,))
        h = keras.layers.LayerNormalization()(keras.layers.Dense(16, activation="relu")(inputs))
        functional = keras.Model(inputs, keras.layers.Dense(3, activation="softmax", dtype="float32")(h))
        sequential = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16), keras.layers.LayerNormalization(),
                                       keras.layers.Dense(3, dtype="float32")])
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    x = np.random.rand(16, 8).astype("float32")
    for model in (functional, sequential):
        model.compile("adam", "mse")
        model.fit(x, np.random.rand(16, 3).astype("float32"), verbose=0)
        assert model.predict(x, verbose=0).dtype == np.float32
    # A default (float32) layer after a per-layer bfloat16 one: decided when the graph is built.
    inputs = keras.Input((8,))
    low = keras.layers.Dense(4, dtype="bfloat16")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(low))
    assert model.predict(x, verbose=0).dtype == np.float32


def test_predict_of_a_bfloat16_output_gives_float32_arrays():
    import numpy as np

    import lamina as keras

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, dtype="mixed_bfloat16")(inputs))
    out = model.predict(np.ones((2, 3), dtype="float32"), verbose=0)
    assert out.dtype == np.float32 and out.shape == (2, 2)
