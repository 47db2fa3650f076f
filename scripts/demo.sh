#!/usr/bin/env bash
# The demo day: sets up .venv, then simulates one day of the demo district end to end over
# MQTT (starting its own broker and IOC) and prints the summary. Outputs in runs/demo/.
# Extra arguments go to `citysim run` (e.g. --sync free --speed 600).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh ""
exec .venv/bin/citysim run scenarios/demo.yaml --seed 7 --out runs/demo "$@"
