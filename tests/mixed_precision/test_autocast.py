"""Mixed dtype policies on torch.autocast (CPU, bfloat16) and float16 loss scaling."""

import numpy as np
import pytest
import torch

import lamina
from lamina.layers import Dense, TorchModuleWrapper
from lamina.mixed_precision import set_dtype_policy
from lamina.mixed_precision.loss_scale import DynamicLossScaler


@pytest.fixture(autouse=True)
def _restore_policy():
    yield
    set_dtype_policy(None)


def test_layer_policy_computes_bfloat16_with_float32_weights():
    layer = Dense(4, dtype="mixed_bfloat16")
    out = layer(torch.ones(2, 3))
    assert out.dtype == torch.bfloat16
    assert layer.kernel.dtype == torch.float32
    assert layer.compute_dtype == "bfloat16" and layer.variable_dtype == "float32"


def test_global_policy_and_wrapped_torch_module():
    set_dtype_policy("mixed_bfloat16")
    wrapper = TorchModuleWrapper(torch.nn.Linear(3, 2))
    assert wrapper(torch.ones(2, 3)).dtype == torch.bfloat16
    assert wrapper.module.weight.dtype == torch.float32


def test_fit_mixed_bfloat16_trains_float32_weights():
    set_dtype_policy("mixed_bfloat16")
    inputs = lamina.Input(shape=(4,))
    hidden = Dense(8, activation="relu")(inputs)
    outputs = Dense(1, dtype="float32")(hidden)
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    x = np.random.rand(64, 4).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert model._loss_scaler is None  # bfloat16 needs no loss scaling


def test_fit_mixed_float16_uses_loss_scaling():
    inputs = lamina.Input(shape=(4,))
    outputs = Dense(1, dtype="mixed_float16")(inputs)
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    before = model.layers[1].kernel.detach().clone()
    # Early steps may overflow at the initial scale (2**15): they are skipped and the scale halves.
    model.fit(np.ones((8, 4), "float32"), np.ones((8, 1), "float32"), epochs=20, verbose=0)
    scaler = model._loss_scaler
    assert isinstance(scaler, DynamicLossScaler)
    assert scaler.scale_value == 2.0 ** 15 / 2 ** scaler.skipped_steps and scaler.skipped_steps < 20
    assert not torch.equal(before, model.layers[1].kernel)


def test_loss_scaler_skips_overflow_and_halves_scale():
    param = torch.nn.Parameter(torch.ones(2))
    steps = []
    scaler = DynamicLossScaler([param], lambda: steps.append(1), initial_scale=8.0, growth_interval=2)
    param.grad = torch.tensor([float("inf"), 1.0])
    scaler.step()
    assert steps == [] and scaler.scale_value == 4.0 and scaler.skipped_steps == 1
    for _ in range(2):
        param.grad = torch.tensor([4.0, 4.0])
        scaler.step()
    assert steps == [1, 1] and scaler.scale_value == 8.0
    torch.testing.assert_close(param.grad, torch.tensor([1.0, 1.0]))


def test_unsupported_autocast_falls_back_with_warning(monkeypatch):
    from lamina.mixed_precision import autocast as autocast_module

    def unsupported(device_type, dtype):
        raise RuntimeError(f"autocast not supported for {device_type}")

    monkeypatch.setattr(autocast_module.torch, "autocast", unsupported)
    monkeypatch.setattr(autocast_module, "_WARNED", set())
    layer = Dense(2, dtype="mixed_float16")
    with pytest.warns(UserWarning, match=r"Dense|dense.*does not support.*Falling back to float32"):
        out = layer(torch.ones(1, 3))
    assert out.dtype == torch.float32
