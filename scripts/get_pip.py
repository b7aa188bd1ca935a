# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for the pip bootstrap script ansible-test downloads into the empty virtual
environments it makes for its sanity tools.

ansible-test creates them without pip and fetches ``get-pip-<version>.py`` from
ci-files.testing.ansible.com, which a machine that reaches PyPI only through a mirror cannot
reach. It says to save the script as ``~/.ansible/test/cache/get_pip_<version>.py`` then;
``scripts/sanity.sh`` puts this one there when there is none. It does what get-pip does with
ansible-test's arguments (``pip==<version>`` and pip options), from PyPI: the pip that Python
bundles (``ensurepip``, offline) installs the requested pip from the configured index.
"""

from __future__ import annotations

import ensurepip
import subprocess
import sys

# get-pip's own flags; pip install does not know them (no setuptools and no wheel is its default).
GET_PIP_FLAGS = {"--no-setuptools", "--no-wheel"}


def main(argv: list[str]) -> int:
    pip_arguments = [argument for argument in argv if argument not in GET_PIP_FLAGS]
    ensurepip.bootstrap()
    return subprocess.run([sys.executable, "-m", "pip", "install", *pip_arguments], check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
