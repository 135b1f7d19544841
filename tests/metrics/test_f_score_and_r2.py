"""FBetaScore, F1Score and R2Score against values computed by Keras 3.15.1 (JAX) on the same data.

The data come from NumPy's default_rng(0) in the order below, exactly as in the script that
produced the reference values with `keras.metrics` (update split 7 + 5, weights on the first part).
"""

import numpy as np
import pytest

from lamina import metrics

rng = np.random.default_rng(0)
Y_TRUE = np.eye(3)[rng.integers(0, 3, 12)].astype("float32")
Y_PRED = rng.random((12, 3)).astype("float32")
WEIGHTS = rng.random(12).astype("float32")
R_TRUE = rng.normal(size=(10, 2)).astype("float32")
R_PRED = (R_TRUE + rng.normal(size=(10, 2)) * 0.5).astype("float32")
R_WEIGHTS = rng.random(10).astype("float32")

KERAS_FBETA = {  # beta=2.0
    (None, None): [0.5255393981933594, 0.0, 0.0], (None, 0.5): [0.5287666320800781, 0.5005730986595154,
                                                                 0.1986217498779297],
    ("micro", None): 0.24544498324394226, ("micro", 0.5): 0.4180888831615448,
    ("macro", None): 0.17517980933189392, ("macro", 0.5): 0.40932053327560425,
    ("weighted", None): 0.24667175114154816, ("weighted", 0.5): 0.4176713228225708,
}


@pytest.mark.parametrize("average, threshold", sorted(KERAS_FBETA, key=str))
def test_fbeta_matches_keras(average, threshold):
    m = metrics.FBetaScore(average=average, beta=2.0, threshold=threshold)
    m.update_state(Y_TRUE[:7], Y_PRED[:7], sample_weight=WEIGHTS[:7])
    m.update_state(Y_TRUE[7:], Y_PRED[7:])
    np.testing.assert_allclose(np.asarray(m.result()), KERAS_FBETA[(average, threshold)], rtol=1e-5, atol=1e-6)
    m.reset_state()
    assert float(np.asarray(m.result()).sum()) == 0.0


def test_f1_matches_keras_and_config_round_trips():
    assert isinstance(metrics.get("f1_score"), metrics.F1Score)
    m = metrics.F1Score(average="macro")
    m.update_state(Y_TRUE, Y_PRED)
    assert float(m.result()) == pytest.approx(0.12121210992336273, rel=1e-5)
    config = m.get_config()
    assert "beta" not in config and metrics.F1Score.from_config(config).average == "macro"
    assert metrics.deserialize(metrics.serialize(m)).get_config() == config


@pytest.mark.parametrize("aggregation, expected", [
    (None, [0.8943074345588684, 0.6479861736297607]), ("uniform_average", 0.7711467742919922),
    ("variance_weighted_average", 0.7517853379249573)])
def test_r2_matches_keras(aggregation, expected):
    m = metrics.R2Score(class_aggregation=aggregation)
    m.update_state(R_TRUE, R_PRED, sample_weight=R_WEIGHTS)
    np.testing.assert_allclose(np.asarray(m.result()), expected, rtol=1e-5)


def test_adjusted_r2_matches_keras_and_falls_back_with_a_warning():
    m = metrics.R2Score(num_regressors=3)
    m.update_state(R_TRUE, R_PRED)
    assert float(m.result()) == pytest.approx(0.648375928401947, rel=1e-5)
    too_many = metrics.R2Score(num_regressors=50)
    too_many.update_state(R_TRUE, R_PRED)
    with pytest.warns(UserWarning, match="more independent predictors"):
        too_many.result()


def test_bad_arguments_and_shapes_are_named():
    with pytest.raises(ValueError, match=r"FBetaScore: `average` must be one of"):
        metrics.FBetaScore(average="mean")
    with pytest.raises(ValueError, match=r"`beta` must be a Python float > 0; received beta=2"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match=r"F1Score 'f1' expects 2D inputs"):
        metrics.F1Score(name="f1").update_state(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"R2Score: `class_aggregation` must be one of"):
        metrics.R2Score(class_aggregation="mean")


def test_in_compile_and_fit():
    import lamina as keras

    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    model.compile("adam", "categorical_crossentropy", metrics=[metrics.F1Score(average="macro"), "r2_score"])
    logs = model.fit(np.random.rand(16, 4), Y_TRUE[:12].repeat(2, 0)[:16], verbose=0).history
    assert set(logs) == {"loss", "f1_score", "r2_score"}
