"""load_img / img_to_array / array_to_img / save_img with small images written by the tests."""

import io

import numpy as np
import pytest
from PIL import Image

from lamina.utils import array_to_img, img_to_array, load_img, save_img


@pytest.fixture
def rgb_file(tmp_path):
    array = (np.arange(6 * 8 * 3) % 256).astype("uint8").reshape(6, 8, 3)
    path = tmp_path / "img.png"
    Image.fromarray(array).save(path)
    return path, array


def test_load_and_convert(rgb_file):
    path, array = rgb_file
    img = load_img(path)
    assert img.size == (8, 6) and img.mode == "RGB"
    x = img_to_array(img)
    assert x.dtype == np.float32 and x.shape == (6, 8, 3)
    np.testing.assert_array_equal(x, array)
    assert img_to_array(img, data_format="channels_first").shape == (3, 6, 8)
    assert load_img(str(path), color_mode="grayscale").mode == "L"
    assert img_to_array(load_img(path, color_mode="grayscale")).shape == (6, 8, 1)
    assert img_to_array(load_img(path, color_mode="rgba")).shape == (6, 8, 4)
    assert load_img(io.BytesIO(path.read_bytes())).size == (8, 6)


def test_resize_is_pillow_resize(rgb_file):
    path, array = rgb_file
    for interpolation, method in (("nearest", Image.NEAREST), ("bilinear", Image.BILINEAR),
                                  ("bicubic", Image.BICUBIC)):
        x = img_to_array(load_img(path, target_size=(3, 5), interpolation=interpolation))
        expected = np.asarray(Image.fromarray(array).resize((5, 3), method), dtype="float32")
        np.testing.assert_array_equal(x, expected)


def test_keep_aspect_ratio_crops_centre(rgb_file):
    path, array = rgb_file
    x = img_to_array(load_img(path, target_size=(6, 6), keep_aspect_ratio=True))
    np.testing.assert_array_equal(x, array[:, 1:7])


def test_array_to_img_scales_and_saves(tmp_path):
    x = np.linspace(-1, 1, 4 * 4 * 3, dtype="float32").reshape(4, 4, 3)
    img = array_to_img(x)
    values = np.asarray(img)
    assert values.min() == 0 and values.max() == 255
    assert array_to_img(np.full((2, 2, 1), 7.0), scale=False).mode == "L"
    save_img(tmp_path / "out.jpg", x)
    assert Image.open(tmp_path / "out.jpg").format == "JPEG"
    save_img(tmp_path / "out.png", np.full((2, 3, 3), 200.0), scale=False)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out.png")), np.full((2, 3, 3), 200))


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no image file at"):
        load_img(tmp_path / "missing.png")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    with pytest.raises(ValueError, match="could not read an image from .*broken.png"):
        load_img(broken)
    with pytest.raises(ValueError, match="color_mode must be"):
        load_img(broken, color_mode="cmyk")
    with pytest.raises(ValueError, match="expected an image array of rank 3"):
        array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="unsupported channel count 2"):
        array_to_img(np.zeros((2, 2, 2)))
