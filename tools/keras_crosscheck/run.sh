#!/usr/bin/env bash
# Manual cross-check (not part of the tests, which must not need Keras): saves six architectures
# with lamina, then loads them with real Keras 3 (JAX backend, in its own virtual environment under
# /tmp) and compares outputs; then, per optimizer, a model saved mid-training by one framework is
# resumed by the other and must end where the writer ended. Usage: bash tools/keras_crosscheck/run.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$HERE/../.."
KVENV="${KERAS_VENV:-/tmp/lamina-keras-venv}"
OUT="$(mktemp -d)"
[ -x "$KVENV/bin/python" ] || { python3 -m venv "$KVENV"; "$KVENV/bin/pip" install -q keras jax jaxlib h5py; }
"$ROOT/.venv/bin/python" "$HERE/save_with_lamina.py" "$OUT"
KERAS_BACKEND=jax "$KVENV/bin/python" "$HERE/load_with_keras.py" "$OUT" 2>&1 | grep -E "loaded by Keras|FAILED"
# More architectures, built by the same code in both frameworks, saved by one and loaded by the other.
mkdir -p "$OUT/zoo_lamina" "$OUT/zoo_keras"
"$ROOT/.venv/bin/python" "$HERE/zoo.py" lamina save "$OUT/zoo_lamina" 2>&1 | grep FAILED || true
KERAS_BACKEND=jax "$KVENV/bin/python" "$HERE/zoo.py" keras load "$OUT/zoo_lamina" 2>&1 | grep -E "OK|FAILED"
KERAS_BACKEND=jax "$KVENV/bin/python" "$HERE/zoo.py" keras save "$OUT/zoo_keras" 2>&1 | grep FAILED || true
"$ROOT/.venv/bin/python" "$HERE/zoo.py" lamina load "$OUT/zoo_keras" 2>&1 | grep -E "OK|FAILED"
# Functional models built from keras.ops (ops_models.py), both ways.
mkdir -p "$OUT/ops_lamina" "$OUT/ops_keras"
"$ROOT/.venv/bin/python" "$HERE/ops_models.py" lamina save "$OUT/ops_lamina" 2>&1 | grep FAILED || true
KERAS_BACKEND=jax "$KVENV/bin/python" "$HERE/ops_models.py" keras load "$OUT/ops_lamina" 2>&1 | grep -E "OK|FAILED"
KERAS_BACKEND=jax "$KVENV/bin/python" "$HERE/ops_models.py" keras save "$OUT/ops_keras" 2>&1 | grep FAILED || true
"$ROOT/.venv/bin/python" "$HERE/ops_models.py" lamina load "$OUT/ops_keras" 2>&1 | grep -E "OK|FAILED"
# The same architectures rebuilt by code, taking the other framework's get_weights() via set_weights.
KERAS_BACKEND=jax "$KVENV/bin/python" "$HERE/zoo.py" keras rebuild "$OUT/zoo_lamina" 2>&1 | grep -E "OK|FAILED"
"$ROOT/.venv/bin/python" "$HERE/zoo.py" lamina rebuild "$OUT/zoo_keras" 2>&1 | grep -E "OK|FAILED"

export KERAS_BACKEND=jax
for opt in adam adam_amsgrad adam_accumulating adam_schedule adamw sgd sgd_nesterov rmsprop rmsprop_centered \
           nadam adagrad adamax lion; do
  mkdir -p "$OUT/l_$opt" "$OUT/k_$opt"
  "$ROOT/.venv/bin/python" "$HERE/resume_training.py" lamina save "$OUT/l_$opt" "$opt"
  echo -n "$opt, lamina file -> " && "$KVENV/bin/python" "$HERE/resume_training.py" keras resume "$OUT/l_$opt" 2>&1 | tail -1
  "$KVENV/bin/python" "$HERE/resume_training.py" keras save "$OUT/k_$opt" "$opt" 2>/dev/null
  echo -n "$opt, Keras file -> " && "$ROOT/.venv/bin/python" "$HERE/resume_training.py" lamina resume "$OUT/k_$opt" 2>&1 | tail -1
done
# fit itself: the same models, weights and batches trained by both; History logs must agree.
mkdir -p "$OUT/fit"
KERAS_BACKEND=jax "$KVENV/bin/python" "$HERE/fit_parity.py" keras "$OUT/fit" > /dev/null 2>&1
# Code written for Keras's torch backend: Keras needs torch, so it runs in lamina's venv (which has
# torch) with the Keras venv's packages on the path.
(cd "$HERE" && KERAS_BACKEND=torch PYTHONPATH="$(echo "$KVENV"/lib/python3*/site-packages)" \
  "$ROOT/.venv/bin/python" fit_parity.py keras-torch "$OUT/fit" > /dev/null 2>&1)
"$ROOT/.venv/bin/python" "$HERE/fit_parity.py" lamina "$OUT/fit"
