"""`to_categorical` and `normalize` as `keras.utils` defines them."""

import numpy as np
import pytest

from lamina.utils import normalize, to_categorical


def test_to_categorical_shapes_and_trailing_axis():
    np.testing.assert_array_equal(to_categorical([1, 0, 2]), np.eye(3, dtype="float32")[[1, 0, 2]])
    assert to_categorical(np.array([[1], [3]]), num_classes=5).shape == (2, 5)  # (n, 1) -> (n, classes)
    assert to_categorical(np.zeros((2, 4), dtype=int), num_classes=3).shape == (2, 4, 3)


def test_to_categorical_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"class ids must lie in \[0, 2\); received ids from 0 to 3"):
        to_categorical([0, 3], num_classes=2)
    with pytest.raises(ValueError, match="integer class ids"):
        to_categorical([0.5])


def test_normalize_unit_rows_and_zero_rows():
    out = normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])
