#!/usr/bin/env bash
# Runs every benchmark in bench/ (sets up .venv on first use). Each prints ratios against
# hand-written PyTorch measured in the same run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/_env.sh" test
cd "$ROOT"
for script in bench/bench_*.py; do
    echo "== $script"
    "$VENV/bin/python" "$script"
done
