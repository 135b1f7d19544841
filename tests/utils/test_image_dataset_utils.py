"""image_dataset_from_directory on tiny folders of generated images."""

import numpy as np
import pytest
import torch
from PIL import Image

import lamina as keras
from lamina.utils import image_dataset_from_directory


def _make_folder(root, classes=("cat", "dog"), per_class=5, size=(10, 12), nested=False):
    rng = np.random.default_rng(0)
    for class_index, name in enumerate(classes):
        folder = root / name / ("sub" if nested else "")
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            array = np.full(size + (3,), 40 * class_index + i, dtype="uint8")
            array[0, 0] = rng.integers(0, 255, 3)
            Image.fromarray(array).save(folder / f"img_{i}.png")
    (root / classes[0] / "notes.txt").write_text("ignored")
    return root


def test_batches_labels_and_class_names(tmp_path, capsys):
    _make_folder(tmp_path)
    ds = image_dataset_from_directory(tmp_path, image_size=(8, 8), batch_size=4, seed=1)
    assert "Found 10 files belonging to 2 classes." in capsys.readouterr().out
    assert ds.class_names == ["cat", "dog"] and len(ds) == 3
    images, labels = next(iter(ds))
    assert isinstance(images, torch.Tensor) and images.dtype == torch.float32
    assert tuple(images.shape) == (4, 8, 8, 3) and labels.dtype == torch.int32
    all_labels = torch.cat([y for _, y in ds]).tolist()
    assert sorted(all_labels) == [0] * 5 + [1] * 5


def test_label_value_matches_folder(tmp_path):
    _make_folder(tmp_path)
    ds = image_dataset_from_directory(tmp_path, image_size=None, batch_size=None, shuffle=False)
    for image, label in ds:
        # Every image of class k is filled with 40 * k + i (i < 5).
        assert int(image[5, 5, 0]) // 40 == int(label)


@pytest.mark.parametrize("label_mode, shape, dtype", [("categorical", (4, 2), torch.float32),
                                                     ("binary", (4, 1), torch.float32)])
def test_label_modes(tmp_path, label_mode, shape, dtype):
    _make_folder(tmp_path)
    images, labels = next(iter(image_dataset_from_directory(tmp_path, label_mode=label_mode, batch_size=4,
                                                            image_size=(4, 4), seed=0, verbose=False)))
    assert tuple(labels.shape) == shape and labels.dtype == dtype


def test_no_labels_grayscale_channels_first(tmp_path):
    _make_folder(tmp_path)
    ds = image_dataset_from_directory(tmp_path, labels=None, color_mode="grayscale", image_size=(5, 6),
                                      data_format="channels_first", batch_size=10, verbose=False)
    images = next(iter(ds))
    assert isinstance(images, torch.Tensor) and tuple(images.shape) == (10, 1, 5, 6)


def test_validation_split_both_is_a_partition(tmp_path):
    _make_folder(tmp_path, per_class=10)
    train, val = image_dataset_from_directory(tmp_path, validation_split=0.2, subset="both", seed=3,
                                              image_size=(4, 4), batch_size=100, verbose=False)
    assert train.num_items == 16 and val.num_items == 4

    train_only = image_dataset_from_directory(tmp_path, validation_split=0.2, subset="training", seed=3,
                                              image_size=(4, 4), batch_size=100, verbose=False, shuffle=True)
    assert train_only.num_items == 16
    train_pixels = {tuple(x.flatten().tolist()) for x in next(iter(train))[0]}
    val_pixels = {tuple(x.flatten().tolist()) for x in next(iter(val))[0]}
    assert not train_pixels & val_pixels
    assert train_pixels == {tuple(x.flatten().tolist()) for x in next(iter(train_only))[0]}


def test_crop_and_pad_to_aspect_ratio(tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    array = np.zeros((4, 8, 3), "uint8")
    array[:, 2:6] = 255  # a white centre square
    Image.fromarray(array).save(folder / "wide.png")
    cropped = next(iter(image_dataset_from_directory(tmp_path, image_size=(4, 4), crop_to_aspect_ratio=True,
                                                     batch_size=1, verbose=False)))[0][0]
    assert float(cropped.min()) == 255.0
    padded = next(iter(image_dataset_from_directory(tmp_path, image_size=(8, 8), pad_to_aspect_ratio=True,
                                                    interpolation="nearest", batch_size=1, verbose=False)))[0][0]
    assert float(padded[0].max()) == 0.0 and float(padded[4, 4, 0]) == 255.0


def test_fit_from_directory(tmp_path):
    _make_folder(tmp_path)
    train = image_dataset_from_directory(tmp_path, image_size=(8, 8), batch_size=4, seed=1, verbose=False)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                              keras.layers.Dense(2)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = model.fit(train, epochs=2, validation_data=train, verbose=0)
    assert len(history.history["val_accuracy"]) == 2


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        image_dataset_from_directory(tmp_path / "nope")
    (tmp_path / "empty" / "a").mkdir(parents=True)
    with pytest.raises(ValueError, match="no images found in directory"):
        image_dataset_from_directory(tmp_path / "empty")
    _make_folder(tmp_path / "data", classes=("a", "b", "c"))
    with pytest.raises(ValueError, match="label_mode='binary' needs exactly 2 classes; found 3"):
        image_dataset_from_directory(tmp_path / "data", label_mode="binary")
    with pytest.raises(ValueError, match="format='grain' is not available in lamina"):
        image_dataset_from_directory(tmp_path / "data", format="grain")
    with pytest.raises(ValueError, match="pass a `seed`"):
        image_dataset_from_directory(tmp_path / "data", validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="one label per file: 15 files"):
        image_dataset_from_directory(tmp_path / "data", labels=[0, 1])
    with pytest.raises(ValueError, match="`class_names` must name the class folders"):
        image_dataset_from_directory(tmp_path / "data", class_names=["x", "y"])


def test_mixed_sizes_and_corrupt_files_are_named(tmp_path):
    _make_folder(tmp_path, per_class=2)
    Image.fromarray(np.zeros((3, 3, 3), "uint8")).save(tmp_path / "cat" / "small.png")
    ds = image_dataset_from_directory(tmp_path, image_size=None, batch_size=8, verbose=False)
    with pytest.raises(ValueError, match="pass `image_size`"):
        list(ds)
    (tmp_path / "dog" / "corrupt.jpg").write_bytes(b"\x00garbage")
    ds = image_dataset_from_directory(tmp_path, image_size=(4, 4), batch_size=8, verbose=False)
    with pytest.raises(ValueError, match="could not decode image file .*corrupt.jpg"):
        list(ds)
