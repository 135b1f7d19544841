"""keras.wrappers: SKLearnClassifier / SKLearnRegressor / SKLearnTransformer (scikit-learn estimators)."""

import inspect
import os
import subprocess
import sys

import numpy as np
import pytest

import lamina as keras

sklearn = pytest.importorskip("sklearn")  # installed in lamina's venv; the no-sklearn case is tested below

from sklearn.base import clone  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from lamina.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: E402

FIT = {"epochs": 30, "verbose": 0}


def _classifier(X, y, hidden=16):
    model = keras.Sequential([keras.Input(X.shape[1:]), keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(y.shape[1], activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="categorical_crossentropy")
    return model


def _regressor(X, y):
    model = keras.Sequential([keras.Input(X.shape[1:]), keras.layers.Dense(y.shape[1])])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    return model


def _blobs():
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0], [4, 4], [0, 4]], "float32")
    labels = rng.integers(0, 3, 150)
    X = centers[labels] + rng.normal(0, 0.5, (150, 2)).astype("float32")
    return X, np.array(["a", "b", "c"])[labels]


def test_signatures_are_keras():
    for cls in (SKLearnClassifier, SKLearnRegressor, SKLearnTransformer):
        params = inspect.signature(cls.__init__).parameters
        assert list(params)[1:] == ["model", "warm_start", "model_kwargs", "fit_kwargs"]
        assert params["warm_start"].default is False and params["fit_kwargs"].default is None


def test_classifier_with_builder_and_string_labels():
    X, y = _blobs()
    clf = SKLearnClassifier(_classifier, model_kwargs={"hidden": 8}, fit_kwargs=FIT).fit(X, y)
    assert list(clf.classes_) == ["a", "b", "c"]
    assert clf.score(X, y) > 0.9
    assert clf.predict(X[:5]).shape == (5,) and set(clf.predict(X)) <= {"a", "b", "c"}
    assert clf.decision_function(X[:4]).shape == (4, 3)
    assert clf.epoch_ == list(range(30))
    assert clf.get_params()["model_kwargs"] == {"hidden": 8}
    with pytest.raises(ValueError, match="only one class"):
        SKLearnClassifier(_classifier, fit_kwargs=FIT).fit(X, np.zeros(150))
    with pytest.raises(ValueError, match="binary and multiclass"):
        SKLearnClassifier(_classifier, fit_kwargs=FIT).fit(X, np.random.rand(150))


def test_regressor_with_a_compiled_model_clones_it():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3)).astype("float32")
    y = X @ np.array([1.0, -2.0, 0.5], "float32") + 0.3
    model = _regressor(X, y.reshape(-1, 1))
    before = [w.copy() for w in model.get_weights()]
    reg = SKLearnRegressor(model, fit_kwargs={"epochs": 60, "verbose": 0}).fit(X, y)
    assert reg.model_ is not model
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))  # the given model is untouched
    assert reg.predict(X).shape == (200,)
    assert reg.score(X, y) > 0.95
    copy = clone(reg)  # scikit-learn's clone (via __sklearn_clone__)
    assert copy.model is not model and copy.get_params()["fit_kwargs"] == {"epochs": 60, "verbose": 0}
    uncompiled = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(RuntimeError, match="needs to be compiled"):
        SKLearnRegressor(uncompiled).fit(X, y)


def test_transformer_in_a_pipeline():
    X, y = _blobs()
    codes = np.unique(y, return_inverse=True)[1].astype("float32")

    def encoder(X, y):
        # scikit-learn passes a 1-D y, made (n, 1) for the model: a one-feature learned projection.
        model = keras.Sequential([keras.Input(X.shape[1:]), keras.layers.Dense(y.shape[1])])
        model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
        return model

    from sklearn.linear_model import LogisticRegression

    transformer = SKLearnTransformer(encoder, fit_kwargs=FIT).fit(X, codes)
    assert transformer.transform(X).shape == (150, 1)
    pipe = make_pipeline(SKLearnTransformer(encoder, fit_kwargs=FIT), LogisticRegression())
    pipe.fit(X, codes)
    assert pipe.predict(X).shape == (150,)


def test_imports_without_sklearn_and_fails_clearly_at_construction(tmp_path):
    # A child process where `import sklearn` fails, as on an installation without scikit-learn.
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['sklearn'] = None\n")
    code = ("import lamina as keras\n"
            "from lamina.wrappers import SKLearnClassifier\n"
            "try:\n    SKLearnClassifier(lambda X, y: None)\n"
            "except ImportError as e:\n    print('IMPORTERROR', e)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.getcwd()]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert "IMPORTERROR SKLearnClassifier requires `scikit-learn`" in out.stdout, out.stderr
    assert "pip install scikit-learn" in out.stdout
