"""Computes reference values of `keras.ops.nn` / `keras.ops.image` with real Keras 3 (JAX backend).

Run with the Keras virtualenv (never needed by the tests, which read the saved files):

    KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/make_opsc_fixtures.py

Writes `tests/ops/fixtures/keras_opsc_values.npz` (inputs and outputs) and
`tests/ops/fixtures/keras_opsc_cases.json` (per case: the op path, which npz keys are its positional
and keyword tensor arguments, its other keyword arguments, and its outputs). `tests/ops/test_nn.py`
and `tests/ops/test_image.py` replay every case on lamina.
"""

import json
import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
from keras import ops  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "tests", "ops", "fixtures")
RNG = np.random.RandomState(1234)


def rand(*shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, size=shape).astype("float32")


CASES = []


def case(name, op, args=(), kwargs=None, tensor_kwargs=None, tolerance=1e-5):
    CASES.append((name, op, list(args), dict(kwargs or {}), dict(tensor_kwargs or {}), tolerance))


# ---------------------------------------------------------------- nn: activations over one grid
GRID = np.concatenate([np.linspace(-4, 4, 33), [-0.5, 0.5, 1.0, -1.0]]).astype("float32")
for name, kwargs in [
    ("relu", {}), ("relu6", {}), ("sigmoid", {}), ("sparse_sigmoid", {}), ("softplus", {}),
    ("softsign", {}), ("soft_shrink", {"threshold": 0.7}), ("sparse_plus", {}), ("silu", {}),
    ("squareplus", {"b": 3}), ("log_sigmoid", {}), ("leaky_relu", {"negative_slope": 0.1}),
    ("hard_sigmoid", {}), ("hard_silu", {}), ("elu", {"alpha": 0.5}), ("selu", {}),
    ("gelu", {}), ("gelu", {"approximate": False}), ("celu", {"alpha": 2.0}), ("tanh_shrink", {}),
    ("hard_tanh", {}), ("hard_shrink", {"threshold": 0.3}),
    ("threshold", {"threshold": 0.25, "default_value": -3.0}),
]:
    case(f"{name}_{len(CASES)}", f"nn.{name}", [GRID], kwargs)
X34 = rand(4, 6)
# sparsemax is left out: Keras 3.15's rows do not sum to 1 (lamina's do; tested against NumPy).
for name in ("softmax", "log_softmax", "glu"):
    case(f"{name}_axis1", f"nn.{name}", [X34], {"axis": -1})
    case(f"{name}_axis0", f"nn.{name}", [X34], {"axis": 0})

# ---------------------------------------------------------------- nn: convolutions
case("conv1d_valid", "nn.conv", [rand(2, 9, 3), rand(3, 3, 4)])
case("conv1d_same_stride2", "nn.conv", [rand(2, 9, 3), rand(4, 3, 4)], {"strides": 2, "padding": "same"})
case("conv2d_same_dilated", "nn.conv", [rand(2, 7, 8, 3), rand(3, 2, 3, 5)],
     {"padding": "same", "dilation_rate": (2, 1)})
case("conv2d_grouped_cf", "nn.conv", [rand(2, 4, 6, 6), rand(3, 3, 2, 6)],
     {"strides": (2, 1), "data_format": "channels_first"})
case("conv3d_same", "nn.conv", [rand(1, 5, 4, 6, 2), rand(2, 3, 2, 2, 3)],
     {"padding": "same", "strides": 2})
case("depthwise2d_same", "nn.depthwise_conv", [rand(2, 7, 6, 3), rand(3, 3, 3, 2)],
     {"padding": "same", "strides": 2})
case("depthwise1d_dilated_cf", "nn.depthwise_conv", [rand(2, 3, 10), rand(3, 3, 2)],
     {"dilation_rate": 2, "data_format": "channels_first"})
case("separable2d", "nn.separable_conv", [rand(2, 8, 8, 3), rand(3, 3, 3, 2), rand(1, 1, 6, 4)],
     {"padding": "same"})
for i, (shape, kernel, kwargs) in enumerate([
    ((2, 5, 3), (3, 4, 3), {"strides": 2}),
    ((2, 5, 3), (4, 4, 3), {"strides": 2, "padding": "same"}),
    ((2, 5, 3), (3, 4, 3), {"strides": 3, "padding": "same", "output_padding": 1}),
    ((2, 5, 3), (3, 4, 3), {"strides": 2, "padding": "valid", "output_padding": 1}),
    ((2, 5, 3), (3, 2, 3), {"dilation_rate": 2, "padding": "same"}),
    ((2, 4, 5, 3), (3, 2, 2, 3), {"strides": (2, 1), "padding": "same"}),
    ((2, 3, 4, 5), (2, 2, 4, 3), {"strides": 2, "data_format": "channels_first"}),
    ((1, 3, 3, 4, 2), (2, 3, 2, 3, 2), {"strides": (1, 2, 2), "padding": "same"}),
]):
    case(f"conv_transpose_{i}", "nn.conv_transpose", [rand(*shape), rand(*kernel)], kwargs)

# ---------------------------------------------------------------- nn: pooling
for i, (shape, kwargs) in enumerate([
    ((2, 7, 3), {"pool_size": 2, "strides": 2}),
    ((2, 7, 3), {"pool_size": 3, "strides": 2, "padding": "same"}),
    ((2, 6, 7, 3), {"pool_size": (2, 3), "strides": (2, 3), "padding": "same"}),
    ((2, 6, 7, 3), {"pool_size": 3, "strides": (2, 1), "padding": "valid"}),
    ((2, 3, 6, 5), {"pool_size": 2, "strides": 1, "padding": "same", "data_format": "channels_first"}),
    ((1, 4, 5, 6, 2), {"pool_size": 2, "strides": 2, "padding": "same"}),
]):
    x = rand(*shape)
    case(f"max_pool_{i}", "nn.max_pool", [x], kwargs)
    case(f"average_pool_{i}", "nn.average_pool", [x], kwargs)
case("adaptive_avg_2d", "nn.adaptive_average_pool", [rand(2, 7, 9, 3)], {"output_size": (3, 4)})
case("adaptive_max_2d", "nn.adaptive_max_pool", [rand(2, 7, 9, 3)], {"output_size": (3, 4)})
case("adaptive_avg_1d_cf", "nn.adaptive_average_pool", [rand(2, 3, 10)],
     {"output_size": 4, "data_format": "channels_first"})

# ---------------------------------------------------------------- nn: normalization, losses, misc
X = rand(3, 4, 5)
case("moments", "nn.moments", [X], {"axes": [0, 2]})
case("moments_keepdims", "nn.moments", [X], {"axes": [1], "keepdims": True})
case("batch_normalization", "nn.batch_normalization",
     [X, rand(4), rand(4, low=0.5, high=2.0)], {"axis": 1, "epsilon": 1e-3},
     {"offset": rand(4), "scale": rand(4)})
case("layer_normalization", "nn.layer_normalization", [X], {"axis": -1},
     {"gamma": rand(5), "beta": rand(5)})
case("layer_normalization_axes", "nn.layer_normalization", [X], {"axis": [0, 2], "epsilon": 1e-3})
case("rms_normalization", "nn.rms_normalization", [X], {"axis": -1}, {"scale": rand(5)})
case("rms_normalization_axis1", "nn.rms_normalization", [X], {"axis": 1})
case("normalize_l2", "nn.normalize", [X], {"axis": 1})
case("normalize_l1", "nn.normalize", [X], {"axis": -1, "order": 1})
probabilities = rand(4, 5, low=0.01, high=1.0)
labels = np.eye(5, dtype="float32")[[0, 3, 4, 1]]
case("categorical_crossentropy", "nn.categorical_crossentropy", [labels, probabilities])
case("categorical_crossentropy_logits", "nn.categorical_crossentropy", [labels, rand(4, 5)],
     {"from_logits": True})
case("sparse_categorical_crossentropy", "nn.sparse_categorical_crossentropy",
     [np.array([0, 3, 4, 1]), probabilities])
case("sparse_categorical_crossentropy_logits", "nn.sparse_categorical_crossentropy",
     [np.array([[0], [3], [4], [1]]), rand(4, 5)], {"from_logits": True})
case("binary_crossentropy", "nn.binary_crossentropy",
     [rand(3, 4, low=0, high=1), rand(3, 4, low=0.0, high=1.0)])
case("binary_crossentropy_logits", "nn.binary_crossentropy",
     [rand(3, 4, low=0, high=1), rand(3, 4)], {"from_logits": True})
case("one_hot", "nn.one_hot", [np.array([[0, 2], [-1, 1]])], {"num_classes": 3})
case("one_hot_axis0", "nn.one_hot", [np.array([0, 2, 1])], {"num_classes": 4, "axis": 0})
case("multi_hot", "nn.multi_hot", [np.array([[0, 2, 2], [1, 1, 3]])], {"num_classes": 5})
case("psnr", "nn.psnr", [rand(2, 8, 8, 1, low=0, high=1), rand(2, 8, 8, 1, low=0, high=1)],
     {"max_val": 1.0})
case("depth_to_space", "nn.depth_to_space", [rand(2, 3, 4, 8)], {"block_size": 2})
case("depth_to_space_cf", "nn.depth_to_space", [rand(2, 8, 3, 4)],
     {"block_size": 2, "data_format": "channels_first"})
case("space_to_depth", "nn.space_to_depth", [rand(2, 4, 6, 3)], {"block_size": 2})
case("space_to_depth_cf", "nn.space_to_depth", [rand(2, 3, 4, 6)],
     {"block_size": 2, "data_format": "channels_first"})
case("unfold", "nn.unfold", [rand(2, 3, 6, 5)], {"kernel_size": (2, 3), "stride": (2, 1),
                                                  "padding": 1, "dilation": 1})
case("fold", "nn.fold", [rand(2, 12, 12)], {"output_size": (4, 5), "kernel_size": 2,
                                            "padding": 0, "stride": 1})

# ---------------------------------------------------------------- nn: attention
q, k, v = rand(2, 5, 4, 8), rand(2, 6, 4, 8), rand(2, 6, 4, 8)
case("attention_plain", "nn.dot_product_attention", [q, k, v])
case("attention_scale_causal", "nn.dot_product_attention", [q, rand(2, 5, 4, 8), rand(2, 5, 4, 8)],
     {"scale": 0.3, "is_causal": True})
case("attention_mask", "nn.dot_product_attention", [q, k, v], {},
     {"mask": RNG.rand(2, 1, 5, 6) > 0.3})
case("attention_bias", "nn.dot_product_attention", [q, k, v], {}, {"bias": rand(1, 4, 5, 6)})
case("attention_gqa", "nn.dot_product_attention", [q, rand(2, 6, 2, 8), rand(2, 6, 2, 8)])

# ---------------------------------------------------------------- nn: CTC
ctc_logits = rand(3, 8, 5, low=-3, high=3)
case("ctc_loss", "nn.ctc_loss",
     [np.array([[1, 2, 2, 0], [3, 1, 0, 0], [4, 4, 4, 1]]), ctc_logits, np.array([3, 2, 4]),
      np.array([8, 6, 8])], {}, tolerance=1e-4)
case("ctc_loss_mask4", "nn.ctc_loss",
     [np.array([[1, 2, 2, 0], [3, 1, 0, 0], [0, 0, 0, 1]]), ctc_logits, np.array([3, 2, 4]),
      np.array([8, 6, 8])], {"mask_index": 4}, tolerance=1e-4)
case("ctc_decode_greedy", "nn.ctc_decode", [ctc_logits, np.array([8, 5, 7])])
case("ctc_decode_greedy_nomerge", "nn.ctc_decode", [ctc_logits, np.array([8, 5, 7])],
     {"merge_repeated": False, "mask_index": 2})
case("ctc_decode_beam", "nn.ctc_decode", [ctc_logits, np.array([8, 5, 7])],
     {"strategy": "beam_search", "beam_width": 6, "top_paths": 3}, tolerance=1e-4)


# ---------------------------------------------------------------- image
IMG = rand(2, 9, 12, 3, low=0.0, high=1.0)
IMG_CF = np.transpose(IMG, (0, 3, 1, 2)).copy()
for i, kwargs in enumerate([
    {"size": (5, 7)},
    {"size": (17, 20)},
    {"size": (5, 7), "antialias": True},
    {"size": (4, 4), "interpolation": "nearest"},
    {"size": (20, 18), "interpolation": "nearest"},
    {"size": (6, 5), "interpolation": "bicubic"},
    {"size": (14, 15), "interpolation": "bicubic"},
    {"size": (6, 5), "interpolation": "bicubic", "antialias": True},
    {"size": (6, 8), "interpolation": "lanczos3"},
    {"size": (13, 16), "interpolation": "lanczos5"},
    {"size": (6, 6), "crop_to_aspect_ratio": True},
    {"size": (6, 6), "pad_to_aspect_ratio": True, "fill_value": 0.5},
    {"size": (8, 4), "pad_to_aspect_ratio": True},
]):
    case(f"resize_{i}", "image.resize", [IMG], kwargs, tolerance=2e-5)
case("resize_cf", "image.resize", [IMG_CF], {"size": (5, 7), "data_format": "channels_first"})
# Integer results may differ by 1 where the float result is within rounding of x.5.
case("resize_uint8", "image.resize", [(IMG * 255).astype("uint8")], {"size": (5, 7)},
     tolerance=1)
case("resize_single", "image.resize", [IMG[0]], {"size": (4, 6), "interpolation": "bicubic"})
case("scale_and_translate", "image.scale_and_translate",
     [IMG, (2, 6, 8, 3), np.array([0.7, 0.6], "float32"), np.array([0.5, -1.0], "float32")],
     {"spatial_dims": (1, 2), "method": "cubic"})
case("scale_and_translate_linear_noaa", "image.scale_and_translate",
     [IMG, (2, 12, 5, 3), np.array([1.4, 0.4], "float32"), np.array([0.0, 0.3], "float32")],
     {"spatial_dims": (1, 2), "method": "linear", "antialias": False})
TRANSFORMS = np.array([[1.1, 0.2, -1.0, -0.1, 0.9, 1.5, 0.0, 0.0],
                       [0.8, -0.3, 2.0, 0.25, 1.2, -2.0, 0.0, 0.0]], "float32")
for mode in ("constant", "nearest", "wrap", "mirror", "reflect"):
    case(f"affine_{mode}", "image.affine_transform", [IMG, TRANSFORMS],
         {"fill_mode": mode, "fill_value": 0.25})
# Nearest sampling: coordinates kept off x.5, where the order of float operations decides.
case("affine_nearest_interp", "image.affine_transform", [IMG, TRANSFORMS + np.array([0.013] * 6 + [0, 0], "float32")],
     {"interpolation": "nearest"})
# Projective transforms (c0, c1 != 0) are left out: Keras 3.15 (JAX and torch backends) adds
# c0 * channel, c1 * channel to the coordinates instead of dividing by c0 x + c1 y + 1 as its
# docstring (and TensorFlow) say; lamina divides (tested against NumPy in test_image.py).
case("affine_single_cf", "image.affine_transform", [IMG_CF[0], TRANSFORMS[0]],
     {"data_format": "channels_first", "fill_mode": "reflect"})
START = np.array([[[0, 0], [11, 0], [0, 8], [11, 8]], [[1, 1], [10, 0], [0, 7], [11, 8]]], "float32")
END = np.array([[[1, 0], [10, 1], [0, 8], [11, 7]], [[0, 0], [11, 0], [0, 8], [11, 8]]], "float32")
case("perspective", "image.perspective_transform", [IMG, START, END], {}, tolerance=1e-4)
case("perspective_nearest_fill", "image.perspective_transform", [IMG, START, END],
     {"interpolation": "nearest", "fill_value": 0.5}, tolerance=1e-4)
VOLUME = rand(4, 5, 6)
COORDS = RNG.uniform(-1.5, 6.5, size=(3, 7, 2)).astype("float32")
for mode in ("constant", "nearest", "wrap", "mirror", "reflect"):
    for order in (0, 1):
        case(f"map_coordinates_{mode}_{order}", "image.map_coordinates", [VOLUME, COORDS],
             {"order": order, "fill_mode": mode, "fill_value": -1.0})
# channels_first only: Keras 3.15's JAX gaussian_blur on channels_last images (and with
# non-square kernels) does not sum to 1 (a delta image keeps one row of the kernel); lamina's
# channels_last and non-square results are tested against NumPy in test_image.py.
case("gaussian_blur", "image.gaussian_blur", [IMG_CF],
     {"kernel_size": (5, 5), "sigma": (1.5, 0.7), "data_format": "channels_first"})
case("gaussian_blur_even_cf", "image.gaussian_blur", [IMG_CF],
     {"kernel_size": (4, 4), "sigma": (1.0, 2.0), "data_format": "channels_first"})
case("sobel_edges", "image.sobel_edges", [IMG])
case("sobel_edges_cf", "image.sobel_edges", [IMG_CF], {"data_format": "channels_first"})
case("ssim", "image.ssim", [IMG, np.clip(IMG + rand(2, 9, 12, 3, low=-0.1, high=0.1), 0, 1)],
     {"filter_size": 5})
case("ssim_params_cf", "image.ssim", [IMG_CF, IMG_CF[::-1].copy()],
     {"filter_size": 7, "filter_sigma": 1.0, "max_val": 2.0, "k1": 0.02, "k2": 0.05,
      "data_format": "channels_first"})
case("rgb_to_grayscale", "image.rgb_to_grayscale", [IMG])
case("rgb_to_grayscale_cf", "image.rgb_to_grayscale", [IMG_CF], {"data_format": "channels_first"})
HSV_INPUT = np.concatenate([IMG, np.array([[[[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.5, 0.5, 0.5],
                                              [0, 0, 0], [1, 1, 0], [0, 1, 1], [1, 0, 1],
                                              [0.2, 0.4, 0.4], [0.3, 0.3, 0.1], [0.9, 0.1, 0.5],
                                              [1, 1, 1]]] * 9] * 1, "float32")], axis=0)
case("rgb_to_hsv", "image.rgb_to_hsv", [HSV_INPUT])
case("hsv_to_rgb", "image.hsv_to_rgb", [HSV_INPUT])
case("hsv_to_rgb_cf", "image.hsv_to_rgb", [np.transpose(HSV_INPUT, (0, 3, 1, 2)).copy()],
     {"data_format": "channels_first"})
case("extract_patches", "image.extract_patches", [IMG], {"size": (3, 4)})
case("extract_patches_same_strided", "image.extract_patches", [IMG],
     {"size": 3, "strides": (2, 3), "padding": "same"})
case("extract_patches_dilated_cf", "image.extract_patches", [IMG_CF],
     {"size": 2, "strides": 1, "dilation_rate": 2, "data_format": "channels_first"})
case("extract_patches_3d", "image.extract_patches_3d", [rand(2, 4, 5, 6, 2)],
     {"size": (2, 2, 3), "strides": (1, 2, 3)})
case("pad_images", "image.pad_images", [IMG], {"top_padding": 1, "bottom_padding": 2,
                                              "left_padding": 3, "target_width": 16})
case("pad_images_cf", "image.pad_images", [IMG_CF[0]],
     {"target_height": 12, "bottom_padding": 1, "right_padding": 0, "target_width": 13,
      "data_format": "channels_first"})
case("crop_images", "image.crop_images", [IMG], {"top_cropping": 1, "bottom_cropping": 2,
                                                "left_cropping": 3, "target_width": 5})
case("crop_images_cf", "image.crop_images", [IMG_CF],
     {"target_height": 4, "bottom_cropping": 1, "right_cropping": 2, "target_width": 6,
      "data_format": "channels_first"})


def _resolve(path):
    module, name = path.split(".")
    return getattr(getattr(ops, module), name)


def main():
    arrays, specs = {}, {}
    for name, op, args, kwargs, tensor_kwargs, tolerance in CASES:
        try:
            out = _resolve(op)(*args, **kwargs, **tensor_kwargs)
        except Exception as error:  # a case Keras itself cannot compute is left out, and said so
            print(f"skipped {name}: Keras raised {type(error).__name__}: {str(error)[:200]}")
            continue
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        spec = {"op": op, "args": [], "tensor_kwargs": {}, "kwargs": kwargs, "outputs": [],
                "tolerance": tolerance}
        for i, a in enumerate(args):
            arrays[f"{name}/arg{i}"] = np.asarray(a)
            spec["args"].append(f"{name}/arg{i}")
        for key, a in tensor_kwargs.items():
            arrays[f"{name}/kw_{key}"] = np.asarray(a)
            spec["tensor_kwargs"][key] = f"{name}/kw_{key}"
        for j, o in enumerate(outs):
            arrays[f"{name}/out{j}"] = np.asarray(o)
            spec["outputs"].append(f"{name}/out{j}")
        specs[name] = spec
    np.savez_compressed(os.path.join(FIXTURES, "keras_opsc_values.npz"), **arrays)
    with open(os.path.join(FIXTURES, "keras_opsc_cases.json"), "w") as f:
        json.dump({"keras_version": keras.__version__, "backend": keras.backend.backend(),
                   "cases": specs}, f, indent=1, sort_keys=True)
    print(f"{len(specs)} cases written")


if __name__ == "__main__":
    main()
