"""Bad input gives clear errors naming the input/output, expected vs received."""

import numpy as np
import pytest

import lamina as keras


def two_output_model():
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(3,), name="b")
    h = keras.layers.Concatenate()([a, b])
    out1 = keras.layers.Dense(1, activation="sigmoid", name="flag")(h)
    out2 = keras.layers.Dense(3, activation="softmax", name="kind")(h)
    return keras.Model({"a": a, "b": b}, {"flag": out1, "kind": out2})


def classifier():
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])


X = {"a": np.zeros((8, 4), "float32"), "b": np.zeros((8, 3), "float32")}
Y = {"flag": np.zeros(8), "kind": np.zeros(8, "int64")}
LOSS = {"flag": "binary_crossentropy", "kind": "sparse_categorical_crossentropy"}


def test_fit_before_compile():
    with pytest.raises(RuntimeError, match=r"must call compile\(\).*before fit"):
        classifier().fit(np.zeros((4, 4)), np.zeros(4), verbose=0)


def test_different_lengths_name_both_arrays():
    model = two_output_model()
    model.compile("adam", LOSS)
    y = dict(Y, kind=np.zeros(6, "int64"))
    with pytest.raises(ValueError, match=r"y\['kind'\] has 6.*x\['a'\] has 8|x\['a'\] has 8.*y\['kind'\] has 6"):
        model.fit(X, y, verbose=0)


def test_wrong_input_keys():
    model = two_output_model()
    model.compile("adam", LOSS)
    with pytest.raises(ValueError, match=r"inputs \['a', 'b'\].*missing: \['b'\].*unexpected: \['c'\]"):
        model.fit({"a": X["a"], "c": X["b"]}, Y, verbose=0)


def test_wrong_output_keys():
    model = two_output_model()
    model.compile("adam", LOSS)
    with pytest.raises(ValueError, match=r"outputs \['flag', 'kind'\].*missing: \['kind'\].*unexpected: \['knd'\]"):
        model.fit(X, {"flag": Y["flag"], "knd": Y["kind"]}, verbose=0)


def test_unknown_output_in_compile_dict_lists_outputs():
    model = two_output_model()
    model.compile("adam", {"flag": "binary_crossentropy", "topic": "mse"})
    with pytest.raises(ValueError, match=r"\['topic'\] that are not outputs.*outputs are \['flag', 'kind'\]"):
        model.fit(X, Y, verbose=0)


def test_single_y_for_two_outputs():
    model = two_output_model()
    model.compile("adam", LOSS)
    with pytest.raises(ValueError, match=r"has 2 outputs \['flag', 'kind'\], but y is a single"):
        model.fit(X, np.zeros(8), verbose=0)


def test_one_hot_labels_with_sparse_loss_names_output():
    model = classifier()
    model.compile("adam", "sparse_categorical_crossentropy")
    one_hot = np.eye(3)[np.zeros(8, int)]
    with pytest.raises(ValueError, match=r"output.*labels of shape \(8, 3\)"):
        model.fit(np.zeros((8, 4), "float32"), one_hot, verbose=0)


def test_class_ids_out_of_range():
    model = classifier()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises((ValueError, IndexError), match=r"(?i)class ids|out of bounds|outside"):
        model.fit(np.zeros((8, 4), "float32"), np.full(8, 7), verbose=0)


def test_y_with_generator_rejected():
    model = classifier()
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match=r"`y` must not be given"):
        model.fit(((np.zeros((2, 4)), np.zeros((2, 3))) for _ in range(2)), np.zeros(2), verbose=0)
