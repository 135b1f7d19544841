"""keras.utils.FeatureSpace against Keras 3.15 (TensorFlow backend) outputs and files
(tools/keras_crosscheck/feature_space.py), and the keras.io "structured data classification with
FeatureSpace" workflow on a small synthetic table."""

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.utils import BatchedDataset, FeatureSpace

HERE = Path(__file__).parent / "keras_values"
REFERENCE = json.loads((HERE / "feature_space_io.json").read_text("utf-8"))
FLOATS = ("age", "fare", "chol", "height")


def _table():
    table = {k: np.array(v) for k, v in REFERENCE["table"].items()}
    for key in FLOATS:
        table[key] = table[key].astype("float32")
    return table


def _make(output_mode):
    return FeatureSpace(
        features={
            "age": FeatureSpace.float_discretized(num_bins=4),
            "fare": FeatureSpace.float_rescaled(scale=0.01, offset=-0.5),
            "chol": "float_normalized",
            "height": "float",
            "sex": "integer_categorical",
            "cp": FeatureSpace.integer_categorical(num_oov_indices=2),
            "thal": "string_categorical",
            "city": FeatureSpace.string_hashed(num_bins=8),
            "zip": FeatureSpace.integer_hashed(num_bins=16),
        },
        crosses=[FeatureSpace.cross(feature_names=("sex", "thal"), crossing_dim=16),
                 FeatureSpace.cross(feature_names=("cp", "age"), crossing_dim=8)],
        output_mode=output_mode,
    )


def _head(table, n=6):
    return {k: v[:n] for k, v in table.items()}


@pytest.fixture(scope="module")
def adapted():
    space = _make("concat")
    space.adapt(_table())
    return space


def test_concat_output_matches_keras(adapted):
    np.testing.assert_allclose(adapted(_head(_table())).numpy(), REFERENCE["concat"], atol=1e-5)
    single = adapted({k: v[0] for k, v in _table().items()})
    assert single.shape == (len(REFERENCE["concat_single"]),)
    np.testing.assert_allclose(single.numpy(), REFERENCE["concat_single"], atol=1e-5)
    assert adapted.preprocessors["age"].bin_boundaries == pytest.approx(REFERENCE["age_boundaries"])
    vocabularies = {k: [str(t) for t in adapted.preprocessors[k].get_vocabulary()] for k in ("sex", "cp", "thal")}
    assert vocabularies == REFERENCE["vocabularies"]


def test_dict_output_matches_keras():
    space = _make("dict")
    space.adapt(_table())
    out = space(_head(_table()))
    assert list(out) == list(REFERENCE["dict"])  # sorted features, then sorted crosses
    for key, want in REFERENCE["dict"].items():
        np.testing.assert_allclose(out[key].numpy(), want, atol=1e-5, err_msg=key)


def test_adapt_on_a_dataset_of_dict_batches():
    table = _table()
    rows = BatchedDataset(len(table["age"]), lambda i: {k: v[i] for k, v in table.items()}, batch_size=5)
    space = _make("concat")
    space.adapt(rows)
    np.testing.assert_allclose(space(_head(table)).numpy(), REFERENCE["concat"], atol=1e-5)
    labelled = BatchedDataset(len(table["age"]), lambda i: ({k: v[i] for k, v in table.items()},
                                                            np.float32(i % 2)), batch_size=8)
    with pytest.raises(ValueError, match=r"map\(lambda x, y: x\)"):
        _make("concat").adapt(labelled)
    _make("concat").adapt(labelled.map(lambda x, y: x))


def test_keras_saved_feature_space_loads(tmp_path):
    space = keras.saving.load_model(HERE / "feature_space.keras")
    assert isinstance(space, FeatureSpace)
    np.testing.assert_allclose(space(_head(_table())).numpy(), REFERENCE["concat"], atol=1e-5)


def test_lamina_file_has_keras_layout_and_round_trips(tmp_path, adapted):
    path = tmp_path / "space.keras"
    adapted.save(path)
    with zipfile.ZipFile(path) as mine, zipfile.ZipFile(HERE / "feature_space.keras") as theirs:
        assert sorted(mine.namelist()) == sorted(theirs.namelist())
        for name in theirs.namelist():
            if name.startswith("assets/"):
                assert mine.read(name) == theirs.read(name), name
        config = json.loads(mine.read("config.json"))
        keras_config = json.loads(theirs.read("config.json"))
    assert (config["module"], config["class_name"]) == ("keras.utils", "FeatureSpace")
    assert set(config["config"]) >= set(keras_config["config"]) - {"trainable", "dtype"}
    assert config["config"]["crosses"][0]["class_name"] == "Cross"
    assert config["config"]["features"]["height"]["config"]["preprocessor"]["class_name"] == "TFDIdentity"
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(reloaded(_head(_table())).numpy(), REFERENCE["concat"], atol=1e-5)


def test_keras_io_structured_data_workflow():
    """keras.io examples/structured_data/structured_data_classification_with_feature_space.py, on a
    synthetic table, as written there: the training model starts at the encoded features (an
    intermediate tensor) and the inference model shares its layers."""
    rng = np.random.default_rng(1)
    n = 64
    frame = {"sex": rng.integers(0, 2, n), "cp": rng.integers(0, 4, n), "fbs": rng.integers(0, 2, n),
             "restecg": rng.integers(0, 3, n), "exang": rng.integers(0, 2, n), "ca": rng.integers(0, 4, n),
             "thal": rng.choice(["fixed", "normal", "reversible"], n), "age": rng.uniform(30, 75, n),
             "trestbps": rng.uniform(90, 180, n), "chol": rng.uniform(150, 350, n),
             "thalach": rng.uniform(90, 200, n), "oldpeak": rng.uniform(0, 4, n), "slope": rng.uniform(0, 2, n)}
    target = (frame["chol"] > 250).astype("float32")
    feature_space = FeatureSpace(
        features={
            "sex": FeatureSpace.integer_categorical(), "cp": FeatureSpace.integer_categorical(),
            "fbs": FeatureSpace.integer_categorical(), "restecg": FeatureSpace.integer_categorical(),
            "exang": FeatureSpace.integer_categorical(), "ca": FeatureSpace.integer_categorical(),
            "thal": FeatureSpace.string_categorical(), "age": FeatureSpace.float_discretized(num_bins=30),
            "trestbps": FeatureSpace.float_normalized(), "chol": FeatureSpace.float_normalized(),
            "thalach": FeatureSpace.float_normalized(), "oldpeak": FeatureSpace.float_normalized(),
            "slope": FeatureSpace.float_normalized(),
        },
        crosses=[FeatureSpace.cross(feature_names=("sex", "age"), crossing_dim=64),
                 FeatureSpace.cross(feature_names=("thal", "ca"), crossing_dim=16)],
        output_mode="concat",
    )
    train_ds = BatchedDataset(n, lambda i: ({k: v[i] for k, v in frame.items()}, target[i]), batch_size=32)
    feature_space.adapt(train_ds.map(lambda x, _: x))
    for x, _ in train_ds.take(1):
        preprocessed_x = feature_space(x)
    width = preprocessed_x.shape[-1]
    assert preprocessed_x.shape == (32, width) and preprocessed_x.dtype == torch.float32
    preprocessed_train_ds = train_ds.map(lambda x, y: (feature_space(x), y))

    dict_inputs = feature_space.get_inputs()
    encoded_features = feature_space.get_encoded_features()
    assert tuple(encoded_features.shape) == (None, width)
    x = keras.layers.Dense(32, activation="relu")(encoded_features)
    x = keras.layers.Dropout(0.5)(x)
    predictions = keras.layers.Dense(1, activation="sigmoid")(x)
    training_model = keras.Model(inputs=encoded_features, outputs=predictions)
    training_model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    inference_model = keras.Model(inputs=dict_inputs, outputs=predictions)
    history = training_model.fit(preprocessed_train_ds, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    sample = {k: np.array([v[0]]) for k, v in frame.items()}  # one raw value per feature, as keras.io
    predictions = inference_model.predict(sample, verbose=0)
    np.testing.assert_allclose(predictions, training_model.predict(feature_space(sample), verbose=0), atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    ({"features": {}}, "non-empty dict"),
    ({"features": {"a": "floaty"}}, "invalid feature type 'floaty' for feature 'a'"),
    ({"features": {"a": "float"}, "output_mode": "list"}, "output_mode='list'"),
    ({"features": {"a": "float"}, "crosses": [("a", "b")]}, r"unknown features \['b'\]"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FeatureSpace(**kwargs)


def test_bad_use_is_named():
    space = FeatureSpace({"city": "string_categorical", "x": "float"})
    with pytest.raises(ValueError, match="call `.adapt"):
        space({"city": np.array(["a"]), "x": np.array([1.0])})
    with pytest.raises(ValueError, match="feature 'city' is missing"):
        space.adapt({"x": np.array([1.0])})
    space.adapt({"city": np.array(["a", "b"]), "x": np.array([1.0, 2.0])})
    with pytest.raises(ValueError, match="only be called with a dict"):
        space(np.array([1.0]))
    with pytest.raises(ValueError, match=r"missing the features \['x'\]"):
        space({"city": np.array(["a"])})
    with pytest.raises(ValueError, match="has `output_mode='one_hot'`.*integer dtype"):
        FeatureSpace({"x": FeatureSpace.feature("float32", keras.layers.Rescaling(1.0), "one_hot")}
                     ).get_encoded_features()
    with pytest.raises(ValueError, match="FeatureSpace feature: invalid value for argument `output_mode`"):
        FeatureSpace.feature("float32", keras.layers.Rescaling(1.0), "dense")
