"""summary() of the seed models equals Keras 3's text (fixtures/summaries) character for character."""

import pytest
import torch

import lamina as keras
from lamina import layers


def _summary_text(model):
    lines = []
    model.summary(print_fn=lines.append)
    return "".join(lines)


def _expected(fixtures_dir, name):
    return (fixtures_dir / "summaries" / f"{name}.txt").read_text()


@pytest.fixture(autouse=True)
def _eighty_columns(monkeypatch):
    # The fixtures were captured off a terminal, where Keras (rich) assumes 80 columns.
    monkeypatch.setenv("COLUMNS", "80")


def _assert_same(model, fixtures_dir, name):
    # print(text) in Keras appends a newline to the captured text that ends in one.
    assert _summary_text(model) + "\n" == _expected(fixtures_dir, name)


def test_sequential_mnist_mlp(fixtures_dir):
    model = keras.Sequential([
        layers.Dense(128, activation="relu", input_shape=(784,)),
        layers.Dense(10, activation="softmax"),
    ])
    _assert_same(model, fixtures_dir, "seq_mnist_mlp")


def test_sequential_dropout_mlp(fixtures_dir):
    model = keras.Sequential([
        layers.Dense(128, activation="relu", input_shape=(20,), name="dense_2"),
        layers.Dropout(0.3),
        layers.Dense(64, activation="relu", name="dense_3"),
        layers.Dense(10, activation="softmax", name="dense_4"),
    ], name="sequential_1")
    assert model.count_params() == 11594
    _assert_same(model, fixtures_dir, "seq_dropout_mlp")


def test_functional_residual_classifier(fixtures_dir):
    inputs = keras.Input(shape=(20,), name="features")
    x = layers.Dense(128, activation="relu", name="dense_6")(inputs)
    x = layers.Dropout(0.3, name="dropout_1")(x)
    x = layers.Dense(64, activation="relu", name="dense_7")(x)
    shortcut = layers.Dense(64, name="dense_8")(inputs)
    x = layers.Add()([x, shortcut])
    x = layers.Activation("relu")(x)
    output = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=output, name="residual_classifier")
    _assert_same(model, fixtures_dir, "func_residual_classifier")


def test_functional_multi_task_dict(fixtures_dir):
    text_input = keras.Input(shape=(100,), name="text_features")
    meta_input = keras.Input(shape=(10,), name="metadata")
    text_encoded = layers.Dense(64, activation="relu", name="dense_9")(text_input)
    meta_encoded = layers.Dense(16, activation="relu", name="dense_10")(meta_input)
    merged = layers.Concatenate(name="concatenate_1")([text_encoded, meta_encoded])
    merged = layers.Dense(32, activation="relu", name="dense_11")(merged)
    sentiment = layers.Dense(1, activation="sigmoid", name="sentiment")(merged)
    topic = layers.Dense(5, activation="softmax", name="topic")(merged)
    model = keras.Model(inputs={"text_features": text_input, "metadata": meta_input},
                        outputs={"sentiment": sentiment, "topic": topic}, name="multi_task_classifier")
    assert model.input_names == ["text_features", "metadata"]
    assert model.output_names == ["sentiment", "topic"]
    _assert_same(model, fixtures_dir, "func_multi_task_dict")


def test_functional_siamese_shared_layer(fixtures_dir):
    left = keras.Input(shape=(8,), name="left")
    right = keras.Input(shape=(8,), name="right")
    encoder = layers.Dense(4, name="encoder")
    diff = layers.Subtract()([encoder(left), encoder(right)])
    model = keras.Model([left, right], layers.Dense(1, name="same")(diff), name="siamese")
    _assert_same(model, fixtures_dir, "func_siamese_shared")


def test_subclassed_model_summary_shows_real_shapes():
    class Block(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(units, activation="relu")

        def call(self, x):
            return self.dense(x)

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.block = Block(16)
            self.head = layers.Dense(3)

        def call(self, x):
            return self.head(self.block(x))

    model = Net()
    model.build((None, 8))
    text = _summary_text(model)
    assert "multiple" not in text and "?" not in text
    assert "(None, 16)" in text and "(None, 3)" in text
    assert "Total params: 195" in text


def test_summary_of_unbuilt_models_says_how_to_build():
    model = keras.Sequential([layers.Dense(4)])
    with pytest.raises(ValueError, match=r"not been built yet.*model\.build\(input_shape="):
        model.summary()

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    with pytest.raises(ValueError, match="not been built yet"):
        Net().summary()


def test_summary_options():
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, name="a"), layers.Dense(2, name="b")])
    text = _summary_text_with(model, line_length=100, show_trainable=True)
    assert "Trainable" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    ranged = _summary_text_with(model, layer_range=["b", "b"])
    assert "b (Dense)" in ranged and "a (Dense)" not in ranged
    with pytest.raises(ValueError, match="layer_range"):
        model.summary(layer_range=["zzz", "b"], print_fn=lambda *_: None)


def _summary_text_with(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return "".join(lines)


def test_summary_after_first_call_of_subclassed_model():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(5)

        def call(self, x):
            return self.dense(x)

    model = Net()
    model(torch.zeros(3, 7))
    assert "(None, 5)" in _summary_text(model)


def test_summary_returns_none_and_prints_once(capsys):
    """As Keras: the table is printed (or given to print_fn), and summary() itself returns None,
    so a REPL does not echo it a second time."""
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, name="a")])
    assert model.summary() is None
    printed = capsys.readouterr().out
    assert printed.count("a (Dense)") == 1 and "Total params: 15" in printed
    lines = []
    assert model.summary(print_fn=lines.append) is None
    assert "a (Dense)" in "".join(lines) and capsys.readouterr().out == ""
