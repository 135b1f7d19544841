"""Functional models built from `keras.ops`, saved by one framework and loaded by the other.

The same model code runs in Keras 3 and in lamina (`import lamina as keras`). Usage:

    python ops_models.py lamina save DIR      # lamina writes DIR/<name>.keras + DIR/<name>.npz
    KERAS_BACKEND=jax python ops_models.py keras load DIR      # Keras loads them, compares outputs
    KERAS_BACKEND=jax python ops_models.py keras save DIR2
    python ops_models.py lamina load DIR2     # lamina loads Keras's files, compares outputs

`save` stores the inputs and the writer's outputs; `load` rebuilds each model from its file,
runs it on the stored inputs and compares values (rtol 1e-4, atol 1e-5) and dtypes. Each model
prints one line: `<name>: OK` or `<name>: FAILED ...`. The Keras-written files and their npz are
also the fixtures of tests/ops/test_keras_written_ops.py (copied into tests/ops/keras_written/).
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

RNG = np.random.default_rng(0)


def _x(*shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, size=shape).astype("float32")


def operators():
    a, b = keras.Input((3, 4), name="a"), keras.Input((3, 4), name="b")
    outs = [a + b, 2.0 - a, a * b, a / 2.0, -a, abs(a), a ** 2, a[:, 1:, ::2], a[:, 0], (a > 0) & (b < 1),
            a // 1.5, a % 1.5, a @ ops.transpose(b, (0, 2, 1))]
    return keras.Model([a, b], outs, name="operators"), [_x(2, 3, 4), _x(2, 3, 4)]


def elementwise():
    x = keras.Input((5,), name="x")
    outs = [ops.exp(x), ops.log1p(ops.abs(x)), ops.sqrt(ops.abs(x)), ops.clip(x, -1.0, 1.0), ops.maximum(x, 0.5),
            ops.sin(x), ops.tanh(x), ops.sign(x), ops.floor(x), ops.where(x > 0, x, 0.0), ops.square(x),
            ops.arctan2(x, ops.ones_like(x)), ops.logaddexp(x, x * 2), ops.cast(x, "int32"), ops.isfinite(x)]
    return keras.Model(x, outs, name="elementwise"), [_x(3, 5)]


def reductions():
    x = keras.Input((4, 6), name="x")
    outs = [ops.mean(x, axis=-1), ops.sum(x, axis=[1, 2], keepdims=True), ops.max(x, axis=1),
            ops.var(x, axis=2), ops.std(x, axis=1, keepdims=True), ops.argmax(x, axis=-1), ops.argmin(x, axis=1),
            ops.min(x, axis=(1, 2)),
            ops.any(x > 1.5, axis=-1), ops.all(x > -1.9, axis=1), ops.prod(x, axis=1), ops.cumsum(x, axis=2),
            ops.logsumexp(x, axis=-1), ops.median(x, axis=-1), ops.count_nonzero(x > 0, axis=1)]
    return keras.Model(x, outs, name="reductions"), [_x(2, 4, 6)]


def shapes():
    x, y = keras.Input((3, 4), name="x"), keras.Input((3, 4), name="y")
    outs = [ops.reshape(x, (-1, 12)), ops.transpose(x, (0, 2, 1)), ops.expand_dims(x, -1),
            ops.squeeze(ops.expand_dims(x, 1), 1), ops.concatenate([x, y], axis=-1), ops.stack([x, y], axis=1),
            ops.tile(x, (1, 2, 1)), ops.repeat(x, 2, axis=1), ops.flip(x, axis=1), ops.roll(x, 1, axis=2),
            ops.pad(x, ((0, 0), (1, 0), (0, 2))), ops.take(x, [0, 2], axis=1), ops.split(x, 2, axis=2)[1],
            ops.moveaxis(x, 1, 2), ops.swapaxes(x, 1, 2), ops.tril(x), ops.diagonal(x, axis1=1, axis2=2)]
    return keras.Model([x, y], outs, name="shapes"), [_x(2, 3, 4), _x(2, 3, 4)]


def products():
    x, y = keras.Input((3, 4), name="x"), keras.Input((4, 5), name="y")
    outs = [ops.matmul(x, y), ops.einsum("bij,bjk->bik", x, y), ops.tensordot(x, y, axes=([2], [1])),
            ops.einsum("bij->bj", x), ops.outer(ops.mean(x, axis=(1, 2)), ops.mean(y, axis=(1, 2)))]
    return keras.Model([x, y], outs, name="products"), [_x(2, 3, 4), _x(2, 4, 5)]


def sorting():
    x = keras.Input((6,), name="x")
    values, indices = ops.top_k(x, 3)
    outs = [ops.sort(x, axis=-1), ops.argsort(x, axis=-1), values, indices, ops.in_top_k(ops.argmax(x, -1), x, 2)]
    return keras.Model(x, outs, name="sorting"), [_x(4, 6)]


def activations():
    x = keras.Input((8,), name="x")
    outs = [ops.relu(x), ops.gelu(x), ops.gelu(x, approximate=False), ops.softmax(x, axis=-1),
            ops.log_softmax(x), ops.silu(x), ops.sigmoid(x), ops.leaky_relu(x, 0.1), ops.elu(x),
            ops.softplus(x), ops.hard_sigmoid(x), ops.relu6(x * 4), ops.selu(x), ops.one_hot(ops.argmax(x, -1), 8),
            ops.normalize(x, axis=-1)]
    return keras.Model(x, outs, name="activations"), [_x(3, 8)]


def nn_blocks():
    x = keras.Input((8, 8, 3), name="image")
    q = keras.Input((4, 2, 8), name="q")
    pooled = ops.average_pool(x, 2, strides=2, padding="valid")
    mean, variance = ops.moments(x, axes=[1, 2])
    outs = [ops.max_pool(x, 2, strides=2, padding="same"), pooled, mean, variance,
            ops.dot_product_attention(q, q, q), ops.depth_to_space(ops.tile(x, (1, 1, 1, 4)), 2),
            keras.layers.Dense(4, name="dense")(ops.mean(x, axis=(1, 2)))]
    if hasattr(ops.image, "resize"):  # lamina's ops.image may not be complete yet
        outs.append(ops.image.resize(x, (4, 4)))
    return keras.Model([x, q], outs, name="nn_blocks"), [_x(2, 8, 8, 3), _x(2, 4, 2, 8)]


# Not here: ops.linalg.norm with an `axis` (Keras 3.15 with JAX cannot reload its own file: the axis
# comes back as a list, which jax.jit refuses as a static argument).
def math_core():
    x = keras.Input((4, 4), batch_size=2, name="x")  # Keras 3.15's rearrange needs a known batch size
    spd = ops.matmul(x, ops.transpose(x, (0, 2, 1))) + 4.0 * ops.eye(4)
    a, b, c, d = ops.unstack(x, axis=1)
    outs = [ops.rsqrt(ops.abs(x) + 1.0), ops.erf(x), ops.linalg.solve(spd, x), ops.linalg.inv(spd),
            ops.linalg.det(spd), ops.slice(x, (0, 1, 1), (2, 2, 3)), a + d, ops.saturate_cast(x * 100, "int8"),
            ops.rearrange(x, "b h w -> b (w h)"), ops.linalg.cholesky(spd), ops.convert_to_tensor(x, "float16"),
            ops.stop_gradient(x), ops.segment_sum(ops.transpose(x, (1, 0, 2)), ops.convert_to_tensor([0, 0, 1, 1]),
                                                  num_segments=2)]
    del b, c
    return keras.Model(x, outs, name="math_core"), [_x(2, 4, 4)]


MODELS = [operators, elementwise, reductions, shapes, products, sorting, activations, nn_blocks, math_core]


def _numpy(value):
    return np.asarray(ops.convert_to_numpy(value))


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
                     **{f"in_{i}": v for i, v in enumerate(inputs)}, **{f"out_{i}": o for i, o in enumerate(outs)})
            print(f"{build.__name__}: saved ({len(outs)} outputs)")
        except Exception as error:  # noqa: BLE001 - one line per model, keep going
            print(f"{build.__name__}: FAILED to build/save: {type(error).__name__}: {str(error)[:400]}")


def load(directory):
    for build in MODELS:
        path = os.path.join(directory, f"{build.__name__}.keras")
        if not os.path.exists(path):
            print(f"{build.__name__}: FAILED (no file)")
            continue
        try:
            model = keras.models.load_model(path)
            stored = np.load(os.path.join(directory, f"{build.__name__}.npz"))
            inputs = [stored[f"in_{i}"] for i in range(sum(k.startswith("in_") for k in stored.files))]
            outs = _run(model, inputs)
            expected = [stored[f"out_{i}"] for i in range(sum(k.startswith("out_") for k in stored.files))]
            problems = []
            if len(outs) != len(expected):
                problems.append(f"{len(outs)} outputs, expected {len(expected)}")
            for i, (o, e) in enumerate(zip(outs, expected)):
                if o.shape != e.shape or o.dtype != e.dtype:
                    problems.append(f"out_{i}: {o.dtype}{o.shape} vs written {e.dtype}{e.shape}")
                elif not np.allclose(o.astype("float64"), e.astype("float64"), rtol=1e-4, atol=1e-5, equal_nan=True):
                    problems.append(f"out_{i}: max diff {np.nanmax(np.abs(o.astype('float64') - e)):.3g}")
            print(f"{build.__name__}: " + ("OK" if not problems else "FAILED " + "; ".join(problems)))
        except Exception as error:  # noqa: BLE001
            print(f"{build.__name__}: FAILED to load/run: {type(error).__name__}: {str(error)[:600]}")
            if os.environ.get("VERBOSE"):
                traceback.print_exc()


if __name__ == "__main__":
    (save if MODE == "save" else load)(DIRECTORY)
