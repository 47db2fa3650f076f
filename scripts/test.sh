#!/usr/bin/env bash
# The test suite: sets up .venv with the test extras, installs Mosquitto with apt-get when it
# is missing (the tests use a real broker), lints, then runs pytest. Extra arguments go to
# pytest (e.g. -m "not slow", -k kpis).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh test
if ! command -v mosquitto >/dev/null 2>&1 && [ ! -x /usr/sbin/mosquitto ]; then
    apt_install mosquitto
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/pytest "$@"
