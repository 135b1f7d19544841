"""Loads hostile archives in a fresh process and reports what each load did, as JSON.

    python load_probe.py FRAMEWORK PROBE_DIR MARKERS BASE CASES_JSON

FRAMEWORK is `lamina` or `keras` (the Keras 3 cross-check runs this under Keras's venv).
PROBE_DIR holds `hostile_probe.py` and goes on `sys.path`, so a loader that imports the module
a file names really imports it (and leaves the trace `imported`). BASE is the untouched archive,
loaded first so that lamina's own lazy imports are done before anything is compared. CASES_JSON
maps case names to archive paths. For each case the report holds the outcome (`loaded` or the
exception), the warnings, the files the case left in MARKERS, whether the known printed texts
appeared, and every module that became imported during the load.
"""

import contextlib
import io
import json
import os
import shutil
import sys
import warnings


def _load(framework, path):
    if framework == "keras":
        import keras

        return keras.saving.load_model(path)
    from lamina.saving import load_model

    return load_model(path)


def _run(framework, path):
    """(outcome, message, predicted): loads and, if that works, predicts."""
    import numpy as np

    try:
        model = _load(framework, path)
    except Exception as error:  # the outcome under test
        return type(error).__name__, str(error), False
    try:
        model.predict(np.ones((2, 4), "float32"), verbose=0)
    except Exception as error:
        return "loaded", f"predict failed: {type(error).__name__}: {error}", True
    return "loaded", "", True


def main(framework, probe_dir, markers, base, cases_json):
    sys.path.insert(0, probe_dir)
    os.environ["LAMINA_PROBE_MARKERS"] = markers
    with open(cases_json) as handle:
        cases = json.load(handle)
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _run(framework, base)  # lazy imports of the library itself happen here
    report = {}
    for name, path in cases.items():
        shutil.rmtree(markers, ignore_errors=True)
        os.makedirs(markers)
        before = set(sys.modules)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            outcome, message, predicted = _run(framework, path)
        report[name] = {
            "outcome": outcome, "message": message, "predicted": predicted,
            "warnings": [str(w.message) for w in caught],
            "markers": sorted(os.listdir(markers)),
            "printed": printed.getvalue()[-2000:],
            "new_modules": sorted(set(sys.modules) - before),
        }
    print(json.dumps(report))


if __name__ == "__main__":
    main(*sys.argv[1:6])
