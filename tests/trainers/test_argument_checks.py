"""fit/evaluate/predict refuse bad arguments up front with a message naming the argument and the fix."""

import numpy as np
import pytest

import lamina as keras

X = np.zeros((10, 4), "float32")
Y = np.zeros((10, 1), "float32")
IDS = np.array([0, 1, 2, 1, 0, 1, 2, 0, 0, 1])


def _regressor():
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, name="value")])
    model.compile("sgd", "mse")
    return model


def _classifier(loss="sparse_categorical_crossentropy"):
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax", name="probs")])
    model.compile("sgd", loss)
    return model


def _two_inputs():
    a, b = keras.Input(shape=(4,), name="numbers"), keras.Input(shape=(2,), name="extra")
    out = keras.layers.Dense(1, name="score")(keras.layers.Concatenate()([a, b]))
    model = keras.Model({"numbers": a, "extra": b}, out)
    model.compile("sgd", "mse")
    return model


STRINGS = np.array([["a", "b", "c", "d"]] * 10)

CASES = [
    # (name, call, exception, message pattern)
    ("fit without y", lambda: _regressor().fit(X, verbose=0), ValueError,
     r"fit\(\): model '.*' was compiled with a loss \(mean_squared_error for output 'value'\).*y is None.*Pass y="),
    ("evaluate without y", lambda: _regressor().evaluate(X, verbose=0), ValueError,
     r"evaluate\(\): .*no targets were given"),
    ("generator without y", lambda: _regressor().fit(((X[:5],) for _ in range(2)), verbose=0), ValueError,
     r"no targets were given.*yield \(x, y\) pairs"),
    ("batch_size=0", lambda: _regressor().fit(X, Y, batch_size=0, verbose=0), ValueError,
     r"fit\(\): batch_size must be a positive int .*received batch_size=0"),
    ("batch_size<0", lambda: _regressor().fit(X, Y, batch_size=-4, verbose=0), ValueError,
     r"batch_size must be a positive int .*received batch_size=-4"),
    ("batch_size float", lambda: _regressor().fit(X, Y, batch_size=2.5, verbose=0), ValueError,
     r"received batch_size=2.5"),
    ("epochs=-1", lambda: _regressor().fit(X, Y, epochs=-1, verbose=0), ValueError,
     r"fit\(\): epochs must be an int >= 0 .*received epochs=-1"),
    ("steps_per_epoch=0", lambda: _regressor().fit(X, Y, steps_per_epoch=0, verbose=0), ValueError,
     r"steps_per_epoch must be a positive int \(a number of batches\)"),
    ("validation_batch_size", lambda: _regressor().fit(X, Y, validation_split=0.5, validation_batch_size=0,
                                                       verbose=0), ValueError,
     r"validation_batch_size must be a positive int"),
    ("evaluate batch_size", lambda: _regressor().evaluate(X, Y, batch_size=0, verbose=0), ValueError,
     r"evaluate\(\): batch_size must be a positive int"),
    ("predict batch_size", lambda: _regressor().predict(X, batch_size=-1, verbose=0), ValueError,
     r"predict\(\): batch_size must be a positive int"),
    ("predict steps", lambda: _regressor().predict(X, steps=0, verbose=0), ValueError,
     r"predict\(\): steps must be a positive int"),
    ("string x", lambda: _regressor().fit(STRINGS, Y, verbose=0), TypeError,
     r"fit\(\): x is an array of strings \(dtype <U1, shape \(10, 4\)\), but input '.*' of model '.*' takes "
     r"float32 numbers"),
    ("string object x", lambda: _regressor().predict(STRINGS.astype(object), verbose=0), TypeError,
     r"predict\(\): x is an array of strings \(dtype object"),
    ("string x in a dict", lambda: _two_inputs().fit({"numbers": STRINGS, "extra": X[:, :2]}, Y, verbose=0),
     TypeError, r"x\['numbers'\] is an array of strings .* but input 'numbers' of model"),
    ("string y", lambda: _regressor().fit(X, np.array(["cat"] * 10), verbose=0), TypeError,
     r"fit\(\): y \(the targets\) is an array of strings \(dtype <U3, shape \(10,\)\).*class ids"),
    ("string y evaluate", lambda: _regressor().evaluate(X, ["cat"] * 10, verbose=0), TypeError,
     r"evaluate\(\): y \(the targets\) is an array of strings \(a list of 10 strings\)"),
    ("class id too large", lambda: _classifier().fit(X, np.where(IDS == 2, 5, IDS), verbose=0), ValueError,
     r"fit\(\): y for output 'probs' holds class id 5 \(ids range over \[0, 5\]\), but its "
     r"sparse_categorical_crossentropy loss needs class ids in \[0, 2\]: the output has 3 classes"),
    ("class id negative", lambda: _classifier().evaluate(X, np.where(IDS == 2, -1, IDS), verbose=0), ValueError,
     r"evaluate\(\): y for output 'probs' holds class id -1"),
    ("validation class id", lambda: _classifier().fit(X, IDS, validation_data=(X, IDS + 1), verbose=0), ValueError,
     r"validation y for output 'probs' holds class id 3"),
    ("class_weight unknown class", lambda: _classifier().fit(X, IDS, class_weight={0: 1.0, 1: 2.0, 7: 3.0},
                                                             verbose=0), ValueError,
     r"fit\(\): class_weight names class\(es\) \[7\] that output 'probs' does not have: its 3 unit\(s\) give "
     r"classes 0 to 2"),
    ("class_weight binary", lambda: _regressor().fit(X, Y, class_weight={0: 1.0, 2: 3.0}, verbose=0), ValueError,
     r"class_weight names class\(es\) \[2\] .* its 1 unit\(s\) give classes 0 to 1"),
    ("class_weight key type", lambda: _classifier().fit(X, IDS, class_weight={"cat": 1.0}, verbose=0), ValueError,
     r"class_weight keys must be class ids \(ints >= 0\); received key 'cat'"),
    ("class_weight not a dict", lambda: _classifier().fit(X, IDS, class_weight=[1.0, 2.0], verbose=0), TypeError,
     r"class_weight must be a dict"),
]


@pytest.mark.parametrize("name, call, error, pattern", CASES, ids=[c[0] for c in CASES])
def test_bad_argument_is_refused_clearly(name, call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_what_stays_allowed():
    # ignore_class ids outside the range, class weights for every class, epochs=0.
    model = _classifier(keras.losses.SparseCategoricalCrossentropy(ignore_class=-1))
    model.fit(X, np.where(IDS == 2, -1, IDS), class_weight={0: 1.0, 1: 1.0, 2: 2.0}, verbose=0)
    assert model.fit(X, IDS, epochs=0, verbose=0).epoch == []

    # A custom train_step that needs no targets.
    class Own(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            return {"loss": 0.0}

    own = Own()
    own.compile("sgd", "mse")
    own.fit(X, verbose=0)

