"""Functional models built from `keras.ops.nn`, `ops.image`, `ops.linalg` and the math ops, saved by
one framework and loaded by the other (the same code runs with `import lamina as keras`).

    python opsc_models.py lamina save DIR                 # lamina writes DIR/<name>.keras + .npz
    KERAS_BACKEND=jax python opsc_models.py keras load DIR   # Keras loads them, compares outputs
    KERAS_BACKEND=jax python opsc_models.py keras save DIR2
    python opsc_models.py lamina load DIR2                # lamina loads Keras's files

Each model prints `<name>: OK` or `<name>: FAILED ...` (values: rtol 1e-4, atol 1e-5; dtypes and
shapes exact). The Keras-written files are the fixtures of tests/ops/test_opsc_keras_files.py
(tests/ops/fixtures/keras_opsc_models/).
"""

import os
import sys
import traceback

import numpy as np

FRAMEWORK, MODE, DIRECTORY = sys.argv[1], sys.argv[2], sys.argv[3]
if FRAMEWORK == "keras":
    import keras
    from keras import ops
else:
    import lamina as keras
    from lamina import ops

RNG = np.random.default_rng(1)


def _x(*shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, size=shape).astype("float32")


# Not here: conv_transpose (Keras 3.15's ConvTranspose Operation fails when a Keras model runs it:
# "'int' object has no attribute 'lower'"), adaptive pools (Keras 3.15's output spec fails for an
# int output_size, and for a tuple once the file's JSON has made it a list) and sparsemax (Keras
# 3.15's rows do not sum to 1). Pool sizes and strides stay ints: a tuple comes back from the
# JSON as a list, which Keras 3.15's JAX pooling cannot run.
def conv_family():
    x = keras.Input((9, 8, 3), name="image")
    kernel = ops.convert_to_tensor(np.linspace(-1, 1, 108).reshape(3, 3, 3, 4).astype("float32"))
    outs = [ops.conv(x, kernel, strides=2, padding="same"),
            ops.conv(x, kernel, dilation_rate=(2, 1)),
            ops.depthwise_conv(x, ops.reshape(kernel[..., :2], (3, 3, 3, 2)), padding="same"),
            ops.separable_conv(x, ops.reshape(kernel[..., :2], (3, 3, 3, 2)),
                               ops.ones((1, 1, 6, 5)), padding="same"),
            ops.average_pool(x, 3, strides=2, padding="same"),
            ops.max_pool(x, 3, strides=1),  # tuples: Keras 3.15 cannot reload them (see above)
            ops.space_to_depth(x[:, :8], 2),
            ops.unfold(ops.transpose(x, (0, 3, 1, 2)), 2, stride=2)]
    return keras.Model(x, outs, name="conv_family"), [_x(2, 9, 8, 3)]


def normalization_and_losses():
    x = keras.Input((4, 6), name="x")
    labels = keras.Input((4,), dtype="int32", name="labels")
    probabilities = ops.softmax(x)
    outs = [ops.layer_normalization(x, axis=-1, epsilon=1e-3),
            ops.rms_normalization(x, axis=[1, 2]),
            ops.batch_normalization(x, ops.mean(x, axis=(0, 1)), ops.var(x, axis=(0, 1)), axis=-1),
            ops.normalize(x, axis=1, order=1),
            ops.categorical_crossentropy(ops.one_hot(labels, 6), probabilities),
            ops.sparse_categorical_crossentropy(labels, x, from_logits=True),
            ops.binary_crossentropy(ops.sigmoid(x), ops.sigmoid(x * 2)),
            ops.multi_hot(labels, 6),
            ops.glu(x), ops.celu(x, alpha=2.0), ops.squareplus(x, b=2),
            ops.hard_shrink(x, 0.3), ops.threshold(x, 0.5, -1.0)]
    return keras.Model([x, labels], outs, name="normalization_and_losses"), \
        [_x(3, 4, 6), RNG.integers(0, 6, size=(3, 4)).astype("int32")]


def attention_and_ctc():
    q = keras.Input((5, 2, 8), name="q")
    kv = keras.Input((6, 2, 8), name="kv")
    logits = keras.Input((7, 5), name="logits")
    targets = keras.Input((3,), dtype="int32", name="targets")
    lengths = keras.Input((), dtype="int32", name="lengths")
    decoded, scores = ops.ctc_decode(logits, lengths)
    outs = [ops.dot_product_attention(q, kv, kv, scale=0.5),
            ops.dot_product_attention(q, q, q, is_causal=True),
            ops.ctc_loss(targets, logits, ops.full_like(lengths, 3), lengths),
            decoded, scores]
    inputs = [_x(2, 5, 2, 8), _x(2, 6, 2, 8), _x(2, 7, 5),
              np.array([[1, 2, 3], [4, 4, 1]], "int32"), np.array([7, 6], "int32")]
    return keras.Model([q, kv, logits, targets, lengths], outs, name="attention_and_ctc"), inputs


def image_ops():
    x = keras.Input((9, 12, 3), name="image")
    t = keras.Input((8,), name="transform")
    outs = [ops.image.resize(x, (5, 7), interpolation="bicubic", antialias=True),
            ops.image.resize(x, (6, 6), crop_to_aspect_ratio=True),
            ops.image.affine_transform(x, t, fill_mode="reflect"),
            ops.image.extract_patches(x, (3, 4)),
            ops.image.pad_images(x, 1, 2, target_height=12, target_width=16),
            ops.image.crop_images(x, 1, 2, target_height=5, target_width=6),
            ops.image.rgb_to_grayscale(x), ops.image.rgb_to_hsv(x),
            ops.image.hsv_to_rgb(ops.image.rgb_to_hsv(x)),
            ops.image.sobel_edges(x),
            ops.image.ssim(x, ops.image.hsv_to_rgb(ops.image.rgb_to_hsv(x)), filter_size=5)]
    transforms = np.array([[1.1, 0.2, -1.0, -0.1, 0.9, 1.5, 0.0, 0.0],
                           [0.8, -0.3, 2.0, 0.25, 1.2, -2.0, 0.0, 0.0]], "float32")
    return keras.Model([x, t], outs, name="image_ops"), [_x(2, 9, 12, 3, low=0, high=1), transforms]


def math_and_linalg():
    x = keras.Input((16,), name="signal")
    m = keras.Input((3, 3), name="matrix")
    spd = ops.matmul(m, ops.transpose(m, (0, 2, 1))) + 3.0 * ops.eye(3)
    real, imag = ops.rfft(x)
    stft_real, stft_imag = ops.stft(x, 8, 4, 8)
    values, indices = ops.top_k(x, 3)
    q, r = ops.linalg.qr(m)
    outs = [real, imag, ops.irfft((real, imag)), stft_real,
            ops.istft((stft_real, stft_imag), 8, 4, 8, length=16),
            values, indices, ops.in_top_k(ops.argmax(x, axis=-1), x, 2),
            ops.extract_sequences(x, 4, 3), ops.logdet(spd), ops.erfinv(ops.tanh(x) * 0.9),
            ops.cdist(m, m), q, r, ops.linalg.eigh(spd)[0], ops.linalg.pinv(m),
            ops.linalg.solve_triangular(spd, m, lower=True), ops.linalg.svd(m, compute_uv=False)]
    return keras.Model([x, m], outs, name="math_and_linalg"), [_x(2, 16), _x(2, 3, 3)]


MODELS = [conv_family, normalization_and_losses, attention_and_ctc, image_ops, math_and_linalg]


def _run(model, inputs):
    outs = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    return [np.asarray(o) for o in (outs if isinstance(outs, (list, tuple)) else [outs])]


def save(directory):
    os.makedirs(directory, exist_ok=True)
    for build in MODELS:
        try:
            model, inputs = build()
            model.save(os.path.join(directory, f"{build.__name__}.keras"))
            outs = _run(model, inputs)
            np.savez(os.path.join(directory, f"{build.__name__}.npz"),
                     **{f"in_{i}": v for i, v in enumerate(inputs)},
                     **{f"out_{i}": o for i, o in enumerate(outs)})
            print(f"{build.__name__}: saved ({len(outs)} outputs)")
        except Exception as error:  # noqa: BLE001 - one line per model, keep going
            print(f"{build.__name__}: FAILED to build/save: {type(error).__name__}: {str(error)[:400]}")
            if os.environ.get("VERBOSE"):
                traceback.print_exc()


def load(directory):
    for build in MODELS:
        path = os.path.join(directory, f"{build.__name__}.keras")
        if not os.path.exists(path):
            print(f"{build.__name__}: FAILED (no file)")
            continue
        try:
            model = keras.models.load_model(path)
            stored = np.load(os.path.join(directory, f"{build.__name__}.npz"))
            count = lambda prefix: sum(k.startswith(prefix) for k in stored.files)  # noqa: E731
            inputs = [stored[f"in_{i}"] for i in range(count("in_"))]
            expected = [stored[f"out_{i}"] for i in range(count("out_"))]
            outs = _run(model, inputs)
            problems = []
            if len(outs) != len(expected):
                problems.append(f"{len(outs)} outputs, expected {len(expected)}")
            for i, (o, e) in enumerate(zip(outs, expected)):
                if o.shape != e.shape or o.dtype != e.dtype:
                    problems.append(f"out_{i}: {o.dtype}{o.shape} vs written {e.dtype}{e.shape}")
                elif not np.allclose(o.astype("float64"), e.astype("float64"), rtol=1e-4, atol=1e-5,
                                     equal_nan=True):
                    problems.append(f"out_{i}: max diff {np.nanmax(np.abs(o.astype('float64') - e)):.3g}")
            print(f"{build.__name__}: " + ("OK" if not problems else "FAILED " + "; ".join(problems)))
        except Exception as error:  # noqa: BLE001
            print(f"{build.__name__}: FAILED to load/run: {type(error).__name__}: {str(error)[:600]}")
            if os.environ.get("VERBOSE"):
                traceback.print_exc()


if __name__ == "__main__":
    (save if MODE == "save" else load)(DIRECTORY)
