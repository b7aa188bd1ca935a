#!/usr/bin/env bash
# The whole test suite: `make test` (everything) or `scripts/test.sh lint|unit|sanity|molecule`.
# Molecule scenarios run on an emulator of their own on a free port, so a running demo
# (port 4566, state in .emulator/) is never touched.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$root/ansible.cfg"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0
what="${1:-all}"

# What to undo on exit, whatever happens (the molecule emulator, the background checks).
cleanups=()
cleanup() {
    local command
    for command in "${cleanups[@]}"; do eval "$command" || true; done
}
trap cleanup EXIT

run_lint() {
    echo "== ruff"
    ruff check .
    ruff format --check .
    echo "== ansible-lint (production profile)"
    ansible-lint --profile production
    echo "== antsibull-changelog lint"
    antsibull-changelog lint
    antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
}

run_unit() {
    # The pure unit tests of plugins/ run under ansible-test units instead (scripts/sanity.sh units).
    local ignore=() test_file
    while IFS= read -r test_file; do ignore+=("--ignore=$test_file"); done < <(bash scripts/sanity.sh list-units)
    echo "== pytest (but the ${#ignore[@]} test files ansible-test units runs)"
    pytest "${ignore[@]}"
}

run_molecule() {
    local state
    state="$(mktemp -d "${TMPDIR:-/tmp}/muejam-emulator.XXXXXX")"
    cleanups+=("python -m tools.health_server stop --state-dir '$state/health'; python -m tools.emulator stop --state-dir '$state'; rm -rf '$state'")
    # --owner-pid: should this shell be killed before its EXIT trap runs, the emulator and the
    # health server exit by themselves.
    python -m tools.emulator start --port 0 --state-dir "$state" --owner-pid $$
    python -m tools.health_server start --port 0 --state-dir "$state/health" --owner-pid $$
    eval "$(python -m tools.emulator env --state-dir "$state")"
    export MUEJAM_OUTPUTS_DIR="$state/outputs"
    echo "== molecule (emulator at $MUEJAM_AWS_ENDPOINT)"
    molecule test --all
}

run_all() {
    # Three lanes on a 2-core machine: ansible-test sanity and units (CPU-bound, ~10 min of CPU
    # together) at a lower priority, and the molecule scenarios (on an emulator of their own)
    # beside pytest once the lint has passed. Each background lane runs in a process group of its
    # own that the exit cleanup stops, writes to a log printed when it ends, and every lane's
    # failure is reported, not just the first.
    local checks_log checks molecule_log molecule status=0
    checks_log="$(mktemp "${TMPDIR:-/tmp}/muejam-checks.XXXXXX")"
    setsid --wait nice -n 10 bash scripts/sanity.sh all >"$checks_log" 2>&1 &
    checks=$!
    cleanups+=("kill -- -$checks 2>/dev/null || kill $checks 2>/dev/null; rm -f '$checks_log'")
    echo "== ansible-test sanity and units: started alongside (scripts/sanity.sh all, pid $checks)"
    run_lint
    molecule_log="$(mktemp "${TMPDIR:-/tmp}/muejam-molecule.XXXXXX")"
    setsid --wait bash scripts/test.sh molecule >"$molecule_log" 2>&1 &
    molecule=$!
    cleanups+=("kill -- -$molecule 2>/dev/null || kill $molecule 2>/dev/null; rm -f '$molecule_log'")
    echo "== molecule: started alongside pytest (scripts/test.sh molecule, pid $molecule)"
    run_unit || status=$?
    echo "== molecule (scripts/test.sh molecule)"
    wait "$molecule" || status=$?
    cat "$molecule_log"
    echo "== ansible-test sanity and units (scripts/sanity.sh all)"
    wait "$checks" || status=$?
    cat "$checks_log"
    return "$status"
}

case "$what" in
    lint) run_lint ;;
    unit) run_unit; bash scripts/sanity.sh units ;;
    sanity) bash scripts/sanity.sh all ;;
    molecule) run_molecule ;;
    all) run_all ;;
    *) echo "usage: scripts/test.sh [lint|unit|sanity|molecule|all]" >&2; exit 2 ;;
esac
