"""The op mechanism (lamina/ops/_op.py): symbolic calls become one graph node per op call.

The ops here are defined in the tests (a scratch registry), so the mechanism is checked on its
own; the real ops' symbolic shapes are checked in their modules' tests.
"""

import pytest
import torch

import lamina as keras
from lamina.layers.core.torch_op import KerasOp
from lamina.ops._op import keras_op


@pytest.fixture
def toy_ops(scratch_registry):
    @keras_op("ToyMean", config=("axis", "keepdims"), module="numpy")
    def toy_mean(x, axis=None, keepdims=False):
        """Mean (NumPy `np.mean`; torch `torch.mean`)."""
        x = torch.as_tensor(x)
        if axis is not None and not -x.dim() <= axis < x.dim():
            raise ValueError(f"ops.toy_mean: `axis` {axis} is out of range for a tensor of rank {x.dim()}.")
        return torch.mean(x.float(), dim=axis, keepdim=keepdims)

    @keras_op("ToyConcatenate", config=("axis",), module="numpy")
    def toy_concatenate(xs, axis=0):
        return torch.cat(list(xs), dim=axis)

    @keras_op("ToyEinsum", config=("subscripts",), module="numpy")
    def toy_einsum(subscripts, *operands):
        return torch.einsum(subscripts, *operands)

    @keras_op("ToyMeshgrid", config=("indexing",), module="numpy")
    def toy_meshgrid(*x, indexing="xy"):
        return list(torch.meshgrid(*x, indexing=indexing))

    @keras_op("ToyNonzero", module="numpy",
              output_spec=lambda x: keras.KerasTensor((x.ndim, None), dtype="int64"))
    def toy_nonzero(x):
        return torch.stack(torch.nonzero(x, as_tuple=True))

    @keras_op("ToyWhere", module="numpy")
    def toy_where(condition, x1=None, x2=None):
        return torch.where(condition, x1, x2)

    return {"mean": toy_mean, "concatenate": toy_concatenate, "einsum": toy_einsum,
            "meshgrid": toy_meshgrid, "nonzero": toy_nonzero, "where": toy_where}


def _node(tensor):
    history = tensor._keras_history
    return history.operation._inbound_nodes[history.node_index]


def test_eager_call_is_the_function(toy_ops):
    x = torch.arange(6.0).reshape(2, 3)
    assert torch.equal(toy_ops["mean"](x, axis=1), x.mean(dim=1))
    assert toy_ops["mean"].__name__ == "toy_mean" and "np.mean" in toy_ops["mean"].__doc__


@pytest.mark.parametrize("axis, keepdims, shape", [(-1, False, (None, 3)), (1, True, (None, 1, 4)), (None, False, ())])
def test_symbolic_shape_and_one_node(toy_ops, axis, keepdims, shape):
    x = keras.Input((3, 4), dtype="int32")
    y = toy_ops["mean"](x, axis=axis, keepdims=keepdims)
    assert y.shape == shape and y.dtype == torch.float32
    node = _node(y)
    assert isinstance(node.operation, KerasOp)
    assert node.operation.summary_class_name == "ToyMean"
    assert node.operation.get_config() == {"name": node.operation.name, "axis": axis, "keepdims": keepdims}
    assert node.call_args == (x,) and node.call_kwargs == {}


def test_nested_list_and_varargs_arguments_are_call_arguments(toy_ops):
    a, b = keras.Input((3,)), keras.Input((5,))
    c = toy_ops["concatenate"]([a, b], axis=-1)
    assert c.shape == (None, 8)
    assert _node(c).call_args == ([a, b],) and _node(c).operation.op_config == {"axis": -1}
    e = toy_ops["einsum"]("bi,bj->bij", a, b)
    assert e.shape == (None, 3, 5)
    assert _node(e).call_args == (a, b) and _node(e).operation.op_config == {"subscripts": "bi,bj->bij"}


def test_keyword_only_config_and_list_outputs(toy_ops):
    a, b = keras.Input((), batch_size=3), keras.Input((), batch_size=5)
    grids = toy_ops["meshgrid"](a, b, indexing="ij")
    assert [g.shape for g in grids] == [(3, 5), (3, 5)]
    assert _node(grids[0]).operation.op_config == {"indexing": "ij"}
    assert _node(grids[0]).call_args == (a, b)


def test_plain_values_among_call_arguments(toy_ops):
    x = keras.Input((3,))
    y = toy_ops["where"](keras.Input((3,), dtype="bool"), x, 0.0)
    assert y.shape == (None, 3) and _node(y).call_args[2] == 0.0


def test_model_runs_the_ops(toy_ops):
    a, b = keras.Input((3, 4)), keras.Input((3, 4))
    m = toy_ops["mean"](a, axis=-1, keepdims=True)
    c = toy_ops["concatenate"]([a, b, m], axis=-1)
    e = toy_ops["einsum"]("bij,bkj->bik", a, b)
    model = keras.Model([a, b], [c, e])
    x, y = torch.randn(2, 3, 4), torch.randn(2, 3, 4)
    out_c, out_e = model([x, y])
    torch.testing.assert_close(out_c, torch.cat([x, y, x.mean(-1, keepdim=True)], -1))
    torch.testing.assert_close(out_e, torch.einsum("bij,bkj->bik", x, y))
    assert [row for row in ("ToyMean", "ToyConcatenate", "ToyEinsum")
            if row not in [getattr(layer, "summary_class_name", "") for layer in model.layers]] == []


def test_gradients_flow_through_op_nodes(toy_ops):
    x = keras.Input((3,))
    model = keras.Model(x, toy_ops["mean"](keras.layers.Dense(2)(x), axis=-1))
    model(torch.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_output_spec_rule_for_data_dependent_shapes(toy_ops):
    x = keras.Input((3,))
    y = toy_ops["nonzero"](x)
    assert y.shape == (2, None) and y.dtype == torch.int64
    model = keras.Model(x, y)
    assert model(torch.tensor([[1.0, 0.0, 2.0]])).tolist() == [[0, 0], [0, 2]]


def test_the_ops_own_argument_errors_reach_the_user_with_the_sources(toy_ops):
    x = keras.Input((3,), name="features")
    with pytest.raises(ValueError, match=r"ops.toy_mean: `axis` 5 is out of range(.|\n)*came from: features"):
        toy_ops["mean"](x, axis=5)


def test_torch_errors_name_the_op_and_the_shapes(toy_ops):
    a, b = keras.Input((3,)), keras.Input((3, 2))
    with pytest.raises(ValueError, match=r"ops.toy_concatenate \(node 'toy_concatenate(_\d+)?', Keras op "
                                         r"ToyConcatenate\) failed .*\(None, 3\), \(None, 3, 2\)"):
        toy_ops["concatenate"]([a, b], axis=-1)


def test_config_arguments_must_not_be_symbolic(toy_ops):
    x = keras.Input((3,))
    with pytest.raises(ValueError, match="ops.toy_mean: the argument 'axis' must be a Python value"):
        toy_ops["mean"](x, axis=x)


def test_wrong_arguments_name_the_op_and_its_signature(toy_ops):
    x = keras.Input((3,))
    with pytest.raises(TypeError, match=r"ops.toy_mean\(x, axis=None, keepdims=False\): .*unexpected keyword"):
        toy_ops["mean"](x, axes=1)


def test_config_names_must_be_parameters(scratch_registry):
    with pytest.raises(TypeError, match="config names \\['axes'\\] are not parameters"):
        keras_op("Broken", config=("axes",))(lambda x, axis=None: x)


def test_ops_inside_a_plain_torch_module_make_one_node(toy_ops):
    class Plain(torch.nn.Module):
        def forward(self, x):
            return toy_ops["mean"](x * 2, axis=-1)

    x = keras.Input((3,))
    y = Plain()(x)
    assert y.shape == (None,)
    assert type(y._keras_history.operation).__name__ == "TorchModuleWrapper"


def test_python_operators_record_the_registered_keras_op(scratch_registry):
    @keras_op("Subtract", module="numpy")
    def subtract(x1, x2):
        return torch.subtract(torch.as_tensor(x1), torch.as_tensor(x2))

    scratch_registry["Subtract"] = subtract.op_definition  # wins over lamina's own, for this test
    x = keras.Input((3,))
    y = 2 - x
    node = _node(y)
    assert node.operation.summary_class_name == "Subtract" and node.call_args == (2, x)
    model = keras.Model(x, y)
    torch.testing.assert_close(model(torch.ones(1, 3)), torch.ones(1, 3))


def test_ops_that_check_values_are_traced_on_real_stand_ins(scratch_registry):
    @keras_op("ToyCholesky", module="linalg")
    def toy_cholesky(x):
        factor, info = torch.linalg.cholesky_ex(x)
        if bool((info != 0).any()):  # a value check fake tensors cannot answer
            raise ValueError("ops.toy_cholesky: the input is not positive-definite.")
        return factor

    x = keras.Input((3, 3))
    y = toy_cholesky(x)
    assert y.shape == (None, 3, 3)
    spd = torch.eye(3).expand(2, 3, 3) * 4.0
    torch.testing.assert_close(keras.Model(x, y)(spd), torch.eye(3).expand(2, 3, 3) * 2.0)


def test_constants_on_the_left_of_symbolic_tensors(tmp_path):
    import numpy as np

    from lamina import ops

    x = keras.Input((3,))
    outputs = [np.full(3, 2.0, dtype="float32") + x, torch.full((3,), 3.0) * x, ops.subtract(torch.ones(3), x)]
    assert all(isinstance(o, keras.KerasTensor) and o.shape == (None, 3) for o in outputs)
    model = keras.Model(x, outputs)
    data = torch.ones(2, 3)
    expected = [data + 2.0, data * 3.0, 1.0 - data]
    for out, ref in zip(model(data), expected):
        torch.testing.assert_close(out, ref)
    model.save(tmp_path / "m.keras")
    for out, ref in zip(keras.models.load_model(tmp_path / "m.keras")(data), expected):
        torch.testing.assert_close(out, ref)
