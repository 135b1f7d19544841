"""The README's data-parallel snippet runs as written (here in one process, on CPU or CUDA alike)."""

import os
import re
import textwrap

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")


def _snippet():
    text = open(README, encoding="utf-8").read()
    section = text[text.index("**Several processes.**"):]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    return textwrap.dedent(match.group(1))


def test_readme_data_parallel_snippet_runs(monkeypatch, capsys):
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(key, raising=False)
    code = _snippet()
    assert "torch.cuda.is_available()" in code  # the device follows what the machine has
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    model = namespace["model"]
    assert int(model.optimizer.iterations) == 2 * 16  # 4096 samples / 256 per step, 2 epochs
    assert "Epoch 2/2" in capsys.readouterr().out
