#!/usr/bin/env bash
# The whole test suite: `make test` (everything) or `scripts/test.sh lint|unit|molecule`.
# Molecule scenarios run on an emulator of their own on a free port, so a running demo
# (port 4566, state in .emulator/) is never touched.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$root/ansible.cfg"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0
what="${1:-all}"

run_lint() {
    echo "== ruff"
    ruff check .
    ruff format --check .
    echo "== ansible-lint (production profile)"
    ansible-lint --profile production
}

run_unit() {
    echo "== pytest"
    pytest
}

run_molecule() {
    local state
    state="$(mktemp -d "${TMPDIR:-/tmp}/muejam-emulator.XXXXXX")"
    trap 'python -m tools.health_server stop --state-dir "'"$state"'/health"; python -m tools.emulator stop --state-dir "'"$state"'"; rm -rf "'"$state"'"' EXIT
    # --owner-pid: should this shell be killed before its EXIT trap runs, the emulator exits by itself.
    python -m tools.emulator start --port 0 --state-dir "$state" --owner-pid $$
    python -m tools.health_server start --port 0 --state-dir "$state/health"
    eval "$(python -m tools.emulator env --state-dir "$state")"
    export MUEJAM_OUTPUTS_DIR="$state/outputs"
    echo "== molecule (emulator at $MUEJAM_AWS_ENDPOINT)"
    molecule test --all
}

case "$what" in
    lint) run_lint ;;
    unit) run_unit ;;
    molecule) run_molecule ;;
    all) run_lint; run_unit; run_molecule ;;
    *) echo "usage: scripts/test.sh [lint|unit|molecule|all]" >&2; exit 2 ;;
esac
