"""Learning-rate schedules against Keras 3.15.1 values (Keras computes in float32:
rtol 1e-6 / atol 1e-9 covers its rounding), plus numpy transcriptions of the
Keras formulas for the cases the fixtures do not cover."""

import math

import numpy as np
import pytest
import torch

from lamina.optimizers import schedules
from _training_refs import case_id, cases

RTOL, ATOL = 1e-6, 1e-9


@pytest.mark.parametrize("case", cases("schedule"), ids=case_id)
def test_matches_keras(case):
    schedule = getattr(schedules, case["class"])(**case["args"])
    values = [schedule(step) for step in case["steps"]]
    assert all(type(v) is float for v in values)
    np.testing.assert_allclose(values, case["values"], rtol=RTOL, atol=ATOL)
    tensor_values = [schedule(torch.tensor(step)) for step in case["steps"]]
    assert all(isinstance(v, torch.Tensor) for v in tensor_values)
    np.testing.assert_allclose([float(v) for v in tensor_values], case["values"], rtol=RTOL, atol=ATOL)


def test_all_six_schedule_cases_are_present():
    assert len(cases("schedule")) == 6


def _restarts_reference(step, lr, first, t_mul, m_mul, alpha):
    # keras/src/optimizers/schedules/learning_rate_schedule.py, CosineDecayRestarts.
    fraction = step / first
    if t_mul == 1.0:
        i = math.floor(fraction)
        fraction -= i
    else:
        i = math.floor(math.log(1 - fraction * (1 - t_mul)) / math.log(t_mul))
        fraction = (fraction - (1 - t_mul ** i) / (1 - t_mul)) / t_mul ** i
    cosine = 0.5 * m_mul ** i * (1 + math.cos(math.pi * fraction))
    return lr * ((1 - alpha) * cosine + alpha)


@pytest.mark.parametrize("t_mul, m_mul, alpha", [(2.0, 1.0, 0.0), (1.0, 0.5, 0.1), (1.5, 0.8, 0.05)])
def test_cosine_decay_restarts(t_mul, m_mul, alpha):
    schedule = schedules.CosineDecayRestarts(0.1, first_decay_steps=5, t_mul=t_mul, m_mul=m_mul, alpha=alpha)
    steps = list(range(0, 40, 3))
    expected = [_restarts_reference(s, 0.1, 5, t_mul, m_mul, alpha) for s in steps]
    np.testing.assert_allclose([schedule(s) for s in steps], expected, rtol=1e-9)
    np.testing.assert_allclose([float(schedule(torch.tensor(s))) for s in steps], expected, rtol=1e-5, atol=1e-8)


def test_other_variants():
    poly = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0, power=1.0, cycle=True)
    np.testing.assert_allclose([poly(s) for s in (0, 5, 10, 15)], [0.1, 0.05, 0.0, 0.025], atol=1e-12)
    assert float(poly(torch.tensor(15))) == pytest.approx(0.025)
    cosine = schedules.CosineDecay(0.1, decay_steps=10, alpha=0.2)
    np.testing.assert_allclose([cosine(s) for s in (0, 5, 10, 20)], [0.1, 0.06, 0.02, 0.02], atol=1e-12)
    stair = schedules.InverseTimeDecay(1.0, decay_steps=2, decay_rate=1.0, staircase=True)
    assert [stair(s) for s in (1, 2, 3)] == [1.0, 0.5, 0.5]
    piecewise = schedules.PiecewiseConstantDecay([2], [1.0, 0.5])
    assert [float(piecewise(torch.tensor(s))) for s in (2, 3)] == [1.0, 0.5]


@pytest.mark.parametrize("schedule", [
    schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True), schedules.PiecewiseConstantDecay([5], [0.1, 0.01]),
    schedules.CosineDecay(0.1, 20, alpha=0.1, warmup_target=0.2, warmup_steps=5),
    schedules.CosineDecayRestarts(0.1, 10, m_mul=0.9), schedules.InverseTimeDecay(0.1, 10, 0.5),
    schedules.PolynomialDecay(0.1, 20, cycle=True),
])
def test_config_and_serialization_round_trip(schedule):
    config = schedules.serialize(schedule)
    assert config["module"] == "keras.optimizers.schedules" and config["class_name"] == type(schedule).__name__
    clone = schedules.deserialize(config)
    assert clone.get_config() == schedule.get_config()
    assert [clone(s) for s in range(0, 30, 7)] == [schedule(s) for s in range(0, 30, 7)]


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="`decay_steps` of ExponentialDecay must be > 0"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="`boundaries` should be 1 less than the length of `values`"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="Unknown learning rate schedule class 'Warmup'"):
        schedules.deserialize({"class_name": "Warmup", "config": {}})
    with pytest.raises(NotImplementedError, match="must implement `_compute"):
        schedules.LearningRateSchedule()(3)


def test_custom_schedule_subclass():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, lr):
            self.lr = lr

        def _compute(self, step, ops):
            return self.lr * 0.5 ** ops.floor(step / 10)

        def get_config(self):
            return {"lr": self.lr}

    assert Halving(0.1)(25) == pytest.approx(0.025)
    restored = schedules.deserialize(schedules.serialize(Halving(0.2)), custom_objects={"Halving": Halving})
    assert restored.lr == 0.2
