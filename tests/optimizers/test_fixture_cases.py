"""The 14 optimizer cases computed by Keras 3.15.1: one (4, 3) variable, five steps
with fixed gradients, compared after the fifth step.

Tolerance: float32, rtol 1e-5 / atol 1e-6 (measured: max 8e-7 relative, from
float32 rounding in a different operation order, e.g. torch's fused Adam).
"""

import numpy as np
import pytest
import torch

import lamina.optimizers as optimizers
from _training_refs import ARRAYS, case_id, cases

RTOL, ATOL = 1e-5, 1e-6
CASES = cases("optimizer")


def test_all_fourteen_cases_are_present():
    assert len(CASES) == 14


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_apply_gradients_matches_keras(case):
    var = torch.nn.Parameter(torch.as_tensor(ARRAYS[case["initial"]]).clone())
    opt = getattr(optimizers, case["class"])(**case["args"])
    for name in case["grads"]:
        opt.apply_gradients([(torch.as_tensor(ARRAYS[name]), var)])
    assert int(opt.iterations) == 5
    np.testing.assert_allclose(var.detach().numpy(), ARRAYS[case["after_5_steps"]], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_step_fast_path_matches_keras(case):
    var = torch.nn.Parameter(torch.as_tensor(ARRAYS[case["initial"]]).clone())
    opt = getattr(optimizers, case["class"])(**case["args"])
    opt.build([var])
    for name in case["grads"]:
        var.grad = torch.as_tensor(ARRAYS[name]).clone()
        opt.step()
        opt.zero_grad()
    assert var.grad is None
    np.testing.assert_allclose(var.detach().numpy(), ARRAYS[case["after_5_steps"]], rtol=RTOL, atol=ATOL)
