#!/usr/bin/env bash
# Runs the demo (examples/demo.py): three digits classifiers, one per Keras API; sets up .venv on first use.
# Extra arguments go to the demo (e.g. --epochs 1 --out /tmp/demo).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh" demo
cd "$ROOT"
exec "$VENV/bin/python" examples/demo.py "$@"
