#!/usr/bin/env bash
# Manual cross-check (not part of the tests, which must not need Keras): saves six architectures
# with lamina, then loads them with real Keras 3 (JAX backend, in its own virtual environment under
# /tmp) and compares outputs. Usage: bash tools/keras_crosscheck/run.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$HERE/../.."
KVENV="${KERAS_VENV:-/tmp/lamina-keras-venv}"
OUT="$(mktemp -d)"
[ -x "$KVENV/bin/python" ] || { python3 -m venv "$KVENV"; "$KVENV/bin/pip" install -q keras jax jaxlib h5py; }
"$ROOT/.venv/bin/python" "$HERE/save_with_lamina.py" "$OUT"
KERAS_BACKEND=jax "$KVENV/bin/python" "$HERE/load_with_keras.py" "$OUT" 2>&1 | grep -E "loaded by Keras|FAILED"
