"""The README demo runs end to end (1 epoch here; `bash scripts/demo.sh` runs the full 30)."""

import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_demo_one_epoch(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("lamina_demo", os.path.join(ROOT, "examples", "demo.py"))
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    import torch

    threads = torch.get_num_threads()
    try:
        results = demo.main(["--epochs", "1", "--out", str(tmp_path)])
    finally:
        torch.set_num_threads(threads)  # the demo pins one thread; do not leak that into other tests
    out = capsys.readouterr().out
    assert set(results) == {"digits_sequential", "digits_functional", "digits_subclassed"}
    assert all(0.5 < accuracy <= 1.0 for accuracy in results.values())  # one epoch already learns a lot
    assert "Epoch 1/1 - 41/41" in out and 'Model: "digits_functional"' in out
    files = os.listdir(tmp_path)
    assert "training_curves.png" in files and os.path.getsize(tmp_path / "training_curves.png") > 1000
    assert sum(name.startswith("digits_") for name in files) == 3
