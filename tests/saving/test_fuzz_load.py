"""The load fuzzer (`tools/fuzz_load.py`) in small: 50 mutated archives, only documented errors.

The full run (`python tools/fuzz_load.py --count 1000`) is manual; this keeps every mutation kind
exercised on each test run.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import fuzz_load  # noqa: E402


def test_fifty_mutated_archives_give_only_documented_errors(tmp_path):
    summary = fuzz_load.fuzz(count=50, seed=12, timeout=60, folder=str(tmp_path), verbose=False)
    assert summary["archives"] == 50
    assert summary["outcomes"]["crash"] == 0, summary
    assert summary["outcomes"]["hang"] == 0, summary
    assert summary["code_ran"] == 0, summary
    assert summary["outcomes"]["refused"] > 0 and summary["outcomes"]["loaded"] > 0, summary
    assert {"bomb", "config", "members", "weights_bytes"} <= set(summary["kinds"])
