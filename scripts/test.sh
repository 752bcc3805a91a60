#!/usr/bin/env bash
# Install what the tests need and run them all: unit, web (SQLite and PostgreSQL), browser.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/unit -x`.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "Installing Debian's Chromium for the browser tests..."
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium > /dev/null
fi

# axe-core for the accessibility tests, at the version pinned in tests/browser/package-lock.json.
if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  if ! command -v npm > /dev/null; then
    echo "Installing Debian's npm to fetch axe-core for the accessibility tests..."
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq npm > /dev/null
  fi
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
fi

# The database tests need PostgreSQL and the two-server test needs Redis: start them when down.
if command -v pg_isready > /dev/null && ! pg_isready -h 127.0.0.1 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
if command -v redis-server > /dev/null && ! redis-cli -h 127.0.0.1 ping > /dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 ping > /dev/null 2>&1 && break; sleep 0.1; done
fi

# Three workers (pytest-xdist) on two cores: much of the suite waits (for Chromium, gunicorn,
# PostgreSQL), so a third worker fills the waits. A file's tests stay on one worker, in order, so
# its module fixtures (a seeded programme) are built once. TEST_WORKERS=0 runs in one process.
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-3}" --dist loadfile "$@"
