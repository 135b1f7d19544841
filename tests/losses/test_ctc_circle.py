"""CTC and Circle against Keras 3.15.1 (tools/keras_crosscheck/make_lossopt16_values.py ->
keras_ctc_circle_values.json), plus signatures, configs, lookup and errors.

Tolerance: float32, rtol 1e-5 (Circle's scores reach ~800: atol 1e-4).
"""

import inspect
import json
import os

import numpy as np
import pytest
import torch

import lamina.losses as losses

VALUES = json.load(open(os.path.join(os.path.dirname(__file__), "keras_ctc_circle_values.json")))
CTC_V, CIRCLE_V = VALUES["ctc"], VALUES["circle"]


def _ctc_inputs():
    return np.array(CTC_V["y_true"], dtype="int32"), np.array(CTC_V["y_pred"], dtype="float32")


def test_ctc_function_and_class_match_keras():
    y_true, y_pred = _ctc_inputs()
    np.testing.assert_allclose(losses.ctc(y_true, y_pred).numpy(), CTC_V["loss"], rtol=1e-5)
    np.testing.assert_allclose(float(losses.CTC()(y_true, y_pred)), CTC_V["reduced"], rtol=1e-5)
    np.testing.assert_allclose(float(losses.CTC(reduction="sum")(y_true, y_pred)), CTC_V["sum"], rtol=1e-5)
    assert losses.CTC(name="my_ctc").get_config() == CTC_V["config"]


def test_ctc_backpropagates_to_logits():
    y_true, y_pred = _ctc_inputs()
    logits = torch.tensor(y_pred, requires_grad=True)
    losses.CTC()(torch.tensor(y_true), logits).backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0


def test_ctc_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"ctc: targets `y_true` are expected .*y_true.shape=\(3,\)"):
        losses.ctc(np.array([1, 2, 0]), np.zeros((3, 4, 5), "float32"))
    with pytest.raises(ValueError, match=r"ctc: logits `y_pred` are expected .*y_pred.shape=\(3, 4\)"):
        losses.ctc(np.ones((3, 2), "int32"), np.zeros((3, 4), "float32"))
    with pytest.raises(ValueError, match="same batch size"):
        losses.ctc(np.ones((2, 2), "int32"), np.zeros((3, 4, 5), "float32"))


def _circle_inputs():
    return (np.array(CIRCLE_V["labels"], dtype="int32"), np.array(CIRCLE_V["emb"], dtype="float32"),
            np.array(CIRCLE_V["ref_labels"], dtype="int32"), np.array(CIRCLE_V["ref_emb"], dtype="float32"))


def test_circle_function_matches_keras():
    labels, emb, ref_labels, ref_emb = _circle_inputs()
    np.testing.assert_allclose(losses.circle(labels, emb).numpy(), CIRCLE_V["fn_default"], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(losses.circle(labels, emb, remove_diagonal=False).numpy(), CIRCLE_V["fn_no_diag"],
                               rtol=1e-5, atol=1e-4)
    out = losses.circle(labels, emb, ref_labels=ref_labels, ref_embeddings=ref_emb, remove_diagonal=False,
                        gamma=32.0, margin=0.4)
    np.testing.assert_allclose(out.numpy(), CIRCLE_V["fn_options"], rtol=1e-5, atol=1e-4)


def test_circle_class_reduction_uses_keras_mask_and_weights():
    labels, emb, _, _ = _circle_inputs()
    np.testing.assert_allclose(float(losses.Circle()(labels, emb)), CIRCLE_V["cls_default"], rtol=1e-5)
    weighted = losses.Circle(gamma=16.0, margin=0.3)(labels, emb, sample_weight=np.arange(6) / 5.0)
    np.testing.assert_allclose(float(weighted), CIRCLE_V["cls_weighted"], rtol=1e-5)
    assert losses.Circle(gamma=16.0, margin=0.3, name="c").get_config() == CIRCLE_V["config"]


def test_circle_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="circle: expected one integer label per embedding, received 2 labels for 3"):
        losses.circle(np.array([0, 1]), np.zeros((3, 4), "float32"))


def test_signatures_follow_keras():
    assert list(inspect.signature(losses.CTC).parameters) == CIRCLE_V["ctc_signature"]
    assert list(inspect.signature(losses.Circle).parameters) == CIRCLE_V["circle_signature"]
    assert list(inspect.signature(losses.SparseCategoricalCrossentropy).parameters) == CIRCLE_V["scce_signature"]
    scce = losses.SparseCategoricalCrossentropy(True, None, "sum", -1, "s")
    assert (scce.from_logits, scce.reduction, scce.name) == (True, "sum", "s")


@pytest.mark.parametrize("name, cls", [("CTC", losses.CTC), ("Circle", losses.Circle)])
def test_lookup_and_keras_config_round_trip(name, cls):
    assert isinstance(losses.get(name), cls)
    config = {"module": "keras.losses", "class_name": name, "config": cls().get_config(), "registered_name": None}
    again = losses.deserialize(config)
    assert type(again) is cls and again.get_config() == cls().get_config()
    assert losses.serialize(again)["class_name"] == name
    assert losses.get(name.lower()) is getattr(losses, name.lower())


def test_models_compiled_with_ctc_and_circle_train_and_reload(tmp_path):
    import lamina as keras

    rng = np.random.default_rng(3)
    ctc_model = keras.Sequential([keras.Input((6, 4)), keras.layers.Dense(5)])
    ctc_model.compile(optimizer="adam", loss=losses.CTC())
    labels = np.array([[1, 2, 0], [3, 3, 4], [2, 0, 0], [4, 1, 0]], dtype="int32")
    ctc_model.fit(rng.standard_normal((4, 6, 4)).astype("float32"), labels, epochs=1, verbose=0)
    circle_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.UnitNormalization()])
    circle_model.compile(optimizer="adam", loss=losses.Circle(gamma=16.0))
    circle_model.fit(rng.standard_normal((6, 4)).astype("float32"), np.array([0, 1, 0, 1, 2, 2]), batch_size=6,
                     epochs=1, verbose=0)
    for model, cls in ((ctc_model, losses.CTC), (circle_model, losses.Circle)):
        path = str(tmp_path / f"{cls.__name__}.keras")
        model.save(path)
        again = keras.saving.load_model(path)
        assert isinstance(again.loss, cls)
