#!/usr/bin/env bash
# Set up what the tests need (venv, tiny models, a headless browser), then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/setup.sh --test
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: chromium could not be installed; browser tests will be skipped"
fi
# one llama.cpp thread: tests run beside other CPU work, and two threads then spin-wait (MODELS.md)
export ASSISTANT_MODELS__N_THREADS=${ASSISTANT_MODELS__N_THREADS:-1}
exec .venv/bin/python -m pytest -q "$@"
