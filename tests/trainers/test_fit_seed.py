"""The seed training example (multi-task dict model with loss_weights) runs unchanged but for the import."""

import re

import numpy as np
import pytest

import lamina as keras


def build_seed_model():
    # Verbatim from seed 003 (tf.keras -> keras).
    text_input = keras.Input(shape=(100,), name="text_features")
    meta_input = keras.Input(shape=(10,), name="metadata")
    text_enc = keras.layers.Dense(64, activation='relu')(text_input)
    meta_enc = keras.layers.Dense(16, activation='relu')(meta_input)
    merged = keras.layers.Concatenate()([text_enc, meta_enc])
    merged = keras.layers.Dense(32, activation='relu')(merged)
    sentiment = keras.layers.Dense(1, activation='sigmoid', name="sentiment")(merged)
    topic = keras.layers.Dense(5, activation='softmax', name="topic")(merged)
    model = keras.Model(
        inputs={"text_features": text_input, "metadata": meta_input},
        outputs={"sentiment": sentiment, "topic": topic},
    )
    model.compile(
        optimizer='adam',
        loss={"sentiment": "binary_crossentropy", "topic": "sparse_categorical_crossentropy"},
        loss_weights={"sentiment": 1.0, "topic": 0.5},
        metrics={"sentiment": "accuracy", "topic": "accuracy"},
    )
    return model


def seed_data(n=200):
    x_data = {"text_features": np.random.randn(n, 100), "metadata": np.random.randn(n, 10)}
    y_data = {"sentiment": np.random.randint(0, 2, n), "topic": np.random.randint(0, 5, n)}
    return x_data, y_data


def test_seed_multitask_fit_log_keys_and_weighted_total(capsys):
    keras.utils.set_random_seed(0)
    model = build_seed_model()
    x_data, y_data = seed_data()
    history = model.fit(x_data, y_data, epochs=2, batch_size=32, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert re.search(r"7/7 \S*━", out)
    assert set(history.history) == {"loss", "sentiment_loss", "topic_loss", "sentiment_accuracy", "topic_accuracy"}
    assert history.epoch == [0, 1]
    h = history.history
    for epoch in range(2):
        # Running means over the same batches, so the weighted relation holds for the epoch values too.
        assert h["loss"][epoch] == pytest.approx(h["sentiment_loss"][epoch] + 0.5 * h["topic_loss"][epoch], rel=1e-5)
        assert 0.0 <= h["sentiment_accuracy"][epoch] <= 1.0


def test_seed_accuracy_resolution_and_evaluate_predict():
    keras.utils.set_random_seed(1)
    model = build_seed_model()
    x_data, y_data = seed_data(64)
    model.fit(x_data, y_data, epochs=1, batch_size=32, verbose=0)
    names = {m.name: type(m).__name__ for m in model.metrics}
    assert "sentiment_accuracy" in model.metrics_names and "topic_accuracy" in model.metrics_names
    state = model._compile_state
    kinds = {display: type(metric).__name__ for _, metric, _, display in state.metric_entries}
    assert kinds["sentiment_accuracy"] in ("BinaryAccuracy", "FunctionMean")
    assert kinds["topic_accuracy"] in ("SparseCategoricalAccuracy", "FunctionMean")
    assert names
    result = model.evaluate(x_data, y_data, verbose=0, return_dict=True)
    assert set(result) == {"loss", "sentiment_loss", "topic_loss", "sentiment_accuracy", "topic_accuracy"}
    listed = model.evaluate(x_data, y_data, verbose=0)
    assert listed[0] == pytest.approx(result["loss"])
    preds = model.predict(x_data, verbose=0)
    assert set(preds) == {"sentiment", "topic"}
    assert preds["sentiment"].shape == (64, 1) and preds["topic"].shape == (64, 5)
    assert isinstance(preds["topic"], np.ndarray)
    # Hand computation of the sentiment accuracy from the predictions.
    manual = np.mean((preds["sentiment"][:, 0] > 0.5) == y_data["sentiment"])
    assert result["sentiment_accuracy"] == pytest.approx(manual, abs=1e-6)
