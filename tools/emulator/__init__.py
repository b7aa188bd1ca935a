"""The local AWS emulator of muejam.infra: moto's server, corrected where it differs from AWS.

`python -m tools.emulator start|stop|status|serve|env|stage|faults|requests` (see `__main__.py`;
fault injection in `faults.py`, call counts in `request_counts.py`, `--owner-pid` in `owner.py`).
Each correction is a module in `tools.emulator.patches` with the AWS behaviour it follows and a
unit test in `tests/unit/emulator/`.
"""
