"""Every script in examples/ runs end to end in its --fast mode: trains, evaluates, saves, reloads.

Each example's `main(argv)` returns a dict of final metrics, including `reload_max_diff`, the
largest difference between the trained model's predictions and those of the model reloaded
from its `.keras` file.
"""

import importlib.util
import math
import pathlib

import pytest
import torch

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
NAMES = ["resnet", "unet", "siamese", "seq2seq_lstm", "transformer_encoder", "conv_autoencoder",
         "multi_task_dict"]
_modules = {}


def load_example(name):
    """Imports examples/<name>.py by path, once per session (it registers custom layers)."""
    if name not in _modules:
        spec = importlib.util.spec_from_file_location(f"lamina_example_{name}", EXAMPLES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _modules[name] = module
    return _modules[name]


@pytest.fixture
def keep_threads():
    """The examples set torch's thread count (--threads, default 1); put it back afterwards."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name", NAMES)
def test_example_runs_fast(name, tmp_path, keep_threads, capsys):
    results = load_example(name).main(["--fast", "--out", str(tmp_path)])
    numbers = {k: v for k, v in results.items() if isinstance(v, float)}
    assert len(numbers) >= 2, results
    for key, value in numbers.items():
        assert math.isfinite(value), f"{name}: {key} = {value}"
    assert results["reload_max_diff"] < 1e-5, results
    assert list(tmp_path.glob("*.keras")), "no .keras file saved"
    assert list(tmp_path.glob("*.png")), "no plot written"
    assert "max |difference| after reloading" in capsys.readouterr().out


def test_multi_task_logs_have_the_keras_keys(tmp_path, keep_threads):
    results = load_example("multi_task_dict").main(["--fast", "--out", str(tmp_path)])
    assert results["log_keys"] == sorted([
        "loss", "sentiment_loss", "topic_loss", "sentiment_accuracy", "topic_accuracy",
        "val_loss", "val_sentiment_loss", "val_topic_loss", "val_sentiment_accuracy", "val_topic_accuracy"])
    # loss = sentiment_loss + 0.5 * topic_loss (the loss_weights)
    assert results["loss"] == pytest.approx(results["sentiment_loss"] + 0.5 * results["topic_loss"], rel=1e-4)



def test_run_as_a_script(tmp_path, keep_threads, monkeypatch, capsys):
    """`python examples/siamese.py`: its custom layer then lives in `__main__` and must still save."""
    import runpy
    import sys

    monkeypatch.setattr(sys, "argv", ["siamese.py", "--fast", "--out", str(tmp_path)])
    runpy.run_path(str(EXAMPLES / "siamese.py"), run_name="__main__")
    assert (tmp_path / "siamese.keras").exists()
    assert "max |difference| after reloading: 0.00e+00" in capsys.readouterr().out
