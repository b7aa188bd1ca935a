#!/usr/bin/env bash
# Wall times of what users wait for, on an emulator of its own (never the demo's):
# site.yml on an empty account, site.yml again (changed=0 expected), check mode on the existing
# stack, the readiness gate alone, and teardown.yml. Prints one line per figure.
#   bash scripts/benchmark.sh        (after make setup)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.venv/bin:$PATH" ANSIBLE_CONFIG="$root/ansible.cfg" ANSIBLE_FORCE_COLOR=0
state="$(mktemp -d "${TMPDIR:-/tmp}/muejam-bench.XXXXXX")"
trap 'python -m tools.health_server stop --state-dir "$state/health" >/dev/null; python -m tools.emulator stop --state-dir "$state" >/dev/null; rm -rf "$state"' EXIT
python -m tools.emulator start --port 0 --state-dir "$state" >/dev/null
python -m tools.health_server start --port 0 --state-dir "$state/health" >/dev/null
eval "$(python -m tools.emulator env --state-dir "$state")"
export MUEJAM_OUTPUTS_DIR="$state/outputs"

measure() {  # measure LABEL COMMAND...: run, print the wall time and the recap's changed count
    local label="$1" start end recap
    shift
    start=$(date +%s%N)
    "$@" > "$state/run.log" 2>&1 || { echo "benchmark: '$label' failed; see below" >&2; tail -40 "$state/run.log" >&2; exit 1; }
    end=$(date +%s%N)
    recap=$(grep -Eo 'changed=[0-9]+' "$state/run.log" | tail -1)
    printf '%-40s %5d.%01d s  %s\n' "$label" $(((end - start) / 1000000000)) $(((end - start) / 100000000 % 10)) "$recap"
}

echo "muejam.infra benchmark ($(nproc) CPUs, $(python --version), emulator $MUEJAM_AWS_ENDPOINT)"
measure "site.yml, empty account" ansible-playbook site.yml -i inventories/local
measure "site.yml again (no change)" ansible-playbook site.yml -i inventories/local
measure "site.yml --check on the stack" ansible-playbook site.yml -i inventories/local --check
measure "playbooks/readiness.yml" ansible-playbook playbooks/readiness.yml -i inventories/local
grep -Eo 'Ready after [0-9.]+ s \([0-9]+ polls\)' "$state/run.log" | sed 's/^/  readiness gate: /'
measure "playbooks/audit.yml" ansible-playbook playbooks/audit.yml -i inventories/local
measure "teardown.yml" ansible-playbook teardown.yml -i inventories/local -e teardown_confirm=local
measure "teardown.yml again (nothing left)" ansible-playbook teardown.yml -i inventories/local -e teardown_confirm=local
