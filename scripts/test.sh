#!/usr/bin/env bash
# Runs the test suite; sets up .venv on first use. Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh" test
cd "$ROOT"
exec "$VENV/bin/python" -m pytest "$@"
