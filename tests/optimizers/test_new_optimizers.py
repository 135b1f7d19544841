"""Adadelta and Lamb against steps computed by Keras 3.15.1
(tools/keras_crosscheck/make_new_optimizer_steps.py -> new_optimizer_steps.npz):
weights after each of five steps and the Keras slot variables after the fifth,
read through the same slot mapping the `.keras` optimizer-state writer uses.

Tolerance: float32, rtol 1e-5 / atol 1e-6.
"""

import json
import os

import numpy as np
import pytest
import torch

import lamina.optimizers as optimizers

RTOL, ATOL = 1e-5, 1e-6
DATA = np.load(os.path.join(os.path.dirname(__file__), "new_optimizer_steps.npz"))
META = json.loads(bytes(DATA["meta"]).decode())


@pytest.mark.parametrize("path", ["apply_gradients", "step"])
@pytest.mark.parametrize("key", sorted(META))
def test_steps_and_slots_match_keras(key, path):
    case = META[key]
    var = torch.nn.Parameter(torch.as_tensor(DATA["w0"]).clone())
    opt = getattr(optimizers, case["class"])(**case["args"])
    if path == "step":
        opt.build([var])
    for i in range(5):
        grad = torch.as_tensor(DATA[f"g{i}"]).clone()
        if path == "step":
            var.grad = grad
            opt.step()
        else:
            opt.apply_gradients([(grad, var)])
        np.testing.assert_allclose(var.detach().numpy(), DATA[f"{key}/after{i}"], rtol=RTOL, atol=ATOL)
    # Keras's variables: iteration, learning_rate, then the two slots in order.
    assert int(opt.iterations) == int(DATA[f"{key}/slot0"])
    slot_keys = [k for group in opt._keras_slot_groups() for k in group]
    assert len(slot_keys) == case["n_slots"] - 2
    for j, k in enumerate(slot_keys):
        value = opt._slot_to_keras(k, opt.torch_optimizer.state[var][k])
        np.testing.assert_allclose(value.numpy(), DATA[f"{key}/slot{j + 2}"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cls, extra", [("Adadelta", {"rho": 0.9, "epsilon": 1e-6}),
                                        ("Lamb", {"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6})])
def test_config_round_trip_and_lookup(cls, extra):
    opt = getattr(optimizers, cls)(learning_rate=0.01, **extra)
    config = opt.get_config()
    for k, v in extra.items():
        assert config[k] == v
    again = getattr(optimizers, cls).from_config(config)
    assert again.get_config() == config
    assert isinstance(optimizers.get(cls.lower()), getattr(optimizers, cls))
    restored = optimizers.deserialize(optimizers.serialize(opt))
    assert type(restored).__name__ == cls


def test_adadelta_rejects_bad_rho():
    with pytest.raises(ValueError, match="Adadelta expects `rho` in \\[0, 1\\].*rho=1.5"):
        optimizers.Adadelta(rho=1.5)


def test_lamb_trust_ratio_is_one_for_zero_weights():
    # |w| = 0: Keras falls back to ratio 1, i.e. a bias-corrected Adam step of size ~lr.
    var = torch.nn.Parameter(torch.zeros(3))
    opt = optimizers.Lamb(learning_rate=0.1)
    opt.apply_gradients([(torch.tensor([1.0, -2.0, 0.5]), var)])
    np.testing.assert_allclose(var.detach().numpy(), [-0.1, 0.1, -0.1], rtol=1e-5)
