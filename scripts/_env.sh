# Sourced by the other scripts: creates .venv if missing and installs lamina with the
# requested extras. A stamp file keyed on pyproject.toml and the extras makes a second run
# skip the install. Override the torch pin with LAMINA_TORCH_SPEC (e.g. "torch==2.5.1").
# LAMINA_TORCH_INDEX picks the torch build: unset = pip's own indexes (a local wheel or PyPI, whose
# Linux torch is the CUDA build, ~5 GB with its packages); "cpu" = the CPU-only build from
# https://download.pytorch.org/whl/cpu (a few hundred MB); "cu126" etc. = that CUDA build; a URL = that index.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LAMINA_VENV:-$ROOT/.venv}"
TORCH_SPEC="${LAMINA_TORCH_SPEC:-torch==2.13.0}"
EXTRAS="${1:-test}"
TORCH_INDEX="${LAMINA_TORCH_INDEX:-}"
TORCH_INDEX_ARGS=()
case "$TORCH_INDEX" in
    "") ;;
    http://*|https://*|file://*) TORCH_INDEX_ARGS=(--index-url "$TORCH_INDEX") ;;
    cpu|cu[0-9]*|rocm[0-9]*) TORCH_INDEX_ARGS=(--index-url "https://download.pytorch.org/whl/$TORCH_INDEX") ;;
    *) echo "[lamina] LAMINA_TORCH_INDEX=$TORCH_INDEX is not understood: use cpu, a CUDA tag such as cu126," \
            "a ROCm tag such as rocm6.4, or an index URL (or leave it unset)." >&2
       exit 2 ;;
esac
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "[lamina] creating virtual environment in $VENV"
    "$PY" -m venv "$VENV"
fi
STAMP="$VENV/.lamina-installed-$EXTRAS"
KEY="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -c1-16) $TORCH_SPEC${TORCH_INDEX:+ $TORCH_INDEX}"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$KEY" ]; then
    echo "[lamina] installing $TORCH_SPEC${TORCH_INDEX:+ from ${TORCH_INDEX_ARGS[1]}} and lamina[$EXTRAS]"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    # torch first and pinned, so the resolver never pulls a newer (CUDA) build.
    # With an index the pip default is left for the rest: only torch (and its own dependencies) come from it.
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check ${TORCH_INDEX_ARGS[@]+"${TORCH_INDEX_ARGS[@]}"} "$TORCH_SPEC"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[$EXTRAS]" "$TORCH_SPEC"
    echo "$KEY" > "$STAMP"
fi
