"""`keras.utils.pack_x_y_sample_weight` / `unpack_x_y_sample_weight` (Keras 3's rules)."""

import pytest

import lamina as keras


@pytest.mark.parametrize("args, packed", [
    ((1,), 1),
    ((1, 2), (1, 2)),
    ((1, 2, 3), (1, 2, 3)),
    ((1, None, None), 1),
    (((1, 2),), ((1, 2),)),      # a tuple x is wrapped, so it is not read back as (x, y)
    (([1, 2],), ([1, 2],)),      # so is a list of inputs
    (({"a": 1},), {"a": 1}),
])
def test_pack(args, packed):
    assert keras.utils.pack_x_y_sample_weight(*args) == packed


@pytest.mark.parametrize("data, parts", [
    (1, (1, None, None)),
    ((1,), (1, None, None)),
    ((1, 2), (1, 2, None)),
    ([1, 2], (1, 2, None)),      # data loaders give lists
    ((1, 2, 3), (1, 2, 3)),
    ({"x": 1}, ({"x": 1}, None, None)),
])
def test_unpack(data, parts):
    assert keras.utils.unpack_x_y_sample_weight(data) == parts


def test_round_trip():
    for parts in [(1, None, None), (1, 2, None), (1, 2, 3), ((1, 2), None, None), ([1, 2], 3, None)]:
        packed = keras.utils.pack_x_y_sample_weight(*parts)
        assert keras.utils.unpack_x_y_sample_weight(packed) == parts


def test_unpack_rejects_four_elements():
    with pytest.raises(ValueError, match=r"unpack_x_y_sample_weight: data must be x, \(x,\), \(x, y\) or "
                                         r"\(x, y, sample_weight\); received a tuple of 4 elements"):
        keras.utils.unpack_x_y_sample_weight((1, 2, 3, 4))
