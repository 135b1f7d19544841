"""The Layer contract: names, weights, trainability, tracking, training flag, errors."""

import pickle

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers


def test_automatic_names_are_snake_case_numbered_per_class():
    assert [layers.Dense(2).name, layers.Dense(2).name, layers.Dropout(0.1).name] == \
        ["dense", "dense_1", "dropout"]

    class MyFancyLayer(keras.Layer):
        def call(self, x):
            return x

    assert MyFancyLayer().name == "my_fancy_layer"
    keras.clear_session(free_memory=False)
    assert layers.Dense(2).name == "dense"


def test_lazy_build_on_first_call_creates_keras_layout_weights():
    dense = layers.Dense(3)
    assert not dense.built
    out = dense(torch.ones(2, 5))
    assert dense.built and out.shape == (2, 3)
    # Keras layout wherever the Keras API speaks; nn.Linear's layout for torch.
    assert [w.shape for w in dense.get_weights()] == [(5, 3), (3,)]
    assert [w.keras_shape for w in dense.weights] == [(5, 3), (3,)]
    assert dense.kernel.numpy().shape == (5, 3)
    assert tuple(dense.kernel.shape) == (3, 5)
    assert dense.kernel.path == "dense/kernel"
    assert isinstance(dense.kernel, torch.nn.Parameter)
    assert dense.count_params() == 18


def test_non_trainable_weights_have_no_grad_but_are_in_state_dict():
    class Stats(keras.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")
            self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")

        def call(self, x):
            return x * self.scale

    layer = Stats()
    layer(torch.ones(1, 4))
    assert [w.name for w in layer.trainable_weights] == ["scale"]
    assert [w.name for w in layer.non_trainable_weights] == ["count"]
    assert not layer.count.requires_grad
    assert set(layer.state_dict()) == {"scale", "count"}


def test_freezing_is_recursive_and_reversible():
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3), layers.Dense(2)])
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 4
    assert not any(p.requires_grad for p in model.parameters())
    model.layers[1].trainable = True
    assert len(model.layers[1].trainable_weights) == 2
    model.trainable = True
    assert all(p.requires_grad for p in model.parameters())


def test_get_and_set_weights_validate_count_and_shape():
    dense = layers.Dense(3)
    dense(torch.ones(1, 2))
    values = [np.full((2, 3), 0.5, "float32"), np.arange(3, dtype="float32")]
    dense.set_weights(values)
    for got, want in zip(dense.get_weights(), values):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match=r"Layer 'dense' expects 2 weight arrays.*received a list of 1"):
        dense.set_weights(values[:1])
    with pytest.raises(ValueError, match=r"weight 0 \('dense/kernel'\) expects shape \(2, 3\), received .*\(3, 2\)"):
        dense.set_weights([np.zeros((3, 2)), np.zeros(3)])


def test_count_params_before_build_explains():
    with pytest.raises(ValueError, match="layer 'dense', which is not built yet"):
        layers.Dense(3).count_params()


def test_sublayers_in_lists_and_dicts_are_child_modules():
    class Tower(keras.Layer):
        def __init__(self):
            super().__init__()
            self.blocks = [layers.Dense(4), layers.Dense(4)]
            self.heads = {"a": layers.Dense(1)}

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return self.heads["a"](x)

    tower = Tower()
    tower(torch.ones(2, 3))
    keys = set(tower.state_dict())
    assert {"blocks.0.kernel", "blocks.1.bias", "heads.a.kernel"} <= keys
    assert len(tower.weights) == 6
    tower.blocks.append(layers.Dense(2))
    assert "blocks.2" in dict(tower.named_modules())


def test_attribute_name_becomes_the_parameter_key():
    class Scale(keras.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.w

    layer = Scale()
    layer(torch.ones(1, 3))
    assert list(layer.state_dict()) == ["w"]


def test_training_flag_reaches_inner_dropout_even_when_call_omits_it():
    class Forgetful(keras.Model):
        def __init__(self):
            super().__init__()
            self.drop = layers.Dropout(0.5)

        def call(self, x):  # no training argument, no training=training
            return self.drop(x)

    model = Forgetful()
    x = torch.ones(200, 50)
    assert torch.equal(model(x), x)  # a new model is in inference mode, as in Keras
    assert not torch.equal(model(x, training=True), x)
    model.train()
    assert not torch.equal(model(x), x)
    assert torch.equal(model(x, training=False), x)  # explicit argument wins
    model.eval()
    assert torch.equal(model(x), x)


def test_eager_shape_error_names_layer_expected_and_received():
    dense = layers.Dense(3)
    dense(torch.ones(2, 4))
    with pytest.raises(ValueError, match=r"Input 0 of layer 'dense' is incompatible.*axis -1.*value 4.*\(2, 5\)"):
        dense(torch.ones(2, 5))


def test_unknown_constructor_keyword_is_an_error():
    with pytest.raises(TypeError, match=r"Dense.__init__\(\) got unexpected keyword argument\(s\) \['unitz'\]"):
        layers.Dense(3, unitz=4)


def test_invalid_arguments_are_rejected_at_construction():
    with pytest.raises(ValueError, match=r"Dense layer 'dense': `units` must be a positive int, received units=0"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="`rate` must be a float between 0 and 1, received rate=1.5"):
        layers.Dropout(1.5)


def test_custom_layer_config_is_derived_from_plain_init_arguments():
    class Scaled(keras.Layer):
        def __init__(self, factor, mode="x", **kwargs):
            super().__init__(**kwargs)
            self.factor, self.mode = factor, mode

        def call(self, x):
            return x * self.factor

    config = Scaled(2.5, name="s").get_config()
    assert config["factor"] == 2.5 and config["mode"] == "x" and config["name"] == "s"
    clone = Scaled.from_config(config)
    assert clone.factor == 2.5


def test_add_loss_and_regularization_losses():
    class Penalized(keras.Layer):
        def call(self, x):
            self.add_loss(x.abs().sum())
            return x

    dense = layers.Dense(2, kernel_regularizer="l2")
    dense(torch.ones(1, 2))
    assert len(dense.losses) == 1 and dense.losses[0].ndim == 0
    layer = Penalized()
    layer(torch.ones(3))
    assert float(layer.losses[0]) == 3.0


def test_layers_pickle_and_keep_weights():
    dense = layers.Dense(2)
    x = torch.randn(3, 4)
    expected = dense(x)
    clone = pickle.loads(pickle.dumps(dense))
    torch.testing.assert_close(clone(x), expected)


def test_numpy_inputs_are_converted():
    dense = layers.Dense(2)
    out = dense(np.ones((2, 3)))
    assert out.dtype == torch.float32 and out.shape == (2, 2)


def test_lists_and_dicts_reach_the_eager_or_symbolic_path_by_content():
    # A flat list/dict of tensors takes the eager fast path; one NumPy array in it still gets
    # converted, and one symbolic tensor in it still records a graph node.
    concat = layers.Concatenate()
    a, b = torch.ones(2, 3), torch.zeros(2, 1)
    assert concat([a, b]).shape == (2, 4)
    assert concat((a, b)).shape == (2, 4)
    mixed = concat([a, np.zeros((2, 1), dtype="float32")])
    assert isinstance(mixed, torch.Tensor) and mixed.shape == (2, 4)
    symbolic = concat([keras.Input(shape=(3,)), keras.Input(shape=(1,))])
    assert not isinstance(symbolic, torch.Tensor) and tuple(symbolic.shape) == (None, 4)
    x1, x2 = keras.Input(shape=(3,), name="p"), keras.Input(shape=(1,), name="q")
    model = keras.Model({"p": x1, "q": x2}, concat([x1, x2]))
    assert model({"p": a, "q": b}).shape == (2, 4)
    with pytest.raises(ValueError, match="missing: \\['q'\\]"):
        model({"p": a})


def test_variable_helpers():
    dense = layers.Dense(2)
    dense(torch.ones(1, 2))
    dense.kernel.assign(np.ones((2, 2)))
    assert dense.kernel.numpy().sum() == 4
    with pytest.raises(ValueError, match=r"Cannot assign a value of shape \(3,\) to weight 'dense/kernel'"):
        dense.kernel.assign(np.ones(3))


def test_add_loss_values_are_reset_at_each_top_level_call():
    class Penalized(keras.Layer):
        def call(self, x):
            self.add_loss(x.sum())
            return x

    inputs = keras.Input(shape=(2,))
    model = keras.Model(inputs, Penalized()(inputs))
    model(torch.ones(1, 2))
    model(torch.ones(1, 2))
    assert [float(v) for v in model.losses] == [2.0]


def test_dtype_mismatch_error_says_how_to_fix():
    dense = layers.Dense(2)
    dense(torch.ones(1, 3))
    with pytest.raises(TypeError, match=r"Layer 'dense' computes in float32 but input 0 is float64.*x.float\(\)"):
        dense(torch.ones(1, 3, dtype=torch.float64))


def test_layer_with_float64_policy_casts_inputs():
    dense = layers.Dense(2, dtype="float64")
    out = dense(torch.ones(1, 3))
    assert out.dtype == torch.float64 and dense.kernel.dtype == torch.float64


def test_plain_torch_modules_follow_the_lamina_training_rule():
    model = keras.Sequential([keras.Input(shape=(100,)), torch.nn.Dropout(0.5)])
    x = torch.ones(8, 100)
    assert torch.equal(model(x), x)
    assert not torch.equal(model(x, training=True), x)

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.drop = torch.nn.Dropout(0.5)

        def call(self, x):
            return self.drop(x)

    net = Net()
    assert not net.drop.training and torch.equal(net(x), x)
    net.train()
    assert not torch.equal(net(x), x)


def test_dense_state_dict_is_interchangeable_with_nn_linear():
    dense = layers.Dense(3)
    dense.build((None, 5))
    linear = torch.nn.Linear(5, 3)
    dense.load_state_dict({"kernel": linear.weight.detach(), "bias": linear.bias.detach()})
    x = torch.randn(4, 5)
    torch.testing.assert_close(dense(x), linear(x))
    kernel = np.arange(15, dtype="float32").reshape(5, 3)
    dense.kernel.assign(kernel)
    np.testing.assert_array_equal(dense.get_weights()[0], kernel)
    with pytest.raises(ValueError, match=r"shape \(3, 5\) to weight 'dense.*/kernel' of shape \(5, 3\) \(Keras layout\)"):
        dense.kernel.assign(kernel.T)


def test_constraints_and_regularizers_see_the_keras_layout():
    # max_norm(axis=0) bounds each output unit's incoming weights, as in Keras, although the
    # kernel is stored transposed.
    from lamina import constraints, regularizers

    model = keras.Sequential([keras.Input((4,)), layers.Dense(
        2, kernel_constraint=constraints.MaxNorm(1.0, axis=0),
        kernel_regularizer=regularizers.OrthogonalRegularizer(factor=1.0, mode="columns"))])
    dense = model.layers[0]
    dense.set_weights([np.array([[3.0, 0.1]] * 4, dtype="float32"), np.zeros(2, dtype="float32")])
    expected_penalty = float(regularizers.OrthogonalRegularizer(factor=1.0, mode="columns")(
        torch.from_numpy(dense.get_weights()[0])))
    assert float(model.losses[0]) == pytest.approx(expected_penalty, rel=1e-6)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    model.train_on_batch(np.zeros((2, 4), "float32"), np.zeros((2, 2), "float32"))
    norms = np.linalg.norm(dense.get_weights()[0], axis=0)
    np.testing.assert_allclose(norms, [1.0, 0.2], rtol=1e-5)


def test_input_shape_argument_warns_as_keras_and_still_builds_the_sequential():
    # keras.io "The Sequential model" guide shows Keras's warning for the Keras 2 style argument.
    with pytest.warns(UserWarning, match="Do not pass an `input_shape`/`input_dim` argument to a layer"):
        dense = keras.layers.Dense(2, input_shape=(4,))
    model = keras.Sequential([dense])
    assert model.built and model.output_shape == (None, 2)
    with pytest.warns(UserWarning, match="Do not pass an `input_shape`/`input_dim`"):
        keras.layers.Dense(2, input_dim=4)


class _FilledLater(keras.layers.Layer):
    """keras.io GRN/VSN style: empty containers assigned first, filled afterwards."""

    def __init__(self):
        super().__init__()
        self.by_name = dict()
        self.by_name["a"] = keras.layers.Dense(2)
        self.blocks = list()
        self.blocks.append(keras.layers.Dense(2))

    def call(self, x):
        return self.by_name["a"](x) + self.blocks[0](x)

    def build(self):  # no shape argument: Keras calls it with none
        self.built = True


def test_sublayers_added_to_empty_containers_are_tracked_and_build_without_args():
    layer = _FilledLater()
    out = layer(keras.Input((3,)))
    assert out.shape == (None, 2) and layer.built
    assert len(layer.trainable_weights) == 4
    assert [tuple(w.keras_shape) for w in layer.weights] == [(3, 2), (2,), (3, 2), (2,)]
