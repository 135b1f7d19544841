"""Ftrl, Adafactor, Muon, ScheduleFreeAdamW, LossScaleOptimizer and MultiOptimizer against
Keras 3.15.1 (tools/keras_crosscheck/make_lossopt16_values.py -> lossopt16_steps.npz):
the weights after each of five steps and Keras's `optimizer.variables` after the fifth,
read through the same mapping the `.keras` writer uses (`keras_optimizer_variables`).

Tolerance: float32, rtol 1e-5 / atol 1e-6 (Muon's Newton-Schulz matmuls: atol 1e-5).
"""

import json
import os

import numpy as np
import pytest
import torch

import lamina.optimizers as optimizers
from lamina.saving.optimizer_state import keras_optimizer_variables

RTOL, ATOL = 1e-5, 1e-6
DATA = np.load(os.path.join(os.path.dirname(__file__), "lossopt16_steps.npz"))
META = json.loads(bytes(DATA["meta"]).decode())
STEP_CASES = sorted(k for k in META if not k.startswith("model/"))


class _NoModel:
    """Stands in for a model in `keras_optimizer_variables`: weights in Keras layout, no permutations."""

    def __init__(self, params):
        self.trainable_weights = params

    def _weight_perm(self, param):
        return None


def _run(case, path):
    meta = META[case]
    names = meta["names"]
    params = [torch.nn.Parameter(torch.as_tensor(DATA[f"w0/{n}"]).clone()) for n in names]
    opt = optimizers.deserialize(meta["config"])
    opt.build(list(zip(names, params)))
    atol = 1e-5 if case.startswith("muon") else ATOL
    for i in range(5):
        grads = [torch.as_tensor(_scaled(case, i, DATA[f"g{i}/{n}"])) for n in names]
        if path == "step":
            for p, g in zip(params, grads):
                p.grad = g.clone()
            opt.step()
        else:
            opt.apply_gradients(zip(grads, params))
        for n, p in zip(names, params):
            np.testing.assert_allclose(p.detach().numpy(), DATA[f"{case}/after{i}/{n}"], rtol=RTOL, atol=atol,
                                       err_msg=f"{case} step {i} {n}")
        if meta["scales"]:
            assert opt.dynamic_scale == meta["scales"][i]
    return opt, params


def _scaled(case, step, g):
    # Same as the generator: loss-scaled gradients, one overflowing step for lso_sgd.
    if not case.startswith("lso"):
        return g
    scale = {"lso_sgd": [8.0, 16.0, 16.0, 8.0, 16.0], "lso_adam": [2.0 ** 15] * 5}[case][step]
    if case == "lso_sgd" and step == 2:
        g = g.copy()
        g.flat[0] = np.inf
    return g * scale


@pytest.mark.parametrize("path", ["apply_gradients", "step"])
@pytest.mark.parametrize("case", STEP_CASES)
def test_steps_and_variables_match_keras(case, path):
    opt, params = _run(case, path)
    values = keras_optimizer_variables(_NoModel(params), opt)
    assert len(values) == META[case]["n_vars"], META[case]["paths"]
    atol = 1e-5 if case.startswith("muon") else ATOL
    for j, value in enumerate(values):
        expected = DATA[f"{case}/var{j}"]
        assert np.shape(value) == expected.shape, (j, META[case]["paths"][j])
        np.testing.assert_allclose(np.asarray(value, dtype=np.float64), expected.astype(np.float64), rtol=RTOL,
                                   atol=atol, err_msg=META[case]["paths"][j])


@pytest.mark.parametrize("case", STEP_CASES)
def test_config_matches_keras_and_round_trips(case):
    keras_config = META[case]["config"]
    opt = optimizers.deserialize(keras_config)
    ours = optimizers.serialize(opt)
    assert ours["class_name"] == keras_config["class_name"] and ours["module"] == "keras.optimizers"

    def strip(config):  # Keras writes float32 learning rates and uniquified names
        if isinstance(config, dict):
            return {k: strip(v) for k, v in config.items() if k != "name"}
        if isinstance(config, float):
            return round(config, 6)
        return config

    assert strip(ours) == strip(keras_config)
    again = optimizers.deserialize(ours)
    assert optimizers.serialize(again) == ours


def test_default_names_follow_keras():
    assert [cls().name for cls in (optimizers.Ftrl, optimizers.Adafactor, optimizers.Muon,
                                   optimizers.ScheduleFreeAdamW)] == ["ftrl", "adafactor", "muon",
                                                                      "schedule_free_adam_w"]
    assert optimizers.LossScaleOptimizer(optimizers.SGD()).name == "loss_scale_optimizer"
    assert optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD())).name == "multi_optimizer"
    import inspect

    for name in optimizers.__all__:
        obj = getattr(optimizers, name)
        if inspect.isclass(obj) and issubclass(obj, optimizers.Optimizer) and obj is not optimizers.Optimizer:
            assert inspect.signature(obj).parameters["name"].default is None, name


def test_loss_scale_optimizer_is_in_mixed_precision_and_scales_loss():
    from lamina.mixed_precision import LossScaleOptimizer

    assert LossScaleOptimizer is optimizers.LossScaleOptimizer
    inner = optimizers.SGD(learning_rate=0.1, loss_scale_factor=4.0)
    opt = LossScaleOptimizer(inner, initial_scale=32.0)
    assert inner.loss_scale_factor is None
    assert float(opt.scale_loss(torch.tensor(2.0))) == 64.0
    assert opt.learning_rate == pytest.approx(0.1)
    opt.learning_rate = 0.2
    assert inner.learning_rate == pytest.approx(0.2)


def test_loss_scale_optimizer_skips_nonfinite_steps():
    p = torch.nn.Parameter(torch.ones(2))
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(learning_rate=1.0), initial_scale=4.0,
                                        dynamic_growth_steps=10)
    opt.build([p])
    p.grad = torch.tensor([float("nan"), 1.0])
    opt.step()
    assert torch.equal(p.detach(), torch.ones(2)) and opt.dynamic_scale == 2.0 and int(opt.iterations) == 0
    p.grad = torch.tensor([2.0, 4.0])
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [0.0, -1.0])
    assert int(opt.iterations) == 1 and opt.step_counter == 1


def test_loss_scale_optimizer_rejects_base_arguments():
    with pytest.raises(ValueError, match="does not support `clipnorm`.*set `clipnorm` on the `inner_optimizer`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="no longer supports `dynamic=False`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic=False)
    with pytest.raises(TypeError, match="`inner_optimizer` must be"):
        optimizers.LossScaleOptimizer("adam")


def test_optimizer_map_lookup_rules():
    adam, sgd, rms = optimizers.Adam(), optimizers.SGD(), optimizers.RMSprop()
    m = optimizers.OptimizerMap(default_optimizer=rms)
    m["encoder/layer_0/dense"] = adam
    m["encoder/.*"] = sgd
    m["decoder"] = adam
    assert m["decoder"] is adam and m["encoder/layer_0/dense"] is adam
    assert m["encoder/layer_0/attention/query"] is sgd and m["decoder/layer_0/dense"] is rms
    with pytest.raises(ValueError, match="already exists in the OptimizerMap"):
        m["decoder"] = sgd
    m["enc.*"] = sgd
    with pytest.raises(ValueError, match="Multiple optimizers assigned to variable encoder/x"):
        m["encoder/x"]
    with pytest.raises(ValueError, match="cannot be LossScaleOptimizer"):
        m["x"] = optimizers.LossScaleOptimizer(optimizers.SGD())
    with pytest.raises(TypeError, match="default_optimizer` must be a Keras Optimizer"):
        optimizers.OptimizerMap("sgd")


def test_multi_optimizer_callable_map_and_learning_rate_error():
    a, b = optimizers.SGD(learning_rate=1.0), optimizers.SGD(learning_rate=0.5)
    p1, p2 = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(3))
    opt = optimizers.MultiOptimizer(lambda v: a if v.numel() == 2 else b)
    opt.apply([torch.ones(2), torch.ones(3)], [p1, p2])
    np.testing.assert_allclose(p1.detach().numpy(), [-1.0, -1.0])
    np.testing.assert_allclose(p2.detach().numpy(), [-0.5] * 3)
    assert opt.optimizers == [a, b] and int(opt.iterations) == 1
    with pytest.raises(AttributeError, match="cannot be accessed on a MultiOptimizer"):
        opt.learning_rate
    with pytest.raises(ValueError, match="Gradients must match trainable variables one-to-one"):
        opt.apply([torch.ones(2)], [p1])


def test_ftrl_rejects_bad_arguments():
    with pytest.raises(ValueError, match="`learning_rate_power` needs to be negative or zero.*=0.5"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="`l1_regularization_strength` needs to be positive or zero"):
        optimizers.Ftrl(l1_regularization_strength=-1.0)


def test_muon_orthogonalizes_transposed_kernels_alike():
    from lamina.optimizers.muon import zeropower_via_newtonschulz5

    x = torch.randn(5, 3, dtype=torch.float64)
    np.testing.assert_allclose(zeropower_via_newtonschulz5(x.T, 5).numpy(), zeropower_via_newtonschulz5(x, 5).T.numpy(),
                               rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        zeropower_via_newtonschulz5(torch.ones(3), 5)


def test_fit_with_loss_scale_optimizer_equals_plain_inner(jit_compile=False):
    # fit backpropagates `optimizer.scale_loss(loss)`, the optimizer unscales: same steps as the inner
    # optimizer alone (power-of-two scale, exact in float32).
    import lamina as keras

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 4)).astype("float32"), rng.standard_normal((16, 1)).astype("float32")
    results = []
    for wrap in (False, True):
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh"), keras.layers.Dense(1)])
        inner = optimizers.SGD(learning_rate=0.1, momentum=0.9)
        opt = optimizers.LossScaleOptimizer(inner, initial_scale=1024.0, dynamic_growth_steps=2) if wrap else inner
        model.compile(optimizer=opt, loss="mse", jit_compile=jit_compile)
        model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
        results.append(model.get_weights())
        if wrap:
            assert opt.dynamic_scale == 1024.0 * 2 ** 4 and int(opt.iterations) == 8
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_legacy_namespace_explains_removal():
    from lamina.optimizers import legacy

    for name in ("Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"):
        with pytest.raises(ImportError, match="`keras.optimizers.legacy` is not supported in Keras 3"):
            getattr(legacy, name)(learning_rate=0.1)


def test_loss_scale_state_reads_like_keras_variables():
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(), initial_scale=8.0)
    assert opt.dynamic_scale.numpy() == np.float32(8.0) and opt.step_counter.numpy() == np.int32(0)
    opt.dynamic_scale.assign(4.0)
    assert float(opt.scale_loss(torch.tensor(1.0))) == 4.0


def test_signatures_equal_keras():
    # Names, positional order and defaults of every Keras 3.15 optimizer class (and the new losses).
    import inspect

    import lamina.losses as losses

    stored = json.load(open(os.path.join(os.path.dirname(__file__), "keras_signatures_lossopt16.json")))
    for key, expected in stored.items():
        module, name = key.split(".")
        obj = getattr(optimizers if module == "optimizers" else losses, name)
        ours = [[p.name, None if p.default is inspect.Parameter.empty else repr(p.default)]
                for p in inspect.signature(obj).parameters.values()]
        assert ours == expected, key
