"""What lamina and Keras 3 do with the same hostile archives (manual check, not part of the tests).

    KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/crafted_security.py keras
    .venv/bin/python tools/keras_crosscheck/crafted_security.py lamina

Saves the base model `inp (4,) -> Dense 'dense' (3)` with the given library, writes every case of
`tests/saving/crafted_archives.py`, loads each in a fresh process (`tests/saving/load_probe.py`)
and prints one line per case: refused or loaded, whether any code ran (files written, the probe
module imported, text printed) and the start of the error.
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SAVING_TESTS = os.path.join(HERE, "..", "..", "tests", "saving")
sys.path.insert(0, SAVING_TESTS)

import crafted_archives  # noqa: E402


def _save_base(framework, path):
    if framework == "keras":
        import keras
        from keras import layers
    else:
        import lamina as keras
        from lamina import layers
    inputs = keras.Input(shape=(4,), name="inp")
    model = keras.Model(inputs, layers.Dense(3, name="dense")(inputs))
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.save(path)


def main(framework):
    work = tempfile.mkdtemp(prefix="crafted-")
    base = os.path.join(work, "base.keras")
    _save_base(framework, base)
    probe, markers, cases = (os.path.join(work, name) for name in ("probe", "markers", "cases"))
    for folder in (probe, markers, cases):
        os.makedirs(folder)
    crafted_archives.write_probe_module(probe)
    paths = crafted_archives.crafted_cases(crafted_archives.read_members(base), cases, markers)
    with open(os.path.join(work, "cases.json"), "w") as handle:
        json.dump(paths, handle)
    done = subprocess.run([sys.executable, os.path.join(SAVING_TESTS, "load_probe.py"), framework, probe, markers,
                           base, os.path.join(work, "cases.json")], capture_output=True, text=True, timeout=600)
    if done.returncode:
        sys.exit(done.stderr[-3000:])
    report = json.loads(done.stdout.strip().splitlines()[-1])
    ran_any = 0
    for name, result in report.items():
        ran = result["markers"] or crafted_archives.PRINT_MARKER in result["printed"] \
            or crafted_archives.ZEN_TEXT in result["printed"] or crafted_archives.PROBE_MODULE in result["new_modules"]
        ran_any += bool(ran)
        text = (result["message"] or " | ".join(result["warnings"])).replace("\n", " ")[:150]
        verdict = f"YES {result['markers']}" if ran else "no"
        print(f"{framework} {name:42s} {result['outcome']:20s} code ran: {verdict}  {text}")
    print(f"{framework}: {len(report)} crafted archives, code ran in {ran_any}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "lamina")
