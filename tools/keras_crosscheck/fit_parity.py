"""`fit` in lamina against `fit` in real Keras 3: same weights, same data, same logs.

    python fit_parity.py keras <dir>    builds the models, writes their initial weights and Keras's History
    python fit_parity.py keras-torch <dir>  the PyTorch-style cases (torch_style_cases.py: custom
                                        train_step, add_loss-only models, the torch guides' code) with
                                        Keras on its torch backend (KERAS_BACKEND=torch; see run.sh)
    python fit_parity.py lamina <dir>   builds the same models, sets those weights, fits, compares logs
                                        (the PyTorch-style cases too when keras-torch wrote them)

No shuffling and no dropout, so both frameworks see the same batches; the partial last batch,
validation_split, sample and class weights, loss weights and metric names are all exercised.
"""

import importlib
import json
import sys

import numpy as np

framework, out = sys.argv[1:3]
keras = importlib.import_module("keras" if framework == "keras-torch" else framework)
layers = keras.layers
rng = np.random.default_rng(1)


def classifier():
    x = rng.normal(size=(90, 8)).astype("float32")
    y = rng.integers(0, 3, size=(90,))
    inputs = keras.Input((8,))
    h = layers.Dense(16, activation="relu")(inputs)
    h = layers.BatchNormalization()(h)
    model = keras.Model(inputs, layers.Dense(3, activation="softmax")(h))
    compile_args = dict(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                        metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)])
    fit_args = dict(x=x, y=y, batch_size=16, epochs=3, validation_split=0.2, class_weight={0: 1.0, 1: 2.0, 2: 0.5})
    return model, compile_args, fit_args


def multi_task():
    a = rng.normal(size=(70, 6)).astype("float32")
    b = rng.normal(size=(70, 4)).astype("float32")
    y_bin = rng.integers(0, 2, size=(70, 1)).astype("float32")
    y_cat = np.eye(4, dtype="float32")[rng.integers(0, 4, size=70)]
    y_reg = rng.normal(size=(70, 2)).astype("float32")
    ia, ib = keras.Input((6,), name="a"), keras.Input((4,), name="b")
    h = layers.Dense(12, activation="tanh")(layers.concatenate([ia, ib]))
    outputs = {"flag": layers.Dense(1, activation="sigmoid", name="flag")(h),
               "kind": layers.Dense(4, activation="softmax", name="kind")(h),
               "value": layers.Dense(2, name="value")(h)}
    model = keras.Model({"a": ia, "b": ib}, outputs)
    compile_args = dict(optimizer=keras.optimizers.RMSprop(0.01),
                        loss={"flag": "binary_crossentropy", "kind": keras.losses.CategoricalCrossentropy(
                            label_smoothing=0.1), "value": "huber"},
                        loss_weights={"flag": 1.0, "kind": 0.5, "value": 2.0},
                        metrics={"flag": ["accuracy", keras.metrics.AUC()], "kind": ["accuracy"],
                                 "value": ["mae", keras.metrics.RootMeanSquaredError()]})
    fit_args = dict(x={"a": a, "b": b}, y={"flag": y_bin, "kind": y_cat, "value": y_reg}, batch_size=32,
                    epochs=2, sample_weight={"flag": rng.uniform(0.5, 1.5, size=70).astype("float32"),
                                             "kind": np.ones(70, dtype="float32"),
                                             "value": np.ones(70, dtype="float32")},
                    validation_data=({"a": a[:20], "b": b[:20]},
                                     {"flag": y_bin[:20], "kind": y_cat[:20], "value": y_reg[:20]}))
    return model, compile_args, fit_args


def regression_sgd():
    x = rng.normal(size=(50, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 1))).astype("float32")
    model = keras.Sequential([keras.Input((5,)), layers.Dense(8, activation="relu",
                                                              kernel_regularizer=keras.regularizers.L2(0.01)),
                              layers.Dense(1)])
    compile_args = dict(optimizer=keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True), loss="mse",
                        metrics=["mae", "mape"])
    fit_args = dict(x=x, y=y, batch_size=12, epochs=3, validation_split=0.1)
    return model, compile_args, fit_args


def text_lstm():
    tokens = rng.integers(0, 30, size=(40, 7)).astype("int32")
    tokens[::3, 4:] = 0  # padded tails, masked
    y = rng.integers(0, 2, size=(40, 1)).astype("float32")
    inputs = keras.Input((7,), dtype="int32")
    h = layers.Embedding(30, 6, mask_zero=True)(inputs)
    h = layers.Bidirectional(layers.GRU(5))(h)
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(h))
    compile_args = dict(optimizer=keras.optimizers.AdamW(0.01, weight_decay=0.01), loss="binary_crossentropy",
                        metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall()])
    fit_args = dict(x=tokens, y=y, batch_size=10, epochs=2)
    return model, compile_args, fit_args


def cnn_callbacks():
    x = rng.normal(size=(36, 10, 10, 2)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, size=36)]
    model = keras.Sequential([keras.Input((10, 10, 2)), layers.Conv2D(4, 3, padding="same", activation="relu"),
                              layers.BatchNormalization(), layers.MaxPooling2D(), layers.SeparableConv2D(5, 3),
                              layers.GlobalAveragePooling2D(), layers.Dense(3, activation="softmax")])
    schedule = keras.optimizers.schedules.ExponentialDecay(0.02, decay_steps=3, decay_rate=0.7)
    compile_args = dict(optimizer=keras.optimizers.Nadam(schedule, clipnorm=1.0), loss="categorical_crossentropy",
                        metrics=["accuracy", keras.metrics.TopKCategoricalAccuracy(k=2)])
    fit_args = dict(x=x, y=y, batch_size=8, epochs=4, validation_split=0.25, validation_freq=2)
    return model, compile_args, fit_args


def plateau_lion():
    x = rng.normal(size=(40, 6)).astype("float32")
    y = rng.normal(size=(40, 3)).astype("float32")
    model = keras.Sequential([keras.Input((6,)), layers.Dense(10, activation="gelu"), layers.LayerNormalization(),
                              layers.Dense(3)])
    compile_args = dict(optimizer=keras.optimizers.Lion(0.003, weight_decay=0.01, global_clipnorm=0.5),
                        loss="log_cosh", metrics=["mse", keras.metrics.CosineSimilarity()])
    # min_delta larger than any improvement: the learning rate halves every epoch and is logged.
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=100.0)
    fit_args = dict(x=x, y=y, batch_size=16, epochs=3, callbacks=[plateau])
    return model, compile_args, fit_args


# Logs not compared, per model, and why.
SKIPPED_LOGS = {
    # Keras on JAX loses the output's mask between its loss and its training metrics (the loss and
    # the validation metrics are masked, the training accuracy is not: Keras logs 32/162, all steps,
    # where the 113 valid steps give lamina's 23/113); lamina masks all of them, as Keras documents.
    "seq2seq_masked_loss": {"accuracy"},
}


def seq2seq_masked_loss():
    # Per-step outputs of a padded target sequence: Keras weights the loss and the metrics by the
    # output's mask, so padded steps count for nothing.
    tokens = rng.integers(1, 20, size=(36, 6)).astype("int32")
    tokens[::2, 3:] = 0
    tokens[1::4, 5:] = 0
    y = rng.integers(0, 5, size=(36, 6))
    inputs = keras.Input((6,), dtype="int32")
    h = layers.Embedding(20, 6, mask_zero=True)(inputs)
    h = layers.LSTM(8, return_sequences=True)(h)
    model = keras.Model(inputs, layers.TimeDistributed(layers.Dense(5, activation="softmax"))(h))
    compile_args = dict(optimizer=keras.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy",
                        metrics=["accuracy"])
    fit_args = dict(x=tokens, y=y, batch_size=8, epochs=2, validation_split=0.25)
    return model, compile_args, fit_args


def multi_label_metrics():
    # Metric configurations beyond the defaults: multi-label and PR AUC, thresholds, top_k.
    x = rng.normal(size=(60, 7)).astype("float32")
    y = (rng.uniform(size=(60, 3)) > 0.6).astype("float32")
    inputs = keras.Input((7,))
    h = layers.Dense(10, activation="relu")(inputs)
    model = keras.Model(inputs, layers.Dense(3, activation="sigmoid")(h))
    compile_args = dict(
        optimizer=keras.optimizers.Adamax(0.02),
        loss=keras.losses.BinaryCrossentropy(label_smoothing=0.1),
        metrics=[keras.metrics.AUC(multi_label=True, name="auc_ml"), keras.metrics.AUC(curve="PR", name="pr"),
                 keras.metrics.Precision(thresholds=0.3, name="p03"), keras.metrics.Recall(top_k=2, name="r2"),
                 keras.metrics.BinaryAccuracy(threshold=0.6, name="acc06"), "mse"])
    fit_args = dict(x=x, y=y, batch_size=16, epochs=2, validation_split=0.2)
    return model, compile_args, fit_args


def regularized_constrained():
    # Weight/activity regularizers in the loss, constraints applied after each update.
    x = rng.normal(size=(50, 6)).astype("float32")
    y = rng.normal(size=(50, 2)).astype("float32")
    inputs = keras.Input((6,))
    h = layers.Dense(8, activation="tanh", kernel_regularizer=keras.regularizers.L1L2(0.01, 0.02),
                     bias_regularizer="l2", activity_regularizer=keras.regularizers.L1(0.001),
                     kernel_constraint=keras.constraints.MaxNorm(0.5))(inputs)
    h = layers.Dense(4, kernel_constraint=keras.constraints.NonNeg(),
                     bias_constraint=keras.constraints.MinMaxNorm(0.1, 0.3, rate=0.5, axis=0))(h)
    out = layers.Dense(2, kernel_constraint=keras.constraints.UnitNorm(axis=0),
                       kernel_regularizer=keras.regularizers.OrthogonalRegularizer(0.01))(h)
    model = keras.Model(inputs, out)
    compile_args = dict(optimizer=keras.optimizers.SGD(0.05, momentum=0.5), loss="mae", metrics=["mse"])
    fit_args = dict(x=x, y=y, batch_size=10, epochs=3)
    return model, compile_args, fit_args


def temporal_sample_weights():
    # Per-step sample weights (batch, timesteps) on a sequence output, with weighted metrics.
    x = rng.normal(size=(40, 5, 3)).astype("float32")
    y = rng.integers(0, 4, size=(40, 5))
    weights = rng.uniform(0.0, 2.0, size=(40, 5)).astype("float32")
    inputs = keras.Input((5, 3))
    h = layers.GRU(6, return_sequences=True)(inputs)
    model = keras.Model(inputs, layers.Dense(4, activation="softmax")(h))
    compile_args = dict(optimizer=keras.optimizers.Nadam(0.01), loss="sparse_categorical_crossentropy",
                        metrics=["accuracy"], weighted_metrics=["accuracy"])
    fit_args = dict(x=x, y=y, sample_weight=weights, batch_size=8, epochs=2)
    return model, compile_args, fit_args


def early_stopping_restore():
    # EarlyStopping with restore_best_weights and min_delta, a LearningRateScheduler, and
    # validation_data with sample weights; the History must stop at the same epoch.
    x = rng.normal(size=(48, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 1))).astype("float32")
    inputs = keras.Input((5,))
    model = keras.Model(inputs, layers.Dense(1)(layers.Dense(6, activation="relu")(inputs)))
    compile_args = dict(optimizer=keras.optimizers.Adagrad(0.5), loss="mse", metrics=["mae"])
    callbacks = [keras.callbacks.EarlyStopping(monitor="val_mae", patience=1, min_delta=0.01,
                                               restore_best_weights=True),
                 keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.7)]
    fit_args = dict(x=x, y=y, batch_size=12, epochs=12, callbacks=callbacks,
                    validation_data=(x[:16], y[:16] + 0.5, np.linspace(0.5, 1.5, 16).astype("float32")))
    return model, compile_args, fit_args


def recurrent_loops():
    # The step-loop RNN paths (GRU reset_after=False, go_backwards SimpleRNN, stacked cells) in a
    # Sequential model, trained: their gradients must match Keras's too.
    x = rng.normal(size=(30, 6, 3)).astype("float32")
    y = rng.normal(size=(30, 2)).astype("float32")
    model = keras.Sequential([
        keras.Input((6, 3)),
        layers.GRU(4, reset_after=False, return_sequences=True),
        layers.SimpleRNN(3, go_backwards=True, return_sequences=True, activation="relu"),
        layers.RNN(layers.StackedRNNCells([layers.LSTMCell(3), layers.GRUCell(2)])),
        layers.Dense(2),
    ])
    compile_args = dict(optimizer=keras.optimizers.RMSprop(0.01, momentum=0.3), loss="huber")
    fit_args = dict(x=x, y=y, batch_size=8, epochs=2)
    return model, compile_args, fit_args


def conv_channels_first_bn():
    # channels_first convolutions (plain, separable, depthwise, transposed) with BatchNormalization
    # on axis 1 in training mode: moving statistics and gradients as Keras.
    x = rng.normal(size=(24, 3, 8, 8)).astype("float32")
    y = rng.integers(0, 3, size=(24,))
    cf = "channels_first"
    inputs = keras.Input((3, 8, 8))
    h = layers.Conv2D(4, 3, padding="same", data_format=cf)(inputs)
    h = layers.BatchNormalization(axis=1, momentum=0.8)(h)
    h = layers.SeparableConv2D(6, 3, data_format=cf, activation="relu")(h)
    h = layers.DepthwiseConv2D(2, strides=2, data_format=cf)(h)
    h = layers.Conv2DTranspose(4, 2, strides=2, data_format=cf)(h)
    h = layers.MaxPooling2D(data_format=cf)(h)
    h = layers.GlobalAveragePooling2D(data_format=cf)(h)
    model = keras.Model(inputs, layers.Dense(3, activation="softmax")(h))
    compile_args = dict(optimizer=keras.optimizers.AdamW(0.01, weight_decay=0.05, amsgrad=True),
                        loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    fit_args = dict(x=x, y=y, batch_size=6, epochs=2, validation_split=0.25)
    return model, compile_args, fit_args


def attention_training():
    # Self-attention over a padded, masked token sequence (rows with no valid key included),
    # causal attention, Attention/AdditiveAttention, LayerNormalization and masked pooling, trained.
    # Each attention layer reads its own embedding: Keras's MultiHeadAttention deletes the mask of
    # the tensors it is called on, so a second consumer of the same tensor would run unmasked in
    # Keras (lamina keeps masks; see the closing note).
    tokens = rng.integers(1, 25, size=(32, 7)).astype("int32")
    tokens[::3, 4:] = 0
    y = rng.integers(0, 2, size=(32, 1)).astype("float32")
    inputs = keras.Input((7,), dtype="int32")
    e1, e2, e3 = (layers.Embedding(25, 8, mask_zero=True)(inputs) for _ in range(3))
    a = layers.MultiHeadAttention(num_heads=2, key_dim=4)(e1, e1)  # value_dim != key_dim: Keras-JAX fails
    c = layers.MultiHeadAttention(num_heads=2, key_dim=4)(e2, e2, use_causal_mask=True)
    h = layers.LayerNormalization()(layers.add([a, c]))
    d = layers.Attention(use_scale=True)([h, e3])
    s = layers.AdditiveAttention()([h, e3])
    pooled = layers.GlobalAveragePooling1D()(layers.concatenate([d, s]))
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(pooled))
    compile_args = dict(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy",
                        metrics=[keras.metrics.AUC()])
    fit_args = dict(x=tokens, y=y, batch_size=8, epochs=2, validation_split=0.25)
    return model, compile_args, fit_args


MODELS = {f.__name__: f for f in (classifier, multi_task, regression_sgd, text_lstm, cnn_callbacks, plateau_lion,
                                  seq2seq_masked_loss, multi_label_metrics,
                                  regularized_constrained, temporal_sample_weights, early_stopping_restore,
                                  recurrent_loops, conv_channels_first_bn, attention_training)}


def compare(name, history, reference):
    if sorted(history) != sorted(reference):
        print(f"{name:16s} FAILED: log names differ: lamina {sorted(history)} vs Keras {sorted(reference)}")
        return
    worst = max((abs(a - b) / max(1.0, abs(b)), key) for key in reference
                if key not in SKIPPED_LOGS.get(name, ()) for a, b in zip(history[key], reference[key]))
    count = len(next(iter(reference.values())))
    print(f"{name:16s} {len(reference)} logs x {count} epochs, worst relative difference "
          f"{worst[0]:.1e} ({worst[1]})", "OK" if worst[0] < 1e-4 else "FAILED")
    if worst[0] >= 1e-4:
        print(f"  lamina {history}\n  Keras  {reference}")


def torch_style_cases():
    """Code written for Keras's torch backend: Keras (torch backend) writes, lamina compares."""
    import os

    from torch_style_cases import CASES

    for name, build in CASES.items():
        keras.utils.set_random_seed(0)
        model, run = build(keras)
        prefix = f"{out}/torch_{name}"
        if framework == "keras-torch":
            np.savez(f"{prefix}.weights.npz", *model.get_weights())
        elif not os.path.exists(f"{prefix}.weights.npz"):
            return
        else:
            stored = np.load(f"{prefix}.weights.npz")
            model.set_weights([stored[f"arr_{i}"] for i in range(len(stored.files))])
        history = run()
        if framework == "keras-torch":
            with open(f"{prefix}.history.json", "w") as f:
                json.dump(history, f)
            continue
        with open(f"{prefix}.history.json") as f:
            compare(name, history, json.load(f))


if framework == "keras-torch":
    assert keras.backend.backend() == "torch", "keras-torch needs KERAS_BACKEND=torch"
    torch_style_cases()
    sys.exit(0)

for name, build in MODELS.items():
    keras.utils.set_random_seed(0)
    model, compile_args, fit_args = build()
    model.compile(**compile_args)
    if framework == "keras":
        np.savez(f"{out}/{name}.weights.npz", *model.get_weights())
    else:
        stored = np.load(f"{out}/{name}.weights.npz")
        model.set_weights([stored[f"arr_{i}"] for i in range(len(stored.files))])
    history = model.fit(shuffle=False, verbose=0, **fit_args).history
    history = {k: [float(v) for v in values] for k, values in history.items()}
    if framework == "keras":
        with open(f"{out}/{name}.history.json", "w") as f:
            json.dump(history, f)
        continue
    with open(f"{out}/{name}.history.json") as f:
        compare(name, history, json.load(f))

if framework == "lamina":
    torch_style_cases()
