#!/usr/bin/env bash
# `make benchmark`: wall time, tasks and API calls of what users run, on an emulator of its own
# (never the demo's), then, with the emulator's latency model on, the time until ready and the
# teardown next to the critical paths the model allows. See tools/benchmark.py.
#   bash scripts/benchmark.sh [--scale 0.5]        (after make setup)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.venv/bin:$PATH" ANSIBLE_CONFIG="$root/ansible.cfg"
exec python -m tools.benchmark "$@"
