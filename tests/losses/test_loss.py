"""The Loss base class: reductions, masks, sample weights, dtypes, lookup and config."""

import numpy as np
import pytest
import torch

import lamina.losses as losses
from lamina.losses import Loss, LossFunctionWrapper


def test_keras_documented_reductions():
    # Values from the Keras BinaryCrossentropy docstring (3 decimals there).
    y_true = torch.tensor([[0.0, 1.0], [0.0, 0.0]])
    y_pred = torch.tensor([[-18.6, 0.51], [2.94, -12.8]])
    bce = losses.BinaryCrossentropy(from_logits=True)
    assert float(bce(y_true, y_pred)) == pytest.approx(0.8654, abs=1e-4)
    assert float(bce(y_true, y_pred, sample_weight=[0.8, 0.2])) == pytest.approx(0.243, abs=1e-3)
    assert float(losses.BinaryCrossentropy(from_logits=True, reduction="sum")(y_true, y_pred)) == pytest.approx(1.730, abs=1e-3)
    none = losses.BinaryCrossentropy(from_logits=True, reduction=None)(y_true, y_pred)
    np.testing.assert_allclose(none.numpy(), [0.235, 1.496], atol=1e-3)
    scce = losses.SparseCategoricalCrossentropy()
    y_pred = [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]
    assert float(scce([1, 2], y_pred)) == pytest.approx(1.177, abs=1e-3)
    assert float(scce([1, 2], y_pred, sample_weight=np.array([0.3, 0.7]))) == pytest.approx(0.814, abs=1e-3)


@pytest.mark.parametrize("reduction, expected", [
    ("sum_over_batch_size", 15.0 / 4),  # 1*1 + 2*0 + 3*2 + 4*2 = 15 over 4 values
    ("mean", 15.0 / 4),
    ("sum", 15.0),
    ("mean_with_sample_weight", 15.0 / 5),  # over the weights' sum
])
def test_reductions_with_sample_weight(reduction, expected):
    loss = losses.MeanAbsoluteError(reduction=reduction)
    y_pred = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    value = loss(torch.zeros(4, 1), y_pred, sample_weight=torch.tensor([1.0, 0.0, 2.0, 2.0]))
    assert float(value) == pytest.approx(expected)


def test_none_reduction_and_mean_with_sample_weight_divisor():
    y_pred = torch.tensor([[1.0], [2.0]])
    out = losses.MeanAbsoluteError(reduction="none")(torch.zeros(2, 1), y_pred, sample_weight=[2.0, 3.0])
    np.testing.assert_allclose(out.numpy(), [2.0, 6.0])
    mws = losses.MeanAbsoluteError(reduction="mean_with_sample_weight")
    assert float(mws(torch.zeros(2, 1), y_pred, sample_weight=[1.0, 3.0])) == pytest.approx(7.0 / 4.0)
    assert float(mws(torch.zeros(2, 1), y_pred, sample_weight=[0.0, 0.0])) == 0.0


def test_invalid_reduction_names_argument_and_choices():
    with pytest.raises(ValueError, match=r"argument `reduction`.*'sum_over_batch_size'.*received reduction='avg'"):
        losses.MeanSquaredError(reduction="avg")


class _PerTimestep(Loss):
    def call(self, y_true, y_pred):
        return (y_pred - y_true).abs()


def test_per_sample_weights_apply_to_per_timestep_losses():
    # Loss values (2, 3) with weights (2,): each sample's weight covers its timesteps.
    values = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = _PerTimestep(reduction="sum")(torch.zeros(2, 3), values, sample_weight=torch.tensor([1.0, 0.0]))
    assert float(out) == 6.0
    temporal = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    assert float(_PerTimestep(reduction="sum")(torch.zeros(2, 3), values, sample_weight=temporal)) == 9.0


def test_prediction_mask_averages_over_valid_entries():
    y_pred = torch.tensor([[1.0], [3.0], [100.0]])
    y_pred._keras_mask = torch.tensor([True, True, False])
    assert float(losses.MeanAbsoluteError()(torch.zeros(3, 1), y_pred)) == pytest.approx(2.0, rel=1e-6)


def test_dtype_argument_and_mixed_precision_inputs():
    loss = losses.MeanSquaredError(dtype="float64")
    assert loss.dtype == "float64"
    assert loss(torch.zeros(2, 2), torch.ones(2, 2)).dtype == torch.float64
    half = losses.MeanSquaredError()(torch.zeros(2, 2), torch.ones(2, 2, dtype=torch.float16))
    assert half.dtype == torch.float32
    assert losses.MeanSquaredError(dtype="mixed_bfloat16").dtype == "bfloat16"
    with pytest.raises(ValueError, match=r"argument `dtype`.*received dtype='int8'"):
        losses.MeanSquaredError(dtype="int8")


def test_custom_loss_subclass_and_gradients():
    class Quartic(Loss):
        def call(self, y_true, y_pred):
            return ((y_pred - y_true) ** 4).mean(dim=-1)

    y_pred = torch.tensor([[2.0]], requires_grad=True)
    value = Quartic()(torch.zeros(1, 1), y_pred)
    value.backward()
    assert Quartic().name == "quartic"
    assert float(y_pred.grad) == pytest.approx(32.0)


def test_loss_function_wrapper_config_round_trip():
    wrapper = LossFunctionWrapper(losses.huber, name="my_huber", delta=0.5)
    config = wrapper.get_config()
    assert config["fn"] == {"module": "keras.losses", "class_name": "function", "config": "huber",
                            "registered_name": "huber"}
    clone = LossFunctionWrapper.from_config(config)
    y_true, y_pred = torch.zeros(3, 2), torch.randn(3, 2)
    assert float(clone(y_true, y_pred)) == pytest.approx(float(wrapper(y_true, y_pred)))
    with pytest.raises(ValueError, match="`fn` of LossFunctionWrapper must be a callable"):
        LossFunctionWrapper("mse")


def test_get_follows_keras_lookup_rules():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MSE") is losses.mean_squared_error
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    instance = losses.Hinge()
    assert losses.get(instance) is instance
    assert losses.get(None) is None
    fn = lambda y_true, y_pred: (y_true - y_pred).abs()  # noqa: E731
    assert losses.get(fn) is fn
    keras_dict = {"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy",
                  "config": {"name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
                             "from_logits": True, "ignore_class": None},
                  "registered_name": None}
    loss = losses.get(keras_dict)
    assert isinstance(loss, losses.SparseCategoricalCrossentropy) and loss.from_logits


def test_get_errors_list_valid_names():
    with pytest.raises(ValueError, match=r"Could not interpret loss identifier: 'msee'.*mean_squared_error"):
        losses.get("msee")
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 5"):
        losses.get(5)
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 'NoSuchLoss'"):
        losses.deserialize({"class_name": "NoSuchLoss", "config": {}})


@pytest.mark.parametrize("cls", [obj for obj in losses.ALL_OBJECTS
                                 if isinstance(obj, type) and obj not in (Loss, LossFunctionWrapper)])
def test_serialize_deserialize_round_trip(cls):
    loss = cls()
    config = losses.serialize(loss)
    assert config["module"] == "keras.losses" and config["class_name"] == cls.__name__
    assert config["registered_name"] is None
    clone = losses.deserialize(config)
    assert type(clone) is cls and clone.get_config() == loss.get_config()


def test_serialize_functions_and_custom_objects():
    config = losses.serialize(losses.log_cosh)
    assert losses.deserialize(config) is losses.log_cosh

    class MyLoss(Loss):
        def call(self, y_true, y_pred):
            return (y_true - y_pred).abs().mean(-1)

    config = losses.serialize(MyLoss(name="mine"))
    assert config["registered_name"] == "MyLoss"
    with pytest.raises(ValueError, match="custom_objects"):
        losses.deserialize(config)
    assert losses.deserialize(config, custom_objects={"MyLoss": MyLoss}).name == "mine"
    with pytest.raises(ValueError, match="Cannot serialize a lambda"):
        losses.serialize(lambda a, b: a)
    with pytest.raises(ValueError, match="Refusing to deserialize a lambda"):
        losses.deserialize({"class_name": "__lambda__", "config": {}})


def test_get_loss_compile_rules():
    assert isinstance(losses.get_loss("crossentropy", (8, 1), (8, 1)), LossFunctionWrapper)
    assert losses.get_loss("ce", (8, 1), (8, 1)).fn is losses.binary_crossentropy
    assert isinstance(losses.get_loss("crossentropy", (8,), (8, 5)), losses.SparseCategoricalCrossentropy)
    assert losses.get_loss("crossentropy", (8, 5), (8, 5)).fn is losses.categorical_crossentropy
    mse = losses.get_loss("mse", (8, 1), (8, 1))
    assert mse.name == "mse" and mse.fn is losses.mean_squared_error
    scce = losses.get_loss("sparse_categorical_crossentropy", (8,), (8, 5))
    assert isinstance(scce, losses.SparseCategoricalCrossentropy) and scce.name == "sparse_categorical_crossentropy"
    instance = losses.Huber()
    assert losses.get_loss(instance, (8, 1), (8, 1)) is instance
    assert losses.get_loss(None, (8, 1), (8, 1)) is None


def test_every_keras_loss_case_has_a_parametrized_test():
    from . import test_hinge, test_probabilistic, test_regression
    from _training_refs import cases

    covered = set(test_probabilistic.PROBABILISTIC) | set(test_regression.REGRESSION) | set(test_hinge.HINGE)
    assert {c["class"] for c in cases("loss")} <= covered
    assert len(cases("loss")) == 19
