"""Functional models built from `keras.ops.numpy` calls, by the same code in Keras 3 and lamina.

    python numpy_ops_models.py lamina save DIR    # lamina writes DIR/<name>.keras + DIR/<name>.npz
    python numpy_ops_models.py keras load DIR     # Keras loads them and compares its outputs
    python numpy_ops_models.py keras save DIR     # Keras writes them
    python numpy_ops_models.py lamina load DIR    # lamina loads them and compares its outputs

Run the Keras side with KERAS_BACKEND=jax in the Keras virtual environment. The Keras-written
files of this script are also kept as test fixtures (tests/ops/fixtures/keras_numpy_models/,
loaded by tests/ops/test_numpy_keras_files.py), so the tests check that direction without Keras.
"""

import os
import sys

import numpy as np


def _frameworks(which):
    if which == "keras":
        os.environ.setdefault("KERAS_BACKEND", "jax")
        import keras
        return keras, keras.ops
    import lamina
    return lamina, lamina.ops


def elementwise(keras, ops):
    x = keras.Input((4, 6), name="x")
    y = keras.Input((4, 6), name="y")
    a = ops.sqrt(ops.abs(x) + 1.0) * ops.tanh(y) - ops.exp(ops.negative(ops.square(x)))
    b = ops.maximum(a, 0.1) + ops.minimum(x, y) + ops.power(ops.abs(a) + 1.0, 0.5)
    c = ops.where(ops.greater(x, y), ops.log1p(ops.abs(b)), ops.divide(b, ops.abs(y) + 1.0))
    d = ops.clip(c, -2.0, 2.0) + ops.arctan2(x, y) + ops.floor_divide(x, 0.7) + ops.mod(y, 0.3)
    e = ops.logaddexp(d, x) + ops.hypot(x, y) + ops.sign(x) * ops.sinh(ops.sin(y))
    f = ops.round(e, 2) + ops.ceil(x) + ops.floor(y) + ops.nan_to_num(ops.log(ops.abs(x)))
    return keras.Model([x, y], f, name="elementwise")


def reductions(keras, ops):
    x = keras.Input((5, 6), name="x")
    s = ops.sum(x, axis=1) + ops.mean(x, axis=-2) + ops.max(x, axis=1) - ops.min(x, axis=1)
    t = ops.std(x, axis=1) + ops.var(x, axis=1) + ops.prod(ops.tanh(x), axis=1) + ops.amax(x, axis=1)
    u = ops.cumsum(x, axis=1)[:, -1, :] + ops.cumprod(ops.tanh(x), axis=2)[:, 0, :]
    m = ops.median(x, axis=1) + ops.nanmean(x, axis=1) + ops.ptp(x, axis=1)  # (quantile fails in Keras-JAX 3.15 itself)
    n = ops.cast(ops.argmax(x, axis=1), "float32") + ops.cast(ops.argmin(x, axis=1), "float32")
    k = ops.logsumexp(x, axis=1) if hasattr(ops, "logsumexp") else s
    out = ops.concatenate([s, t, u, m, n, k, ops.mean(x, axis=(1, 2), keepdims=True)[:, 0]], axis=-1)
    return keras.Model(x, out, name="reductions")


def shapes(keras, ops):
    x = keras.Input((4, 6), name="x")
    a = ops.reshape(x, (-1, 6, 4))
    a = ops.transpose(a, (0, 2, 1))
    b = ops.expand_dims(ops.swapaxes(a, 1, 2), 1)
    b = ops.squeeze(b, axis=1)
    c = ops.concatenate([ops.flip(x, axis=1), ops.roll(x, 2, axis=2)], axis=1)
    parts = ops.split(c, 2, axis=1)
    d = ops.stack(parts, axis=1)
    e = ops.pad(x, [[0, 0], [1, 1], [0, 2]])
    f = ops.take(x, [0, 2, 3], axis=2) + ops.take_along_axis(x, ops.argsort(x, axis=2), axis=2)[:, :, :3]
    g = ops.tile(ops.repeat(x[:, :1, :], 2, axis=1), (1, 2, 1))
    h = ops.tril(ops.matmul(x, ops.transpose(x, (0, 2, 1)))) + ops.triu(ops.einsum("bij,bkj->bik", x, x), 1)
    out = (ops.sum(a, axis=(1, 2)) + ops.sum(b, axis=(1, 2)) + ops.sum(d, axis=(1, 2, 3)) + ops.sum(e, axis=(1, 2))
           + ops.sum(f, axis=(1, 2)) + ops.sum(g, axis=(1, 2)) + ops.sum(h, axis=(1, 2)))
    return keras.Model(x, ops.expand_dims(out, -1), name="shapes")


def with_layers(keras, ops):
    x = keras.Input((8,), name="x")
    h = keras.layers.Dense(6, name="dense")(x)
    h = ops.dot(h, ops.ones((6, 3))) + ops.tensordot(h, ops.eye(6, 3), axes=1)
    h = ops.stack([h, ops.ones_like(h), ops.zeros_like(h) + ops.full_like(h, 0.5)], axis=-1)
    h = ops.logical_and(ops.greater(h, 0.0), ops.less(h, 1.0))
    h = ops.cast(h, "float32") + ops.cast(ops.isfinite(ops.log(ops.abs(ops.sum(h, axis=-1, keepdims=True)) + 1.0)),
                                          "float32")
    return keras.Model(x, ops.sum(h, axis=-1), name="with_layers")


BUILDERS = [elementwise, reductions, shapes, with_layers]


def _inputs(model, seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(2,) + tuple(t.shape[1:])).astype("float32") for t in model.inputs]


def _predict(model, inputs):
    out = model(inputs if len(inputs) > 1 else inputs[0])
    out = out.detach().cpu().numpy() if hasattr(out, "detach") else np.asarray(out)
    return out


def save(which, folder):
    keras, ops = _frameworks(which)
    os.makedirs(folder, exist_ok=True)
    for i, build in enumerate(BUILDERS):
        model = build(keras, ops)
        inputs = _inputs(model, i)
        model.save(os.path.join(folder, f"{model.name}.keras"))
        np.savez(os.path.join(folder, f"{model.name}.npz"), *inputs, out=_predict(model, inputs))
        print(f"{model.name}: saved by {which}")


def load(which, folder):
    keras, _ = _frameworks(which)
    for build in BUILDERS:
        name = build.__name__
        try:
            model = keras.models.load_model(os.path.join(folder, f"{name}.keras"))
            data = np.load(os.path.join(folder, f"{name}.npz"))
            inputs = [data[f"arr_{i}"] for i in range(len([k for k in data if k.startswith("arr_")]))]
            diff = float(np.abs(_predict(model, inputs) - data["out"]).max())
            print(f"{name}: loaded by {which}, max |diff| {diff:.2e}" + (" OK" if diff < 1e-4 else " FAILED"))
        except Exception as error:  # noqa: BLE001 - a report line per model
            print(f"{name}: FAILED {type(error).__name__}: {str(error)[:500]}")


if __name__ == "__main__":
    which, action, folder = sys.argv[1:4]
    (save if action == "save" else load)(which, folder)
