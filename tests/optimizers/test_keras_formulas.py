"""Longer runs against a float64 transcription of Keras's update code
(`_keras_reference.py`): changing learning rates (including steps at rate 0),
decoupled weight decay for every optimizer, tiny gradients (where Keras's
epsilon placement matters), several variables with missing gradients, gradient
accumulation, EMA and loss scaling.

Tolerance: the float32 run against the float64 reference, rtol 1e-5 / atol 1e-6.
"""

import numpy as np
import pytest
import torch

import lamina.optimizers as optimizers
from lamina.optimizers.schedules import ExponentialDecay, PiecewiseConstantDecay
from ._keras_reference import run

RTOL, ATOL = 1e-5, 1e-6
RNG = np.random.default_rng(7)
W0 = [RNG.standard_normal((3, 2)).astype(np.float32), RNG.standard_normal(4).astype(np.float32)]
GRADS = [[RNG.standard_normal(w.shape).astype(np.float32) for w in W0] for _ in range(8)]
TINY = [[(g * 1e-4).astype(np.float32) for g in step] for step in GRADS]
# Rate 0.1, then 0 for two steps, then 0.05 (a warmup-from-zero / restart shape).
ZERO_GAP = dict(boundaries=[1, 3], values=[0.1, 0.0, 0.05])


def _run_lamina(cls, args, grads, path):
    params = [torch.nn.Parameter(torch.as_tensor(w).clone()) for w in W0]
    opt = cls(**args)
    if path == "step":
        opt.build(params)
    for step in grads:
        if path == "step":
            for p, g in zip(params, step):
                p.grad = None if g is None else torch.as_tensor(g).clone()
            opt.step()
        else:
            opt.apply_gradients([(None if g is None else torch.as_tensor(g), p) for p, g in zip(params, step)])
    return [p.detach().numpy() for p in params], opt


def _lr_fn(args):
    lr = args.get("learning_rate", 0.001)
    return lr if callable(lr) else (lambda it: lr)


CASES = [
    ("SGD", dict(learning_rate=PiecewiseConstantDecay(**ZERO_GAP), momentum=0.9), GRADS),
    ("SGD", dict(learning_rate=PiecewiseConstantDecay(**ZERO_GAP), momentum=0.9, nesterov=True), GRADS),
    ("SGD", dict(learning_rate=ExponentialDecay(0.1, 2, 0.5), momentum=0.5, weight_decay=0.1), GRADS),
    ("RMSprop", dict(learning_rate=PiecewiseConstantDecay(**ZERO_GAP), momentum=0.5, centered=True), GRADS),
    ("RMSprop", dict(learning_rate=0.01, weight_decay=0.05), TINY),
    ("RMSprop", dict(learning_rate=ExponentialDecay(0.01, 3, 0.5), rho=0.8, momentum=0.9), TINY),
    ("Adam", dict(learning_rate=ExponentialDecay(0.01, 2, 0.7), weight_decay=0.01, amsgrad=True), GRADS),
    ("AdamW", dict(learning_rate=0.01, weight_decay=0.1, beta_1=0.8, epsilon=1e-3), TINY),
    ("Adagrad", dict(learning_rate=ExponentialDecay(0.1, 2, 0.5), weight_decay=0.05), GRADS),
    ("Adagrad", dict(learning_rate=0.1, initial_accumulator_value=0.0), TINY),
    ("Adamax", dict(learning_rate=ExponentialDecay(0.01, 2, 0.5), weight_decay=0.05), GRADS),
    ("Adamax", dict(learning_rate=0.01, beta_2=0.5, epsilon=1e-3), TINY),
    ("Nadam", dict(learning_rate=ExponentialDecay(0.01, 2, 0.5), weight_decay=0.05), GRADS),
    ("Lion", dict(learning_rate=ExponentialDecay(0.01, 2, 0.5), weight_decay=0.5), GRADS),
    ("Adadelta", dict(learning_rate=ExponentialDecay(1.0, 2, 0.5), weight_decay=0.05), GRADS),
    ("Adadelta", dict(learning_rate=1.0, rho=0.8, epsilon=1e-4), TINY),
    ("Lamb", dict(learning_rate=ExponentialDecay(0.01, 2, 0.5), weight_decay=0.05), GRADS),
    ("Lamb", dict(learning_rate=0.01, beta_1=0.8, epsilon=1e-3), TINY),
    ("Lamb", dict(learning_rate=0.01, gradient_accumulation_steps=3), GRADS),
    ("SGD", dict(learning_rate=0.1, global_clipnorm=0.5), GRADS),
    ("RMSprop", dict(learning_rate=0.01, clipnorm=0.1), GRADS),
    ("Adam", dict(learning_rate=0.01, gradient_accumulation_steps=3), GRADS),
    ("SGD", dict(learning_rate=PiecewiseConstantDecay(**ZERO_GAP), momentum=0.9, gradient_accumulation_steps=2),
     GRADS),
    ("SGD", dict(learning_rate=0.1, momentum=0.5, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=3), GRADS),
    ("Adam", dict(learning_rate=0.01, use_ema=True), GRADS),
    ("Adam", dict(learning_rate=0.01, loss_scale_factor=128.0), [[g * 128 for g in s] for s in GRADS]),
]


def _ids(case):
    name, args, grads = case
    tiny = "-tiny" if grads is TINY else ""
    return f"{name}({','.join(sorted(k for k in args if k != 'learning_rate'))}){tiny}"


@pytest.mark.parametrize("path", ["step", "apply_gradients"])
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_matches_keras_update_code(case, path):
    name, args, grads = case
    got, opt = _run_lamina(getattr(optimizers, name), args, grads, path)
    expected, ema = run(name, args, W0, grads, _lr_fn(args))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)
    if args.get("use_ema"):
        for avg, e in zip(opt._ema, ema):
            np.testing.assert_allclose(avg.numpy(), e, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name, args", [
    ("SGD", dict(learning_rate=PiecewiseConstantDecay(**ZERO_GAP), momentum=0.9)),
    ("RMSprop", dict(learning_rate=PiecewiseConstantDecay(**ZERO_GAP), momentum=0.5, centered=True)),
    ("Adagrad", dict(learning_rate=0.1, weight_decay=0.1)),
    ("Lion", dict(learning_rate=0.01, weight_decay=0.1)),
    ("Adamax", dict(learning_rate=0.01)),
    ("Adam", dict(learning_rate=0.01, weight_decay=0.1)),
    ("Nadam", dict(learning_rate=0.01)),
    ("Adadelta", dict(learning_rate=1.0)),
    ("Lamb", dict(learning_rate=0.01, weight_decay=0.1)),
    ("Adam", dict(learning_rate=0.01, gradient_accumulation_steps=2)),
])
@pytest.mark.parametrize("late", [False, True], ids=["gaps", "late_start"])
@pytest.mark.filterwarnings("ignore:Gradients do not exist")
def test_missing_gradients_match_keras(name, args, late):
    # The second variable has no gradient on some steps (or until step 2). Keras
    # leaves it and its slots alone, and bias-corrects with the global step.
    missing = (0, 1) if late else (1, 4)
    grads = [[g[0], None if i in missing else g[1]] for i, g in enumerate(GRADS)]
    for path in ("step", "apply_gradients"):
        got, _ = _run_lamina(getattr(optimizers, name), args, grads, path)
        expected, _ = run(name, args, W0, grads, _lr_fn(args))
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)
