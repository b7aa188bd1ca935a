"""Fixtures shared by the unit tests: a real emulator started through the project's launcher."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"


def launcher(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m tools.emulator ARGS` as a user would; fail the test when it fails."""
    return subprocess.run(
        [sys.executable, "-m", "tools.emulator", *args], cwd=ROOT, check=True, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One emulator per test module, on a free port, stopped at the end whatever happens."""
    state_dir = tmp_path_factory.mktemp("emulator")
    launcher("start", "--port", "0", "--state-dir", str(state_dir))
    try:
        endpoint = (state_dir / "endpoint").read_text().strip()

        def client(service: str) -> Any:
            return boto3.client(
                service,
                region_name=REGION,
                endpoint_url=endpoint,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )

        image_id = client("ec2").describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        yield {
            "state_dir": state_dir,
            "endpoint": endpoint,
            "client": client,
            "image_id": image_id,
            "launcher": launcher,
        }
    finally:
        launcher("stop", "--state-dir", str(state_dir))
