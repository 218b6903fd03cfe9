#!/usr/bin/env bash
# README command 1: set up and run zicht on its embedded default (SQLite, in-process worker, demo data).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
exec .venv/bin/zicht demo "$@"
