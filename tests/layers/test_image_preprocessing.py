"""Image preprocessing and augmentation layers against Keras 3 (values made by
tools/keras_crosscheck/image_layers.py), plus training/inference behaviour, models, saving and errors."""

import json
import pathlib

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers
from lamina.layers.preprocessing.image.geometric import affine_matrix

VALUES = np.load(pathlib.Path(__file__).parent / "keras_values" / "image_layers.npz")
INDEX = json.loads(bytes(VALUES["index"]))
# Pixel values are in [0, 255]; resampling in float32 differs from Keras-JAX by rounding only.
ATOL = 2e-3

# Keras 3.15's RandomCrop returns inference inputs uncropped (its own output shape says otherwise);
# lamina does what Keras documents (centre crop + resize), checked separately below.
INFERENCE_DIFFERS = {"random_crop"}


def _layer(case):
    entry = INDEX[case]
    config = {k: v for k, v in entry["config"].items() if k not in ("name", "dtype", "trainable")}
    return getattr(layers, entry["class_name"])(**config)


def _transformation(case):
    entry = INDEX[case]
    prefix = f"{case}/t"
    if entry["kind"] == "array":
        return torch.from_numpy(VALUES[prefix])
    if entry["kind"] == "plain":
        plain = entry["plain"]
        return tuple(plain) if isinstance(plain, list) else plain
    transformation = {key: tuple(v) if isinstance(v, list) else v for key, v in entry["plain"].items()}
    for name in VALUES.files:
        if name.startswith(prefix + "/"):
            transformation[name[len(prefix) + 1:]] = torch.from_numpy(VALUES[name])
    return transformation


@pytest.mark.parametrize("case", sorted(INDEX))
def test_same_transformation_gives_keras_pixels(case):
    layer = _layer(case)
    images = torch.from_numpy(VALUES[f"{case}/images"])
    out = layer.transform_images(images, _transformation(case), training=True)
    expected = VALUES[f"{case}/training"]
    assert tuple(out.shape) == expected.shape, case
    np.testing.assert_allclose(out.numpy(), expected, atol=ATOL, rtol=1e-5, err_msg=case)


@pytest.mark.parametrize("case", sorted(set(INDEX) - INFERENCE_DIFFERS))
def test_inference_equals_keras(case):
    layer = _layer(case)
    out = layer(torch.from_numpy(VALUES[f"{case}/images"]), training=False)
    np.testing.assert_allclose(out.numpy(), VALUES[f"{case}/inference"], atol=ATOL, rtol=1e-5, err_msg=case)


@pytest.mark.parametrize("case", sorted(INDEX))
def test_config_matches_keras(case):
    expected = {k: v for k, v in INDEX[case]["config"].items() if k not in ("name", "dtype", "trainable")}
    config = _layer(case).get_config()
    for key, value in expected.items():
        got = config[key]
        got = list(got) if isinstance(got, tuple) else got
        assert got == value, (case, key)


@pytest.mark.parametrize("case", [c for c in sorted(INDEX) if INDEX[c]["class_name"] == "RandomRotation"])
def test_rotation_matrix_equals_keras(case):
    t = _transformation(case)
    angle = t["angle"]
    zeros, ones = torch.zeros_like(angle), torch.ones_like(angle)
    matrix = affine_matrix(0.5, 0.5, angle, zeros, zeros, ones, zeros, zeros, t["image_height"], t["image_width"])
    np.testing.assert_allclose(matrix.numpy(), t["rotation_matrix"], atol=1e-5)


def test_random_crop_inference_crops_centre_and_resizes():
    crop = layers.RandomCrop(4, 4)
    images = torch.arange(2 * 8 * 8 * 1, dtype=torch.float32).reshape(2, 8, 8, 1)
    assert crop(images, training=False).shape == (2, 4, 4, 1)
    assert crop(images, training=True).shape == (2, 4, 4, 1)
    # A window taken in training is a real crop of the input.
    out = crop(images, training=True)[0, :, :, 0]
    corner = out[0, 0].item()
    row, col = divmod(int(corner), 8)
    assert torch.equal(out, images[0, row:row + 4, col:col + 4, 0])


def test_standalone_call_augments_and_model_inference_does_not():
    images = torch.rand(8, 6, 6, 3) * 255
    flip = layers.RandomFlip(seed=3)
    assert not torch.equal(flip(images), images)  # Keras: a layer called on its own is in training
    augment = keras.Sequential([layers.RandomFlip("horizontal", seed=1), layers.RandomBrightness(0.5, seed=1)])
    assert not torch.equal(augment(images), images)  # the keras.io "show augmented images" pattern
    inputs = keras.Input((6, 6, 3))
    model = keras.Model(inputs, layers.Dense(2)(layers.RandomRotation(0.2)(inputs)))
    np.testing.assert_array_equal(model.predict(images.numpy(), verbose=0),
                                  model.predict(images.numpy(), verbose=0))
    model.eval()
    assert torch.equal(model(images), model(images))


def test_seeded_layers_repeat():
    images = torch.rand(4, 6, 6, 3)
    first = layers.RandomRotation(0.3, seed=5)(images)
    second = layers.RandomRotation(0.3, seed=5)(images)
    assert torch.equal(first, second)


def test_unbatched_and_dict_inputs():
    flip = layers.RandomFlip("horizontal", seed=0)
    image = torch.rand(5, 4, 3)
    assert flip(image).shape == (5, 4, 3)
    data = {"images": torch.rand(2, 5, 4, 3), "labels": torch.tensor([0, 1]),
            "segmentation_masks": torch.rand(2, 5, 4, 1)}
    out = flip(data)
    assert set(out) == {"images", "labels", "segmentation_masks"}
    assert torch.equal(out["labels"], data["labels"])
    # Masks move with their images.
    flipped = ~torch.isclose(out["images"][:, :, :, :1], data["images"][:, :, :, :1]).all(dim=(1, 2, 3))
    for i in range(2):
        expected = data["segmentation_masks"][i].flip(1) if flipped[i] else data["segmentation_masks"][i]
        assert torch.equal(out["segmentation_masks"][i], expected)


def test_augmentation_trains_inside_a_model_and_saves(tmp_path):
    inputs = keras.Input((8, 8, 3))
    x = layers.RandomFlip("horizontal", seed=1)(inputs)
    x = layers.RandomRotation(0.1, seed=2)(x)
    x = layers.RandomZoom(0.1, seed=3)(x)
    x = layers.RandomContrast(0.2, seed=4)(x)
    x = layers.Resizing(6, 6)(x)
    x = layers.Flatten()(x)
    model = keras.Model(inputs, layers.Dense(2, activation="softmax")(x))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    images = np.random.default_rng(0).random((16, 8, 8, 3)).astype("float32")
    labels = np.arange(16) % 2
    history = model.fit(images, labels, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    path = tmp_path / "augmented.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6)
    assert [type(l).__name__ for l in loaded.layers][1:6] == [
        "RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast", "Resizing"]


def test_output_shapes_of_resizing_layers_are_symbolic():
    inputs = keras.Input((9, 8, 3))
    assert layers.Resizing(5, 7)(inputs).shape == (None, 5, 7, 3)
    assert layers.CenterCrop(4, 4)(inputs).shape == (None, 4, 4, 3)
    assert layers.RandomCrop(3, 2)(inputs).shape == (None, 3, 2, 3)


@pytest.mark.parametrize("make, match", [
    (lambda: layers.RandomRotation(2.0), r"RandomRotation layer .*`factor` must be .* \[-1, 1\]; received factor=2.0"),
    (lambda: layers.RandomContrast(-0.5), r"`factor` must be .* \[0, 1\]"),
    (lambda: layers.RandomFlip("diagonal"), r"`mode` must be 'horizontal'.*received mode='diagonal'"),
    (lambda: layers.RandomZoom(0.2, fill_mode="mirror"), r"`fill_mode` must be one of .*received fill_mode='mirror'"),
    (lambda: layers.RandomTranslation(0.1, 0.1, interpolation="cubic"), r"`interpolation` must be one of"),
    (lambda: layers.RandomZoom(-1.0), r"`height_factor` must be .* \(-1.0, 1.0\]"),
    (lambda: layers.Resizing(0, 4), r"Resizing layer .*`height` must be a positive int; received height=0"),
    (lambda: layers.RandomBrightness(0.1, value_range=(0,)), r"`value_range` must be a list of two numbers"),
    (lambda: layers.RandomGrayscale(1.5), r"`factor` must be a probability between 0 and 1"),
    (lambda: layers.RandomFlip(factor=0.5), r"does not take a `factor` argument"),
])
def test_bad_arguments_are_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_rank_is_refused():
    with pytest.raises(ValueError, match=r"RandomFlip layer .* rank 3 .* rank 4; received shape \(5, 5\)"):
        layers.RandomFlip()(torch.rand(5, 5))


def test_mixup_and_cutmix_mix_labels_like_images():
    data = {"images": torch.rand(6, 32, 32, 3), "labels": torch.eye(6)}
    mixed = layers.MixUp(alpha=0.5, seed=2)(data)
    np.testing.assert_allclose(mixed["labels"].sum(dim=1).numpy(), np.ones(6), atol=1e-6)
    cut = layers.CutMix(seed=3)(data)
    np.testing.assert_allclose(cut["labels"].sum(dim=1).numpy(), np.ones(6), atol=1e-6)
    # Each image keeps the share of its own pixels that its label says (up to the box's rounding
    # to whole pixels, at most about one row and one column of 32).
    kept = (cut["images"] == data["images"]).all(dim=-1).float().mean(dim=(1, 2))
    own = cut["labels"].diagonal()
    changed = ~torch.isclose(own, torch.ones(6))
    np.testing.assert_allclose(kept[changed].numpy(), own[changed].numpy(), atol=0.07)
    # Inference leaves everything as it was.
    same = layers.MixUp()(data, training=False)
    assert torch.equal(same["images"], data["images"]) and torch.equal(same["labels"], data["labels"])


def test_max_num_bounding_boxes_pads_and_truncates():
    boxes = {"boxes": torch.rand(2, 3, 4), "labels": torch.tensor([[1, 2, 3], [4, 5, 6]])}
    layer = layers.MaxNumBoundingBoxes(5, bounding_box_format="xyxy")
    out = layer({"images": torch.rand(2, 4, 4, 3), "bounding_boxes": boxes})["bounding_boxes"]
    assert out["boxes"].shape == (2, 5, 4) and out["labels"].tolist()[0] == [1, 2, 3, -1, -1]
    short = layers.MaxNumBoundingBoxes(2, bounding_box_format="xyxy")
    out = short({"images": torch.rand(2, 4, 4, 3), "bounding_boxes": boxes})["bounding_boxes"]
    assert out["labels"].tolist() == [[1, 2], [4, 5]]


def _with_boxes(boxes, shape=(1, 20, 30, 3)):
    return {"images": torch.rand(shape), "bounding_boxes": {"boxes": torch.tensor([boxes], dtype=torch.float32),
                                                            "labels": torch.tensor([[1] * len(boxes)])}}


def test_boxes_follow_flips_and_translations():
    flip = layers.RandomFlip("horizontal", bounding_box_format="xyxy")
    data = _with_boxes([[2.0, 3.0, 10.0, 8.0]])
    t = {"flips": torch.ones(1, 1, 1, 1, dtype=torch.bool), "input_shape": (1, 20, 30, 3)}
    moved = flip.transform_bounding_boxes(data["bounding_boxes"], t)
    np.testing.assert_allclose(moved["boxes"].numpy(), [[[20.0, 3.0, 28.0, 8.0]]], atol=1e-5)
    shift = layers.RandomTranslation(0.1, 0.1, bounding_box_format="xyxy")
    t = {"translations": torch.tensor([[3.0, -2.0]]), "input_shape": (1, 20, 30, 3)}
    moved = shift.transform_bounding_boxes(data["bounding_boxes"], t)
    np.testing.assert_allclose(moved["boxes"].numpy(), [[[5.0, 1.0, 13.0, 6.0]]], atol=1e-4)
    # A box pushed out of the image loses its label, as Keras marks it.
    t = {"translations": torch.tensor([[-29.0, 0.0]]), "input_shape": (1, 20, 30, 3)}
    gone = shift.transform_bounding_boxes(data["bounding_boxes"], t)
    assert gone["labels"].tolist() == [[-1]]


def test_boxes_through_a_rotation_stay_inside_and_keep_their_centre():
    rotate = layers.RandomRotation(0.25, bounding_box_format="xyxy", seed=1)
    data = _with_boxes([[13.0, 8.0, 17.0, 12.0]])  # a box at the centre of the 30 x 20 image
    out = rotate(data)["bounding_boxes"]["boxes"][0, 0]
    centre = torch.stack([(out[0] + out[2]) / 2, (out[1] + out[3]) / 2])
    np.testing.assert_allclose(centre.numpy(), [14.5, 9.5], atol=0.6)
    assert (out[2] - out[0]) >= 3.9 and (out[3] - out[1]) >= 3.9


def test_boxes_through_crops_and_resizing():
    data = _with_boxes([[10.0, 4.0, 20.0, 16.0]])
    crop = layers.CenterCrop(10, 10, bounding_box_format="xyxy")
    out = crop(data)["bounding_boxes"]["boxes"]
    np.testing.assert_allclose(out.numpy(), [[[0.0, 0.0, 10.0, 10.0]]], atol=1e-5)  # window (5, 10)
    resize = layers.Resizing(10, 15, bounding_box_format="rel_xyxy")
    rel = {"images": data["images"], "bounding_boxes": {"boxes": torch.tensor([[[0.1, 0.2, 0.5, 0.6]]]),
                                                      "labels": torch.tensor([[1]])}}
    out = resize(rel)
    assert out["images"].shape == (1, 10, 15, 3)
    np.testing.assert_allclose(out["bounding_boxes"]["boxes"].numpy(), [[[0.1, 0.2, 0.5, 0.6]]], atol=1e-5)
    random_crop = layers.RandomCrop(10, 10, bounding_box_format="xyxy", seed=4)
    out = random_crop(data)
    assert out["images"].shape == (1, 10, 10, 3)
    assert (out["bounding_boxes"]["boxes"] >= 0).all() and (out["bounding_boxes"]["boxes"] <= 10).all()


def test_boxes_need_a_format():
    with pytest.raises(ValueError, match=r"received 'bounding_boxes' but has no `bounding_box_format`"):
        layers.RandomFlip()(_with_boxes([[1.0, 1.0, 2.0, 2.0]]))


@pytest.mark.parametrize("make", [
    lambda: layers.RandomColorJitter(brightness_factor=0.3, contrast_factor=0.3, saturation_factor=(0.2, 0.8),
                                     hue_factor=0.2, seed=1),
    lambda: layers.RandAugment(num_ops=3, factor=0.6, seed=2),
    lambda: layers.AugMix(num_chains=2, chain_depth=2, seed=3),
    lambda: layers.AugMix(all_ops=False, seed=4),
    lambda: layers.RandomElasticTransform(factor=1.0, scale=0.8, seed=5),
    lambda: layers.RandomPerspective(scale=0.5, seed=6),
], ids=["jitter", "rand_augment", "aug_mix", "aug_mix_geometric", "elastic", "perspective"])
def test_composite_and_warping_layers_change_images_within_range_and_repeat(make):
    images = torch.rand(4, 16, 16, 3) * 255
    layer = make()
    transformation = layer.get_random_transformation(images, training=True)
    first = layer.transform_images(images, transformation, training=True)
    again = layer.transform_images(images, transformation, training=True)
    assert first.shape == images.shape and torch.isfinite(first).all()
    assert torch.equal(first, again)  # one transformation, one result
    assert first.min() >= -1e-3 and first.max() <= 255 + 1e-3
    assert not torch.equal(make()(images), images)  # a standalone call augments
    assert torch.equal(layer(images, training=False), images)


def test_equalization_spreads_each_image_on_its_own():
    dark = torch.rand(1, 8, 8, 3) * 50
    bright = torch.rand(1, 8, 8, 3) * 50 + 200
    out = layers.Equalization()(torch.cat([dark, bright]), training=True)
    for image in out:
        assert image.amin() == 0 and image.amax() == 255
    alone = layers.Equalization()(dark, training=True)
    assert torch.equal(out[:1], alone)  # the other image of the batch changes nothing
