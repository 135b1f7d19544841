"""One half of the optimizer-state cross-check, run under lamina or under real Keras 3.

    python resume_training.py <lamina|keras> save <dir> <optimizer>
        trains 4 steps, saves <dir>/mid.keras, trains 4 more, writes <dir>/final.npz
    python resume_training.py <lamina|keras> resume <dir>
        loads <dir>/mid.keras, trains the same 4 steps, prints the largest difference to final.npz

The same code runs under both frameworks (`import lamina as keras`), so a file written by one and
resumed by the other must end where the writer ended (float rounding apart).
"""

import importlib
import sys

import numpy as np

framework, mode, out = sys.argv[1:4]
keras = importlib.import_module(framework)

OPTIMIZERS = {
    "adam": lambda: keras.optimizers.Adam(0.01),
    "adam_amsgrad": lambda: keras.optimizers.Adam(0.01, amsgrad=True),
    "adam_accumulating": lambda: keras.optimizers.Adam(0.01, gradient_accumulation_steps=2),
    "adam_schedule": lambda: keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.01, 2, 0.5)),
    "adamw": lambda: keras.optimizers.AdamW(0.01),
    "sgd": lambda: keras.optimizers.SGD(0.05, momentum=0.9),
    "sgd_nesterov": lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "rmsprop": lambda: keras.optimizers.RMSprop(0.01),
    "rmsprop_centered": lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "nadam": lambda: keras.optimizers.Nadam(0.01),
    "adagrad": lambda: keras.optimizers.Adagrad(0.1),
    "adamax": lambda: keras.optimizers.Adamax(0.01),
    "lion": lambda: keras.optimizers.Lion(0.001),
}

rng = np.random.default_rng(0)
x = rng.normal(size=(64, 6)).astype("float32")
y = rng.normal(size=(64, 2)).astype("float32")

if mode == "save":
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6,))
    h = keras.layers.Dense(5, activation="tanh")(inputs)
    h = keras.layers.Reshape((5, 1))(h)
    # No conv bias ahead of BatchNormalization: its gradient is pure rounding noise, which
    # normalized optimizers (Adam, Lion) blow up to +-learning_rate steps in either framework.
    h = keras.layers.Conv1D(3, 2, use_bias=False)(h)
    h = keras.layers.BatchNormalization()(keras.layers.Flatten()(h))
    model = keras.Model(inputs, keras.layers.Dense(2)(h))
    # Objects in compile() exercise the compile_config both ways too.
    model.compile(OPTIMIZERS[sys.argv[4]](), keras.losses.MeanSquaredError(),
                  metrics=[keras.metrics.MeanAbsoluteError(), "mse"])
    model.fit(x[:32], y[:32], batch_size=8, epochs=1, shuffle=False, verbose=0)
    model.save(f"{out}/mid.keras")
    model.fit(x[32:], y[32:], batch_size=8, epochs=1, shuffle=False, verbose=0)
    np.savez(f"{out}/final.npz", *model.get_weights())
else:
    model = keras.models.load_model(f"{out}/mid.keras")
    model.fit(x[32:], y[32:], batch_size=8, epochs=1, shuffle=False, verbose=0)
    reference = np.load(f"{out}/final.npz")
    diff = max(float(np.abs(a - reference[f"arr_{i}"]).max()) for i, a in enumerate(model.get_weights()))
    print(f"{framework} resumed: max weight difference {diff:.1e}", "OK" if diff < 1e-5 else "FAILED")
