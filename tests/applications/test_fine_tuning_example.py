"""examples/fine_tuning.py runs in --fast mode: the frozen base stays frozen, the model reloads."""

import importlib.util
import math
import pathlib

import torch

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "fine_tuning.py"


def test_fine_tuning_example_fast(tmp_path):
    spec = importlib.util.spec_from_file_location("lamina_example_fine_tuning", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    threads = torch.get_num_threads()
    try:
        results = module.main(["--fast", "--out", str(tmp_path), "--threads", "1"])
    finally:
        torch.set_num_threads(threads)
    assert results["base_unchanged_when_frozen"] is True
    assert results["head_only_trainable"] == 2  # the new Dense kernel and bias
    assert math.isfinite(results["fine_tuned_test_loss"])
    assert results["reload_max_diff"] < 1e-5
    assert (tmp_path / "fine_tuned.keras").is_file()
