#!/usr/bin/env bash
# Set up a checkout of muejam.infra: a Python >= 3.12 virtual environment in .venv with the
# pinned dependencies, and the collection linked so that FQCNs (muejam.infra.*) resolve from
# the checkout. Safe to run again: it does nothing when the environment is already current.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="${MUEJAM_VENV:-$root/.venv}"
requirements="$root/requirements-dev.txt"

python_ok() {
    "$1" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null
}

find_python() {
    local candidate
    if [ -n "${PYTHON:-}" ]; then
        if python_ok "$PYTHON"; then echo "$PYTHON"; return 0; fi
        echo "setup: PYTHON=$PYTHON is not a Python >= 3.12 with venv and ensurepip" >&2
        return 1
    fi
    for candidate in python3.13 python3.12 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
            command -v "$candidate"; return 0
        fi
    done
    # pyenv installs that are not the active version are not on PATH through the shims.
    local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
    # (An unmatched glob stays as it is and fails python_ok.)
    for candidate in $(printf '%s\n' "$pyenv_root"/versions/3.1[2-9]*/bin/python3 | sort -rV); do
        if python_ok "$candidate"; then echo "$candidate"; return 0; fi
    done
    return 1
}

stamp="$venv/.muejam-requirements"
if [ -x "$venv/bin/python" ] && python_ok "$venv/bin/python" && [ -f "$stamp" ] \
    && cmp -s "$stamp" "$requirements"; then
    :
else
    if ! python="$(find_python)"; then
        cat >&2 <<'MSG'
setup: no Python >= 3.12 found (ansible-core 2.21 needs it).
  Looked for: $PYTHON, python3.13, python3.12, python3 on PATH and pyenv versions 3.12+.
  Install one (for example `pyenv install 3.12` or `apt-get install python3.12-venv`)
  or point PYTHON at it: `PYTHON=/path/to/python3.12 make setup`.
MSG
        exit 1
    fi
    echo "setup: creating $venv with $python ($("$python" --version))"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
fi

# Make the checkout itself the collection muejam.infra on the collections path (ansible.cfg).
link="$root/collections/ansible_collections/muejam/infra"
mkdir -p "$(dirname "$link")"
if [ "$(readlink "$link" 2>/dev/null)" != "../../.." ]; then
    rm -rf "$link"
    ln -s ../../.. "$link"
fi
# awx.awx for playbooks/awx.yml (the AWX configuration as code), offline: see tools/awx_collection.py.
"$venv/bin/python" -m tools.awx_collection install --collections "$root/collections" >/dev/null
echo "setup: ready (ansible-core $("$venv/bin/python" -c 'import ansible.release; print(ansible.release.__version__)'), Python $("$venv/bin/python" -c 'import platform; print(platform.python_version())'))"
