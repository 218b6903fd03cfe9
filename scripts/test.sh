#!/usr/bin/env bash
# README command 2: set up and run the whole test suite, on SQLite and then on PostgreSQL.
# Installs Debian's chromium, postgresql, redis-server and gettext when missing (needs root or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /usr/lib/postgresql ] || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v xgettext >/dev/null 2>&1 || need+=(gettext)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'

export ZICHT_DATA_DIR="${ZICHT_DATA_DIR:-$PWD/var/test}"
mkdir -p "$ZICHT_DATA_DIR"

echo "== migrations are committed"
.venv/bin/zicht makemigrations --check --dry-run >/dev/null

echo "== test suite on SQLite"
.venv/bin/pytest "$@"

echo "== test suite on PostgreSQL"
services=$(scripts/start-services.sh)
eval "$services"
case "${DATABASE_URL:-}" in postgres://*) ;; *) echo "PostgreSQL is not configured" >&2; exit 1;; esac
.venv/bin/pytest "$@"
