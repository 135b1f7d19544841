"""`summary()` after `compile()` and before `fit()`: Keras 3 shows no optimizer line until the optimizer
has built its variables (checked with Keras 3.15.1: 10 params, then 32 with 22 optimizer params)."""

import numpy as np

import lamina as keras
from lamina import layers


def footer(model, capsys):
    model.summary()
    return [line.strip() for line in capsys.readouterr().out.splitlines() if "params" in line]


def test_totals_after_compile_then_after_fit(capsys):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    model.compile("adam", "mse")
    assert footer(model, capsys) == ["Total params: 10 (40.00 B)", "Trainable params: 10 (40.00 B)",
                                     "Non-trainable params: 0 (0.00 B)"]
    model.fit(np.ones((4, 4), "float32"), np.ones((4, 2), "float32"), verbose=0)
    lines = footer(model, capsys)
    assert lines[0].startswith("Total params: 32 ") and lines[-1].startswith("Optimizer params: 22 ")
