"""Keras 3.15-computed values for the optimizers and losses added for issue 16
(Ftrl, Adafactor, Muon, ScheduleFreeAdamW, LossScaleOptimizer, MultiOptimizer; CTC, Circle).

Run: KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/make_lossopt16_values.py
Writes, under tests/:
- optimizers/lossopt16_steps.npz: per case, the weights after each of five steps
  (`{case}/after{i}/{var}`) and `optimizer.variables` after the fifth (`{case}/var{j}`);
  start values `w0/{var}` and gradients `g{i}/{var}` are shared by all cases.
- optimizers/lossopt16_models/{case}.keras: a small model trained two steps by Keras
  (optimizer state inside), plus `{case}/model/...` in the npz: the batch, the weights
  after a third `train_on_batch`, and the optimizer variables after the second step.
- losses/keras_ctc_circle_values.json: CTC and Circle loss values for fixed inputs.
"""

import json
import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "tests")
SHAPES = {"k1": (4, 3), "b": (3,), "k2": (3, 5), "k3": (2, 4, 3)}
O = keras.optimizers


def cases():
    """name -> (factory, variables used, per-step gradient multipliers)."""
    return {
        "ftrl_default": (lambda: O.Ftrl(), ["k1", "b"]),
        "ftrl_options": (lambda: O.Ftrl(learning_rate=0.1, learning_rate_power=-0.3, initial_accumulator_value=0.2,
                                        l1_regularization_strength=0.01, l2_regularization_strength=0.02,
                                        l2_shrinkage_regularization_strength=0.01, beta=0.5, weight_decay=0.01,
                                        clipnorm=1.0), ["k1", "b"]),
        "adafactor_default": (lambda: O.Adafactor(), ["k1", "b", "k3"]),
        "adafactor_options": (lambda: O.Adafactor(learning_rate=0.01, beta_2_decay=-0.5, epsilon_2=1e-2,
                                                  clip_threshold=0.5, relative_step=False, weight_decay=0.05,
                                                  global_clipnorm=2.0), ["k1", "b", "k3"]),
        "sfadamw_default": (lambda: O.ScheduleFreeAdamW(), ["k1", "b"]),
        "sfadamw_options": (lambda: O.ScheduleFreeAdamW(learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-6,
                                                        warmup_steps=3, weight_decay=0.01, clipvalue=0.5),
                            ["k1", "b"]),
        "muon_default": (lambda: O.Muon(), ["k1", "b", "k2"]),
        "muon_options": (lambda: O.Muon(learning_rate=0.02, adam_beta_1=0.8, adam_beta_2=0.99,
                                        adam_weight_decay=0.05, weight_decay=0.1, exclude_layers=["k2"],
                                        adam_lr_ratio=0.5, momentum=0.9, ns_steps=3, nesterov=False,
                                        rms_rate=None, clipnorm=1.5), ["k1", "b", "k2"]),
        "ftrl_ema_accumulation": (lambda: O.Ftrl(learning_rate=0.1, use_ema=True, ema_momentum=0.9,
                                                 gradient_accumulation_steps=2), ["k1", "b"]),
        "muon_ema_accumulation": (lambda: O.Muon(learning_rate=0.02, use_ema=True, ema_momentum=0.8,
                                                 ema_overwrite_frequency=2, gradient_accumulation_steps=2),
                                  ["k1", "b", "k2"]),
        "lso_sgd": (lambda: O.LossScaleOptimizer(O.SGD(learning_rate=0.1, momentum=0.9), initial_scale=8.0,
                                                 dynamic_growth_steps=2), ["k1", "b"]),
        "lso_adam": (lambda: O.LossScaleOptimizer(O.Adam(learning_rate=0.01, weight_decay=0.01)),
                     ["k1", "b"]),
        "multi": (lambda: O.MultiOptimizer(O.OptimizerMap(O.SGD(learning_rate=0.1, momentum=0.9),
                                                          {"k2": O.Adam(learning_rate=0.01), "unused.*": O.Lion()})),
                  ["k1", "b", "k2"]),
    }


def scaled(case, step, g):
    """LossScaleOptimizer cases see loss-scaled gradients; step 2 of `lso_sgd` overflows."""
    if not case.startswith("lso"):
        return g
    scale = {"lso_sgd": [8.0, 16.0, 16.0, 8.0, 16.0], "lso_adam": [2.0 ** 15] * 5}[case][step]
    if case == "lso_sgd" and step == 2:
        g = g.copy()
        g.flat[0] = np.inf
    return g * scale


def optimizer_steps(out, meta):
    rng = np.random.default_rng(1616)
    w0 = {k: rng.standard_normal(s).astype("float32") for k, s in SHAPES.items()}
    grads = [{k: rng.standard_normal(s).astype("float32") for k, s in SHAPES.items()} for _ in range(5)]
    for k, v in w0.items():
        out[f"w0/{k}"] = v
    for i, g in enumerate(grads):
        for k, v in g.items():
            out[f"g{i}/{k}"] = v
    for case, (make, names) in cases().items():
        variables = [keras.Variable(w0[n], name=n) for n in names]
        opt = make()
        scales = []
        for i in range(5):
            gs = [keras.ops.convert_to_tensor(scaled(case, i, grads[i][n])) for n in names]
            if case.startswith("lso"):
                # Keras's LossScaleOptimizer runs its eager `apply` only on TF/torch; on JAX it is stateless.
                if not opt.built:  # its `build` does not check `built` itself
                    opt.build(variables)
                new_values, new_opt = opt.stateless_apply([v.value for v in opt.variables], gs,
                                                          [v.value for v in variables])
                for var, value in zip(variables, new_values):
                    var.assign(value)
                for var, value in zip(opt.variables, new_opt):
                    var.assign(value)
            else:
                opt.apply_gradients(list(zip(gs, variables)))
            for n, v in zip(names, variables):
                out[f"{case}/after{i}/{n}"] = np.asarray(v.value)
            if case.startswith("lso"):
                scales.append(float(np.asarray(opt.dynamic_scale.value)))
        values = [np.asarray(v.value) for v in opt.variables]
        for j, value in enumerate(values):
            out[f"{case}/var{j}"] = value
        meta[case] = {"config": keras.optimizers.serialize(opt), "names": names, "n_vars": len(values),
                      "paths": [v.path for v in opt.variables], "scales": scales}


def model_cases():
    return {
        "ftrl": lambda: O.Ftrl(learning_rate=0.1, l1_regularization_strength=0.001),
        "adafactor": lambda: O.Adafactor(learning_rate=0.05),
        "muon": lambda: O.Muon(learning_rate=0.01, exclude_layers=["out"]),
        "sfadamw": lambda: O.ScheduleFreeAdamW(learning_rate=0.01, warmup_steps=2),
        "lso": lambda: O.LossScaleOptimizer(O.Adam(learning_rate=0.01), initial_scale=64.0, dynamic_growth_steps=2),
        "multi": lambda: O.MultiOptimizer(O.OptimizerMap(O.SGD(learning_rate=0.05, momentum=0.9),
                                                         {"out/.*": O.Adam(learning_rate=0.01)})),
        # Conv and Dense kernels that lamina stores in torch layouts: factored statistics in Keras's.
        "adafactor_conv": lambda: O.Adafactor(learning_rate=0.05, weight_decay=0.01),
        "muon_conv": lambda: O.Muon(learning_rate=0.01),
    }


def make_model(case=""):
    if case.endswith("_conv"):
        inputs = keras.Input((5, 5, 2), name="x")
        h = keras.layers.Conv2D(3, 3, activation="tanh", name="conv")(inputs)
        h = keras.layers.Flatten()(h)
        h = keras.layers.Dense(4, activation="tanh", name="hidden")(h)
        return keras.Model(inputs, keras.layers.Dense(2, name="out")(h))
    inputs = keras.Input((6,), name="x")
    h = keras.layers.Dense(5, activation="tanh", name="hidden")(inputs)
    outputs = keras.layers.Dense(2, name="out")(h)
    return keras.Model(inputs, outputs)


def model_round_trips(out, meta):
    rng = np.random.default_rng(16)
    folder = os.path.join(ROOT, "optimizers", "lossopt16_models")
    os.makedirs(folder, exist_ok=True)
    for case, make in model_cases().items():
        keras.utils.set_random_seed(3)
        model = make_model(case)
        model.compile(optimizer=make(), loss="mse")
        in_shape = (8, 5, 5, 2) if case.endswith("_conv") else (8, 6)
        batches = [(rng.standard_normal(in_shape).astype("float32"), rng.standard_normal((8, 2)).astype("float32"))
                   for _ in range(3)]
        for x, y in batches[:2]:
            model.train_on_batch(x, y)
        model.save(os.path.join(folder, f"{case}.keras"))
        for j, v in enumerate(model.optimizer.variables):
            out[f"{case}/model/opt{j}"] = np.asarray(v.value)
        model.train_on_batch(*batches[2])
        out[f"{case}/model/x"], out[f"{case}/model/y"] = batches[2]
        for j, w in enumerate(model.weights):
            out[f"{case}/model/after_w{j}"] = np.asarray(w.value)
        meta[f"model/{case}"] = {"n_opt": len(model.optimizer.variables),
                                 "paths": [v.path for v in model.optimizer.variables],
                                 "weights": [w.path for w in model.weights]}


def losses():
    rng = np.random.default_rng(7)
    values = {}
    # CTC: batch 3, 6 time steps, 5 classes (class 0 is the blank in Keras), labels padded with -1 / 0.
    y_pred = rng.standard_normal((3, 6, 5)).astype("float32")
    probs = np.asarray(keras.ops.softmax(y_pred, axis=-1))
    y_true = np.array([[1, 2, 0], [3, 3, 4], [2, 0, 0]], dtype="int32")
    values["ctc"] = {"y_true": y_true.tolist(), "y_pred": probs.tolist(),
                     "loss": np.asarray(keras.losses.ctc(y_true, probs)).tolist(),
                     "reduced": float(keras.losses.CTC()(y_true, probs)),
                     "sum": float(keras.losses.CTC(reduction="sum")(y_true, probs)),
                     "config": keras.losses.CTC(name="my_ctc").get_config()}
    # Circle: labels and embeddings, with and without reference sets.
    labels = np.array([0, 1, 0, 2, 1, 2], dtype="int32")
    emb = rng.standard_normal((6, 4)).astype("float32")
    ref_labels = np.array([0, 1, 2, 1], dtype="int32")
    ref_emb = rng.standard_normal((4, 4)).astype("float32")
    values["circle"] = {
        "labels": labels.tolist(), "emb": emb.tolist(), "ref_labels": ref_labels.tolist(), "ref_emb": ref_emb.tolist(),
        "fn_default": np.asarray(keras.losses.circle(labels, emb)).tolist(),
        "fn_options": np.asarray(keras.losses.circle(labels, emb, ref_labels=ref_labels, ref_embeddings=ref_emb,
                                                     remove_diagonal=False, gamma=32.0, margin=0.4)).tolist(),
        "fn_no_diag": np.asarray(keras.losses.circle(labels, emb, remove_diagonal=False)).tolist(),
        "cls_default": float(keras.losses.Circle()(labels, emb)),
        "cls_weighted": float(keras.losses.Circle(gamma=16.0, margin=0.3)(labels, emb,
                                                                          sample_weight=np.arange(6) / 5.0)),
        "config": keras.losses.Circle(gamma=16.0, margin=0.3, name="c").get_config(),
        "ctc_signature": list(__import__("inspect").signature(keras.losses.CTC).parameters),
        "circle_signature": list(__import__("inspect").signature(keras.losses.Circle).parameters),
        "scce_signature": list(__import__("inspect").signature(keras.losses.SparseCategoricalCrossentropy).parameters),
    }
    with open(os.path.join(ROOT, "losses", "keras_ctc_circle_values.json"), "w") as f:
        json.dump(values, f, indent=0)


def signatures():
    """Keras's constructor signatures (names, order, defaults) of every optimizer and the new losses."""
    import inspect

    def sig(obj):
        return [[p.name, None if p.default is inspect.Parameter.empty else repr(p.default)]
                for p in inspect.signature(obj).parameters.values()]

    out = {f"optimizers.{n}": sig(getattr(O, n)) for n in dir(O) if inspect.isclass(getattr(O, n))}
    out.update({f"losses.{n}": sig(getattr(keras.losses, n))
                for n in ("CTC", "Circle", "ctc", "circle", "SparseCategoricalCrossentropy")})
    with open(os.path.join(ROOT, "optimizers", "keras_signatures_lossopt16.json"), "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)


def main():
    signatures()
    out, meta = {}, {}
    optimizer_steps(out, meta)
    model_round_trips(out, meta)
    out["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(os.path.join(ROOT, "optimizers", "lossopt16_steps.npz"), **out)
    losses()
    print(json.dumps({k: v.get("paths") for k, v in meta.items()}, indent=0)[:3000])


if __name__ == "__main__":
    main()
