# Sourced by the other scripts: creates .venv if missing and installs lamina with the
# requested extras. A stamp file keyed on pyproject.toml and the extras makes a second run
# skip the install. Override the torch pin with LAMINA_TORCH_SPEC (e.g. "torch==2.5.1").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LAMINA_VENV:-$ROOT/.venv}"
TORCH_SPEC="${LAMINA_TORCH_SPEC:-torch==2.13.0}"
EXTRAS="${1:-test}"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "[lamina] creating virtual environment in $VENV"
    "$PY" -m venv "$VENV"
fi
STAMP="$VENV/.lamina-installed-$EXTRAS"
KEY="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -c1-16) $TORCH_SPEC"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$KEY" ]; then
    echo "[lamina] installing $TORCH_SPEC and lamina[$EXTRAS]"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    # torch first and pinned, so the resolver never pulls a newer (CUDA) build.
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$TORCH_SPEC"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[$EXTRAS]" "$TORCH_SPEC"
    echo "$KEY" > "$STAMP"
fi
