"""Zeros, Ones, Constant, Identity and the shared shape/dtype/device handling."""

import numpy as np
import pytest
import torch

from lamina import initializers as I


def test_zeros_and_ones_values_shape_dtype():
    z = I.Zeros()((2, 3))
    o = I.Ones()((4,), dtype="float64")
    assert z.shape == (2, 3) and z.dtype == torch.float32 and not z.any()
    assert o.shape == (4,) and o.dtype == torch.float64 and (o == 1).all()


def test_integer_and_bool_dtypes_are_allowed_for_deterministic_initializers():
    assert I.Zeros()((2,), dtype=torch.int32).dtype == torch.int32
    assert I.Ones()((2,), dtype="bool").tolist() == [True, True]
    assert I.Constant(3)((2,), dtype="int64").tolist() == [3, 3]


def test_constant_fills_value_and_keeps_config_json():
    c = I.Constant(np.float32(2.5))
    assert c((2, 2)).tolist() == [[2.5, 2.5], [2.5, 2.5]]
    assert c.get_config() == {"value": 2.5}
    assert isinstance(c.get_config()["value"], float)
    assert I.Constant(torch.tensor(1.5)).value == 1.5
    assert I.Constant().get_config() == {"value": 0.0}  # Keras default


def test_constant_reads_keras_numpy_value_dict():
    c = I.Constant.from_config(
        {"value": {"class_name": "__numpy__", "config": {"value": 4.0, "dtype": "float32"}}}
    )
    assert c.value == 4.0


@pytest.mark.parametrize("value", [np.arange(6.0).reshape(2, 3), torch.arange(6.0).reshape(2, 3),
                                   [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]])
def test_constant_accepts_arrays_tensors_and_lists(value):
    init = I.Constant(value)
    assert init((2, 3)).tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    again = I.Constant.from_config(init.get_config())
    assert again((2, 3)).tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_constant_array_broadcasts_and_uses_keras_config_format():
    init = I.Constant(np.array([1.0, 2.0], dtype="float32"))
    assert init((3, 2)).tolist() == [[1.0, 2.0]] * 3
    # Keras 3 writes arrays with its `__numpy__` marker (and reads them back from it).
    config = {"value": {"class_name": "__numpy__", "config": {"value": [1.0, 2.0], "dtype": "float32"}}}
    assert init.get_config() == config
    assert I.Constant(**config)((1, 2)).tolist() == [[1.0, 2.0]]
    assert I.Constant([1, 2]).get_config() == {"value": [1, 2]}


def test_constant_array_initializes_a_dense_kernel_in_keras_layout():
    import lamina as keras

    kernel = np.arange(6.0).reshape(2, 3)
    dense = keras.layers.Dense(3, kernel_initializer=I.Constant(kernel))
    keras.Sequential([keras.Input((2,)), dense])
    np.testing.assert_array_equal(dense.kernel.numpy(), kernel)


def test_constant_rejects_bad_values():
    with pytest.raises(ValueError, match=r"Constant: the value of shape \(4,\) cannot be broadcast to the weight's "
                                         r"shape \(2, 3\)"):
        I.Constant(np.ones(4))((2, 3))
    with pytest.raises(ValueError, match=r"Constant: `value` must be numbers .* dtype <U1"):
        I.Constant(np.array(["a"]))
    with pytest.raises(ValueError, match=r"Constant: `value` must be a number, an array or a tensor; received str"):
        I.Constant("one")


def test_identity_rectangular_and_gain():
    assert I.Identity()((2, 2)).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert I.Identity(gain=3.0)((3, 2)).tolist() == [[3.0, 0.0], [0.0, 3.0], [0.0, 0.0]]
    assert I.Identity(gain=2.0).get_config() == {"gain": 2.0}


def test_identity_rejects_non_matrix_shapes():
    with pytest.raises(ValueError, match=r"Identity can only initialize 2-D weights.*shape=\(2, 2, 2\) of rank 3"):
        I.Identity()((2, 2, 2))


def test_int_shape_means_vector_and_torch_size_is_accepted():
    assert I.Zeros()(3).shape == (3,)
    assert I.Ones()(torch.Size([2, 5])).shape == (2, 5)
    assert I.Zeros()(()).shape == ()


@pytest.mark.parametrize("bad", [(None, 4), (2, -1), (2.0, 3), "ab"])
def test_bad_shapes_name_the_argument(bad):
    with pytest.raises(ValueError, match=r"`shape` must be a tuple of non-negative ints"):
        I.Zeros()(bad)


def test_bad_dtype_names_the_argument():
    with pytest.raises(ValueError, match=r"`dtype` must be a torch.dtype or one of .*'float32'.*received 'floaty'"):
        I.Ones()((2,), dtype="floaty")


def test_numpy_dtype_is_accepted():
    assert I.Ones()((2,), dtype=np.float64).dtype == torch.float64
    assert I.Ones()((2,), dtype=np.dtype("float16")).dtype == torch.float16


def test_device_argument_is_honoured():
    assert I.Ones()((2,), device="meta").device.type == "meta"
    assert I.Constant(1.0)((2,), device=torch.device("cpu")).device.type == "cpu"


def test_default_dtype_follows_torch_default():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        assert I.Zeros()((2,)).dtype == torch.float64
    finally:
        torch.set_default_dtype(previous)


def test_base_initializer_call_explains_what_to_implement():
    with pytest.raises(NotImplementedError, match=r"Initializer must implement `__call__\(self, shape"):
        I.Initializer()((2,))


def test_clone_and_repr():
    c = I.Constant(2.0)
    twin = c.clone()
    assert twin is not c and twin.get_config() == c.get_config()
    assert repr(c) == "Constant(value=2.0)"
