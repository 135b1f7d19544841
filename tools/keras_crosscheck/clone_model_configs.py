"""Configs of models cloned by Keras 3.15's `clone_model` (run with the Keras venv, KERAS_BACKEND=jax).

    python tools/keras_crosscheck/clone_model_configs.py tests/models/keras_clones/configs.json

The models and clone arguments of `cases(keras)` are built here with Keras and the clones'
`get_config()` stored; tests/models/test_cloning.py builds the same with lamina (the same
`cases` function, imported from this file) and compares the configs.
"""

import json
import os
import sys


def _functional(keras):
    a = keras.Input((6,), name="a")
    b = keras.Input((6,), name="b")
    shared = keras.layers.Dense(3, name="shared")
    x = keras.layers.Concatenate(name="cat")([shared(a), shared(b)])
    out1 = keras.layers.Dense(2, name="head1")(x)
    out2 = keras.layers.Dense(1, name="head2")(x)
    return keras.Model({"a": a, "b": b}, [out1, out2], name="fn")


def _nested(keras):
    inner = keras.Sequential([keras.Input((3,), name="inner_in"), keras.layers.Dense(3, name="inner_dense")],
                             name="inner")
    inputs = keras.Input((3,), name="outer_in")
    return keras.Model(inputs, keras.layers.Dense(1, name="outer_dense")(inner(inputs)), name="outer")


def _sequential(keras):
    return keras.Sequential([keras.Input((5,), name="feats"), keras.layers.Dense(4, name="d1"),
                             keras.layers.Dense(2, name="d2")], name="seq")


def cases(keras):
    """{case name: clone} built with `keras` (Keras or lamina)."""
    def add_sigmoid(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        if layer.name.startswith("head"):
            out = keras.layers.Activation("sigmoid", name=f"{layer.name}_sigmoid")(out)
        return out

    def renamed(layer):
        config = layer.get_config()
        config["name"] = "c_" + config["name"]
        return layer.__class__.from_config(config)

    def wider(layer):
        config = layer.get_config()
        if "units" in config:
            config["units"] *= 2
        return layer.__class__.from_config(config)

    clone = keras.models.clone_model
    return {
        "functional_default": clone(_functional(keras)),
        "functional_call_function": clone(_functional(keras), clone_function=lambda layer: layer,
                                          call_function=add_sigmoid),
        "functional_input_tensors": clone(_functional(keras), input_tensors={
            "a": keras.Input((6,), name="x1"), "b": keras.Input((6,), name="x2")}),
        "nested_not_recursive": clone(_nested(keras), clone_function=renamed),
        "nested_recursive": clone(_nested(keras), clone_function=renamed, recursive=True),
        "sequential_clone_function": clone(_sequential(keras), clone_function=wider),
        "sequential_input_tensors": clone(_sequential(keras), input_tensors=keras.Input((5,), name="new_in")),
    }


def main():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    configs = {name: model.get_config() for name, model in cases(keras).items()}
    with open(sys.argv[1], "w") as handle:
        json.dump({"keras_version": keras.__version__, "configs": configs}, handle, indent=1, sort_keys=True)
    print(f"{len(configs)} clone configs -> {sys.argv[1]}")


if __name__ == "__main__":
    main()
