"""Input pipeline costs: an augmentation stack, and training from a folder of images.

(a) RandomFlip + RandomRotation(0.1) + RandomZoom(0.1) + RandomContrast(0.2) (training mode) on a
    batch of 64 images 224x224x3 (channels_last, values 0-255), vs the same transforms written by
    hand in torch (flips with `torch.where`, rotation and zoom each one `affine_grid` +
    `grid_sample` with reflection, contrast with per-image factors). Target <= 1.2x.
(b) `fit` of a small CNN for one epoch fed by `image_dataset_from_directory` (PNG files decoded
    in worker threads one batch ahead) vs the same `fit` on the same images held in memory as
    arrays. Target <= 1.2x.
Both sides of each comparison run interleaved in one process (`common.compare`). The numbers
depend on the machine and its load; on a shared, busy machine ratios move by +-10%.
Run: `.venv/bin/python bench/bench_input_pipeline.py`
"""

import math
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from common import compare, describe_machine, steady_allocator  # noqa: E402

import lamina as keras  # noqa: E402

BATCH, SIZE = 64, 224


# ---------------------------------------------------------------------- (a) augmentation stack

def _affine(images_nhwc, theta):
    """`grid_sample` of NHWC images with per-image 2x3 matrices (normalized coordinates)."""
    nchw = images_nhwc.permute(0, 3, 1, 2)
    grid = F.affine_grid(theta, list(nchw.shape), align_corners=False)
    out = F.grid_sample(nchw, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    return out.permute(0, 2, 3, 1)


def hand_augment(x, generator):
    b = x.shape[0]
    flip_w = torch.rand(b, generator=generator) < 0.5
    flip_h = torch.rand(b, generator=generator) < 0.5
    x = torch.where(flip_w[:, None, None, None], x.flip(2), x)
    x = torch.where(flip_h[:, None, None, None], x.flip(1), x)
    angle = (torch.rand(b, generator=generator) * 2 - 1) * 0.1 * 2 * math.pi
    cos, sin, zero = torch.cos(angle), torch.sin(angle), torch.zeros(b)
    x = _affine(x, torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1))
    zoom_h = 1 + (torch.rand(b, generator=generator) * 2 - 1) * 0.1
    zoom_w = 1 + (torch.rand(b, generator=generator) * 2 - 1) * 0.1
    x = _affine(x, torch.stack([torch.stack([zoom_w, zero, zero], 1), torch.stack([zero, zoom_h, zero], 1)], 1))
    factor = 1 + (torch.rand(b, generator=generator) * 2 - 1) * 0.2
    mean = x.mean(dim=(1, 2), keepdim=True)
    return ((x - mean) * factor[:, None, None, None] + mean).clamp(0, 255)


def bench_augmentation():
    stack = keras.Sequential([keras.layers.RandomFlip(seed=1), keras.layers.RandomRotation(0.1, seed=2),
                              keras.layers.RandomZoom(0.1, seed=3), keras.layers.RandomContrast(0.2, seed=4)])
    images = torch.rand(BATCH, SIZE, SIZE, 3) * 255
    stack(images[:1], training=True)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        times = compare({"lamina": lambda: stack(images, training=True),
                         "torch": lambda: hand_augment(images, generator)},
                        rounds=3, warmup=1, number=2, repeats=3)
    return times


# ---------------------------------------------------------------------- (b) images from a folder

def _write_images(root, count, size):
    from PIL import Image

    rng = np.random.default_rng(0)
    for index in range(count):
        folder = os.path.join(root, f"class_{index % 2}")
        os.makedirs(folder, exist_ok=True)
        pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(os.path.join(folder, f"{index:04d}.png"))


def _cnn(size):
    model = keras.Sequential([
        keras.Input((size, size, 3)), keras.layers.Rescaling(1 / 255.0),
        keras.layers.Conv2D(16, 3, activation="relu"), keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(2),
    ])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def bench_folder_training(count=256, size=64, batch_size=32):
    with tempfile.TemporaryDirectory() as root:
        _write_images(root, count, size)
        dataset = keras.utils.image_dataset_from_directory(root, image_size=(size, size), batch_size=batch_size,
                                                           seed=0, verbose=False)
        xs, ys = zip(*[(x, y) for x, y in dataset])
        x_memory, y_memory = torch.cat(xs).numpy(), torch.cat(ys).numpy()
        model_folder, model_memory = _cnn(size), _cnn(size)
        model_folder.fit(dataset.take(1), epochs=1, verbose=0)
        model_memory.fit(x_memory[:batch_size], y_memory[:batch_size], epochs=1, verbose=0)
        times = compare({
            "folder": lambda: model_folder.fit(dataset, epochs=1, verbose=0),
            "memory": lambda: model_memory.fit(x_memory, y_memory, batch_size=batch_size, epochs=1,
                                               shuffle=True, verbose=0),
        }, rounds=3, warmup=0, number=1, repeats=3)
    return times


def main():
    print(f"bench_input_pipeline: {describe_machine()}, {steady_allocator()}, {os.cpu_count()} CPUs")
    times = bench_augmentation()
    ratio = times["lamina"] / times["torch"]
    print(f"(a) augmentation stack, {BATCH}x{SIZE}x{SIZE}x3: lamina {times['lamina'] * 1e3:.1f} ms, "
          f"hand torch {times['torch'] * 1e3:.1f} ms, ratio {ratio:.2f}x (target <= 1.2x)")
    times = bench_folder_training()
    ratio = times["folder"] / times["memory"]
    print(f"(b) fit one epoch, 256 PNG 64x64 from a folder {times['folder'] * 1e3:.0f} ms vs in-memory arrays "
          f"{times['memory'] * 1e3:.0f} ms, ratio {ratio:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
