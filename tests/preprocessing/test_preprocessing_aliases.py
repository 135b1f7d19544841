"""keras.preprocessing: aliases of the keras.utils data helpers, and smart_resize."""

import numpy as np
import pytest
import torch

import lamina as keras


def test_aliases_are_the_utils_objects():
    assert keras.preprocessing.image_dataset_from_directory is keras.utils.image_dataset_from_directory
    assert keras.preprocessing.text_dataset_from_directory is keras.utils.text_dataset_from_directory
    assert keras.preprocessing.timeseries_dataset_from_array is keras.utils.timeseries_dataset_from_array
    assert keras.preprocessing.sequence.pad_sequences is keras.utils.pad_sequences
    assert keras.preprocessing.image.load_img is keras.utils.load_img


def test_smart_resize_keeps_the_aspect_ratio_by_cropping():
    image = torch.zeros(40, 20, 1)
    image[10:30] = 1.0  # the centred 20x20 window is all ones
    out = keras.preprocessing.image.smart_resize(image, (10, 10))
    assert out.shape == (10, 10, 1)
    np.testing.assert_allclose(out.numpy(), np.ones((10, 10, 1)), atol=1e-6)
    batch = keras.preprocessing.image.smart_resize(np.random.rand(2, 8, 16, 3).astype("float32"), (4, 4))
    assert tuple(batch.shape) == (2, 4, 4, 3)


def test_smart_resize_refuses_bad_sizes():
    with pytest.raises(ValueError, match=r"smart_resize: `size` must be \(height, width\)"):
        keras.preprocessing.image.smart_resize(torch.zeros(4, 4, 1), (0, 3))
