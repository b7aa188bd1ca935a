#!/usr/bin/env bash
# The community's own checks, as Galaxy and the Ansible package run them: `ansible-test sanity`
# and `ansible-test units` on a copy of the checkout laid out as <tmp>/ansible_collections/muejam/infra,
# with amazon.aws and community.aws (bundled with the `ansible` package in .venv) beside it.
# ansible-test makes each sanity tool's virtual environment itself, from PyPI with the versions
# ansible-core pins, and keeps them in ~/.ansible/test/venv for the next run.
#
#   scripts/sanity.sh [all|sanity|units|list-units] [ansible-test options...]
#     scripts/sanity.sh sanity --test validate-modules
#     scripts/sanity.sh list-units     # the test files `units` runs (scripts/test.sh leaves them to it)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/.venv/bin:$PATH"
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS
what="${1:-all}"
[ $# -gt 0 ] && shift

# ansible-test units runs the pure unit tests of plugins/: those that need no emulator (its
# fixture, or its code in tools/, which ansible-test does not put on the path) and run no
# ansible-playbook. Under ansible-test a module or module_utils test sees ansible.module_utils
# only, as a module on a target does. The others stay with pytest (scripts/test.sh unit).
pure_units() {
    local test_file
    for test_file in $(cd "$root" && find tests/unit/plugins -name 'test_*.py' | sort); do
        grep -qE '\bemulator\b|\btools\.|ansible-playbook' "$root/$test_file" || echo "$test_file"
    done
}
case "$what" in
    list-units) pure_units; exit 0 ;;
    all | sanity | units) ;;
    *) echo "usage: scripts/sanity.sh [all|sanity|units|list-units] [ansible-test options...]" >&2; exit 2 ;;
esac

python_version="$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
work="$(mktemp -d "${TMPDIR:-/tmp}/muejam-sanity.XXXXXX")"
trap 'rm -rf "$work"' EXIT
tree="$work/ansible_collections/muejam/infra"
mkdir -p "$tree"

# The checkout's files as git sees them (tracked and new, not ignored), so that build output,
# .venv and the emulator's state stay out; without git, the tree minus what .gitignore names.
cd "$root"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done \
        | tar --null -T - -cf - | tar -xf - -C "$tree"
else
    tar --exclude-vcs --exclude=./.venv --exclude='./.emulator*' --exclude=./collections/ansible_collections \
        --exclude=./tests/output --exclude='*.tar.gz' --exclude=__pycache__ --exclude=.pytest_cache \
        --exclude=.ruff_cache --exclude=./.ansible --exclude=./outputs -cf - . | tar -xf - -C "$tree"
fi

bundled="$(python -c 'import ansible_collections; print(list(ansible_collections.__path__)[0])')"
for dependency in amazon/aws community/aws; do
    mkdir -p "$work/ansible_collections/${dependency%/*}"
    ln -s "$bundled/$dependency" "$work/ansible_collections/$dependency"
done

# ansible-test bootstraps pip into each new tool environment with a get-pip script it downloads
# from ci-files.testing.ansible.com. Where that host is out of reach (PyPI only through a mirror),
# it takes the script from its cache; scripts/get_pip.py does the same from PyPI.
pip_version="$(python -c 'import sys, types; from ansible_test._internal.python_requirements import get_venv_packages; print(get_venv_packages(types.SimpleNamespace(version=sys.argv[1]))["pip"])' "$python_version")"
get_pip="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ ! -f "$get_pip" ]; then
    mkdir -p "$(dirname "$get_pip")"
    if ! python -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
        "https://ci-files.testing.ansible.com/ansible-test/get-pip-$pip_version.py" "$get_pip.download" 2>/dev/null; then
        echo "sanity: ci-files.testing.ansible.com unreachable; pip $pip_version comes from PyPI (scripts/get_pip.py)"
        cp "$root/scripts/get_pip.py" "$get_pip.download"
    fi
    mv "$get_pip.download" "$get_pip"
fi

cd "$tree"
status=0
if [ "$what" != units ]; then
    echo "== ansible-test sanity (Python $python_version)"
    ansible-test sanity --python "$python_version" --color no "$@" || status=$?
fi
if [ "$what" != sanity ]; then
    mapfile -t units < <(pure_units)
    echo "== ansible-test units (Python $python_version): ${#units[@]} test files"
    ansible-test units --python "$python_version" --color no "$@" "${units[@]}" || status=$?
fi
exit "$status"
