"""`lamina.ops.image`: Keras-computed values for every op (fixtures made by
tools/keras_crosscheck/make_opsc_fixtures.py), the contract with Keras's op table, gradients and
errors."""

import numpy as np
import pytest
import torch

import lamina.ops.image as image
from tests.ops._keras_cases import (
    assert_case_matches,
    check_contract,
    keras_table,
    load_cases,
    run_symbolic,
)

CASES, ARRAYS = load_cases("image")
KERAS = keras_table("image")
MODULES = [f"lamina.ops.image.{name}" for name in (
    "color",
    "filters",
    "patches",
    "resize",
    "transforms",
)]


@pytest.mark.parametrize("name,spec", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(name, spec):
    assert_case_matches(spec, ARRAYS)


@pytest.mark.parametrize("name,spec", CASES, ids=[c[0] for c in CASES])
def test_symbolic_call_gives_kerass_shapes_and_dtypes(name, spec):
    got, want = run_symbolic(spec, ARRAYS)
    assert got == want


def test_every_op_has_a_keras_case():
    covered = {spec["op"].split(".")[1] for _, spec in CASES}
    # elastic_transform is random: its properties are tested below.
    assert set(KERAS) - covered == {"elastic_transform"}


def test_every_keras_name_and_nothing_else():
    assert sorted(KERAS) == sorted(image.__all__)


@pytest.mark.parametrize("name", sorted(KERAS))
def test_contract_with_keras(name):
    check_contract(getattr(image, name), KERAS[name], "image")


# ---------------------------------------------------------------------------- behaviour

RNG = np.random.RandomState(7)


def _np_bilinear(image, y, x):
    """Reference bilinear read of an (H, W, C) image with zero fill."""
    h, w, _ = image.shape
    y0, x0 = int(np.floor(y)), int(np.floor(x))
    out = 0
    for yy, wy in ((y0, 1 - (y - y0)), (y0 + 1, y - y0)):
        for xx, wx in ((x0, 1 - (x - x0)), (x0 + 1, x - x0)):
            if 0 <= yy < h and 0 <= xx < w:
                out = out + wy * wx * image[yy, xx]
    return out


def test_affine_transform_projective_divides_by_k():
    # Keras 3.15 ignores c0/c1 (a bug, see make_opsc_fixtures.py); the documented map is used.
    array = RNG.rand(6, 7, 2).astype("float64")
    t = np.array([1.0, 0.1, 0.5, 0.05, 1.0, -0.5, 0.01, 0.02])
    got = image_ops_affine(array, t)
    for y in range(6):
        for x in range(7):
            k = t[6] * x + t[7] * y + 1
            expected = _np_bilinear(array, (t[3] * x + t[4] * y + t[5]) / k,
                                    (t[0] * x + t[1] * y + t[2]) / k)
            np.testing.assert_allclose(got[y, x], expected, atol=1e-12)


def image_ops_affine(array, transform):
    return image.affine_transform(torch.tensor(array), torch.tensor(transform)).numpy()


def test_perspective_transform_maps_end_points_to_start_points():
    image_array = RNG.rand(9, 9, 1)
    start = np.array([[1.0, 1.0], [7.0, 0.0], [0.0, 8.0], [8.0, 7.0]])
    end = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0], [8.0, 8.0]])
    out = image.perspective_transform(torch.tensor(image_array), torch.tensor(start),
                                      torch.tensor(end), interpolation="nearest").numpy()
    for (sx, sy), (ex, ey) in zip(start.astype(int), end.astype(int)):
        assert out[ey, ex, 0] == image_array[sy, sx, 0]


@pytest.mark.parametrize("kernel_size,sigma", [((5, 3), (1.5, 0.7)), ((3, 3), (1.0, 1.0))])
def test_gaussian_blur_channels_last_matches_a_separable_reference(kernel_size, sigma):
    images = RNG.rand(2, 7, 8, 3)
    got = image.gaussian_blur(torch.tensor(images), kernel_size, sigma).numpy()

    def gauss(size, s):
        x = np.arange(size) - (size - 1) / 2
        g = np.exp(-0.5 * (x / s) ** 2)
        return g / g.sum()

    kernel = np.outer(gauss(kernel_size[1], sigma[1]), gauss(kernel_size[0], sigma[0]))
    kh, kw = kernel.shape
    padded = np.pad(images, ((0, 0), ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2), (0, 0)))
    expected = np.zeros_like(images)
    for i in range(kh):
        for j in range(kw):
            expected += kernel[i, j] * padded[:, i:i + 7, j:j + 8, :]
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_elastic_transform_seeded_repeatable_and_identity_at_zero_alpha():
    images = torch.rand(2, 10, 12, 3)
    a = image.elastic_transform(images, alpha=5.0, sigma=2.0, seed=3)
    b = image.elastic_transform(images, alpha=5.0, sigma=2.0, seed=3)
    assert a.shape == images.shape and torch.equal(a, b)
    assert not torch.equal(a, image.elastic_transform(images, alpha=5.0, sigma=2.0, seed=4))
    torch.testing.assert_close(image.elastic_transform(images, alpha=0.0, seed=1), images)
    cf = image.elastic_transform(images.permute(0, 3, 1, 2), alpha=5.0, sigma=2.0, seed=3,
                                 data_format="channels_first")
    torch.testing.assert_close(cf.permute(0, 2, 3, 1), a)


def test_rgb_hsv_round_trip_and_integer_resize():
    rgb = torch.rand(2, 5, 5, 3, dtype=torch.float64)
    torch.testing.assert_close(image.hsv_to_rgb(image.rgb_to_hsv(rgb)), rgb)
    out = image.resize(torch.full((1, 4, 4, 1), 200, dtype=torch.uint8), (7, 3), "bicubic")
    assert out.dtype == torch.uint8 and int(out.min()) == 200 == int(out.max())


def test_gradients_flow_through_sampling_resize_and_filters():
    images = torch.rand(2, 8, 9, 3, requires_grad=True)
    transform = torch.tensor([1.0, 0.1, 0.3, -0.1, 1.0, 0.2, 0.0, 0.0], requires_grad=True)
    loss = image.affine_transform(images, transform).sum()
    loss = loss + image.resize(images, (5, 4), "bicubic", antialias=True).sum()
    loss = loss + image.ssim(images, images.detach() * 0.9, filter_size=3).sum()
    loss = loss + image.gaussian_blur(images).sum() + image.extract_patches(images, 2).sum()
    loss.backward()
    assert torch.isfinite(images.grad).all() and transform.grad.abs().sum() > 0


ERRORS = [
    (lambda: image.resize(torch.ones(4, 4), (2, 2)), "resize: `images` must have rank 3"),
    (lambda: image.resize(torch.ones(4, 4, 1), (2,)), "`size` must be a tuple of two ints"),
    (lambda: image.resize(torch.ones(4, 4, 1), (2, 2), "area"), "`interpolation` must be one of"),
    (lambda: image.resize(torch.ones(4, 4, 1), (2, 2), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "at most one"),
    (lambda: image.affine_transform(torch.ones(4, 4, 1), torch.ones(6)), "`transform` must have shape \\(8,\\)"),
    (lambda: image.affine_transform(torch.ones(4, 4, 1), torch.ones(8), fill_mode="edge"), "`fill_mode` must be one of"),
    (lambda: image.map_coordinates(torch.ones(3, 3), torch.ones(1, 4), 1), "one coordinate array per axis"),
    (lambda: image.map_coordinates(torch.ones(3), torch.ones(1, 4), 3), "`order` must be 0 or 1"),
    (lambda: image.perspective_transform(torch.ones(4, 4, 1), torch.ones(3, 2), torch.ones(3, 2)), "`start_points` must have shape \\(4, 2\\)"),
    (lambda: image.rgb_to_hsv(torch.ones(2, 2, 3, dtype=torch.int32)), "must be a float tensor"),
    (lambda: image.rgb_to_grayscale(torch.ones(2, 2, 4)), "must have 1 or 3 channels"),
    (lambda: image.pad_images(torch.ones(2, 2, 1), 1, 1), "pass exactly two of top_padding"),
    (lambda: image.pad_images(torch.ones(4, 4, 1), 1, 1, target_height=3, target_width=6), "bottom_padding would be -2"),
    (lambda: image.crop_images(torch.ones(4, 4, 1), 1, 1, target_height=4, target_width=2), "does not fit"),
    (lambda: image.ssim(torch.ones(4, 4, 1), torch.ones(4, 4, 1)), "smaller than the filter"),
    (lambda: image.extract_patches(torch.ones(4, 4), 2), "must have rank 3"),
    (lambda: image.scale_and_translate(torch.ones(4, 4), (2, 2), [0.5], [0.0], (0, 1), "linear"), "one value per spatial dim"),
]


@pytest.mark.parametrize("call,message", ERRORS, ids=[e[1][:30] for e in ERRORS])
def test_errors_name_op_argument_and_value(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_are_true(module):
    from tests.ops._keras_cases import run_doctests

    failed, attempted = run_doctests(module)
    assert attempted > 0 and failed == 0


REFERENCE_IMAGE = torch.rand(1, 5, 6, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
GRADCHECK = [
    ("resize_bicubic_antialias", lambda x: image.resize(x, (3, 4), "bicubic", antialias=True)),
    ("resize_lanczos3", lambda x: image.resize(x, (7, 3), "lanczos3")),
    ("affine_reflect", lambda x: image.affine_transform(
        x, torch.tensor([1.1, 0.2, -0.7, -0.1, 0.9, 0.6, 0.0, 0.0], dtype=x.dtype),
        fill_mode="reflect")),
    ("map_coordinates", lambda x: image.map_coordinates(
        x[0, :, :, 0], torch.tensor([[0.3, 2.6, 4.2], [1.7, 0.1, 3.9]], dtype=x.dtype), 1)),
    ("ssim", lambda x: image.ssim(x, REFERENCE_IMAGE, filter_size=3)),
    ("rgb_to_hsv", lambda x: image.rgb_to_hsv(x * 0.8 + 0.1)),
]


@pytest.mark.parametrize("name,fn", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradients_match_finite_differences(name, fn):
    x = torch.rand(1, 5, 6, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(fn, (x,), eps=1e-6, atol=1e-5, fast_mode=True)
