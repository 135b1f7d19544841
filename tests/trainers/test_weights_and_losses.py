"""sample_weight / class_weight / regularizers / add_loss / constraints, checked against hand computations."""

import numpy as np
import pytest
import torch

import lamina as keras


def linear_model(**dense_kwargs):
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, kernel_initializer="ones",
                                                                          bias_initializer="zeros", **dense_kwargs)])
    return model


X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [3.0, 0.0]], "float32")
Y = np.array([[0.0], [1.0], [1.0], [2.0]], "float32")
W = np.array([1.0, 2.0, 0.5, 0.0], "float32")


def test_sample_weight_mse_matches_keras_formula():
    model = linear_model()
    model.compile("sgd", "mse")
    pred = X.sum(1, keepdims=True)
    per_sample = ((pred - Y) ** 2).mean(1)
    # Keras sum_over_batch_size: weighted sum divided by the number of samples (not by the weight sum).
    expected = (per_sample * W).sum() / len(W)
    got = model.evaluate(X, Y, sample_weight=W, batch_size=4, verbose=0)
    assert got == pytest.approx(expected, rel=1e-6)
    assert model.evaluate(X, Y, batch_size=4, verbose=0) == pytest.approx(per_sample.mean(), rel=1e-6)


def test_class_weight_weights_each_sample_by_its_label():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3, kernel_initializer="zeros")])
    model.compile(keras.optimizers.SGD(learning_rate=0.0) if hasattr(keras.optimizers, "SGD") else "sgd",
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    labels = np.array([0, 1, 2, 2])
    # Zero kernel -> uniform logits -> every per-sample loss is log(3).
    weights = {0: 1.0, 1: 3.0, 2: 0.5}
    expected = np.log(3) * (1.0 + 3.0 + 0.5 + 0.5) / 4
    model.optimizer.learning_rate = 0.0
    got = model.train_on_batch(X, labels, class_weight=weights)
    assert got == pytest.approx(expected, rel=1e-5)


def test_regularizer_and_add_loss_join_the_loss():
    class AddPenalty(keras.layers.Layer):
        def call(self, x):
            self.add_loss(torch.tensor(0.25))
            return x

    model = keras.Sequential([keras.Input(shape=(2,)), AddPenalty(),
                              keras.layers.Dense(1, kernel_initializer="ones", kernel_regularizer=keras.regularizers.L2(0.1))])
    model.compile("sgd", "mse")
    model.optimizer.learning_rate = 0.0
    pred = X.sum(1, keepdims=True)
    data_loss = ((pred - Y) ** 2).mean()
    expected = data_loss + 0.1 * 2.0 + 0.25  # L2: 0.1 * sum(kernel**2) with a (2, 1) kernel of ones
    assert model.train_on_batch(X, Y) == pytest.approx(expected, rel=1e-5)
    assert model.test_on_batch(X, Y) == pytest.approx(expected, rel=1e-5)


def test_constraints_applied_after_each_step():
    model = linear_model(kernel_constraint=keras.constraints.NonNeg())
    model.compile("sgd", "mse")
    model.optimizer.learning_rate = 10.0
    model.fit(X, -100 * np.ones((4, 1), "float32"), epochs=2, batch_size=2, verbose=0)
    assert (model.layers[-1].kernel.detach() >= 0).all()


def test_loss_weights_list_and_per_output_logs():
    a = keras.Input(shape=(2,), name="a")
    o1 = keras.layers.Dense(1, name="first", kernel_initializer="ones")(a)
    o2 = keras.layers.Dense(1, name="second", kernel_initializer="ones")(a)
    model = keras.Model(a, [o1, o2])
    model.compile("sgd", ["mse", "mae"], loss_weights=[2.0, 0.5])
    logs = model.evaluate(X, [Y, Y], batch_size=4, verbose=0, return_dict=True)
    pred = X.sum(1, keepdims=True)
    mse, mae = ((pred - Y) ** 2).mean(), np.abs(pred - Y).mean()
    assert logs["first_loss"] == pytest.approx(mse, rel=1e-6)
    assert logs["second_loss"] == pytest.approx(mae, rel=1e-6)
    assert logs["loss"] == pytest.approx(2.0 * mse + 0.5 * mae, rel=1e-6)


def test_fit_on_a_model_without_trainable_weights_warns_and_still_logs_the_loss():
    # keras.io "Making new layers and models via subclassing": Input -> a weight-free layer whose
    # `add_loss` joins the compiled loss. Keras's torch trainer warns and skips the update.
    class ActivityRegularizationLayer(keras.layers.Layer):
        def call(self, inputs):
            self.add_loss(1e-2 * keras.ops.mean(inputs))
            return inputs

    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, ActivityRegularizationLayer()(inputs))
    model.compile(optimizer="adam", loss="mse")
    x = np.full((2, 3), 0.5, "float32")
    y = np.zeros((2, 3), "float32")
    with pytest.warns(UserWarning, match="does not have any trainable weights"):
        history = model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], 0.25 + 0.005, rtol=1e-6)


def test_multi_output_targets_as_a_list_then_as_a_dict_on_the_same_compiled_model():
    # keras.io "Training & evaluation with the built-in methods" fits one compiled two-output
    # model first with a list of targets, then with a dict keyed by output name.
    inputs = keras.Input(shape=(4,))
    score = keras.layers.Dense(1, name="score_output")(inputs)
    klass = keras.layers.Dense(3, name="class_output")(inputs)
    model = keras.Model(inputs, [score, klass])
    model.compile(optimizer="sgd", loss=["mse", "mse"])
    rng = np.random.default_rng(0)
    x = rng.random((8, 4)).astype("float32")
    y_score, y_class = rng.random((8, 1)).astype("float32"), rng.random((8, 3)).astype("float32")
    as_list = model.evaluate(x, [y_score, y_class], verbose=0, return_dict=True)
    as_dict = model.evaluate(x, {"class_output": y_class, "score_output": y_score}, verbose=0, return_dict=True)
    assert as_dict == pytest.approx(as_list)
    model.fit(x, {"score_output": y_score, "class_output": y_class}, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="missing: \\['class_output'\\]"):
        model.evaluate(x, {"score_output": y_score}, verbose=0)
    with pytest.raises(ValueError, match="has 2 outputs .* but y is a list of 1 arrays"):
        model.evaluate(x, [y_score], verbose=0)
