"""The real /health server on a free loopback port, read over HTTP like the ALB and the gate do."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from health_fakes import FakeServer, Handler, postgres_handler

from ansible_collections.muejam.infra.plugins.module_utils.readiness import (
    FAIL,
    PASS,
    HttpResult,
    evaluate_http,
    parse_health_body,
)
from tools.health_server.checks import parse_target
from tools.health_server.server import HealthConfig, make_server

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "docs" / "health-response.schema.json").read_text())


class Response:
    def __init__(self, status: int, content_type: str, raw: bytes) -> None:
        self.status = status
        self.content_type = content_type
        self.raw = raw

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.raw)


def get(url: str, method: str = "GET") -> Response:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Response(response.status, response.headers["Content-Type"], response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers["Content-Type"], error.read())


@pytest.fixture
def health_server() -> Iterator[Callable[..., str]]:
    """Start a server with the given component URLs; returns its base URL."""
    servers = []

    def start(timeout: float = 2.0, service: str = "muejam-test", **urls: str) -> str:
        config = HealthConfig({name: parse_target(url) for name, url in urls.items()}, service, timeout)
        server = make_server(config, 0)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class TestHealthy:
    def test_answers_200_and_healthy_when_every_check_is_ok(
        self, health_server: Callable[..., str], sqlite_database: Path, fake_redis: FakeServer
    ) -> None:
        base = health_server(database=f"sqlite://{sqlite_database}", cache=f"redis://127.0.0.1:{fake_redis.port}")
        response = get(f"{base}/health")
        assert response.status == 200
        assert response.content_type == "application/json"
        body = response.body
        assert body["status"] == "healthy"
        assert body["service"] == "muejam-test"
        assert body["checks"] == {"database": "ok", "cache": "ok"}
        jsonschema.validate(body, SCHEMA, cls=jsonschema.Draft202012Validator)

    def test_is_healthy_for_the_readiness_gate(
        self, health_server: Callable[..., str], sqlite_database: Path, fake_redis: FakeServer
    ) -> None:
        base = health_server(database=f"sqlite://{sqlite_database}", cache=f"redis://127.0.0.1:{fake_redis.port}")
        response = get(f"{base}/health")
        report = parse_health_body(response.raw, response.content_type)
        assert (report.status, report.body_format, report.problem) == (PASS, "seed", None)
        assert report.components == {"database": PASS, "cache": PASS}
        result = HttpResult(f"{base}/health", response.status, response.content_type, response.raw)
        assert evaluate_http(result, ["database", "cache"])[0] == []

    def test_checks_a_postgresql_server_that_refuses_tls(
        self, health_server: Callable[..., str], fake_server: Callable[[Handler], FakeServer], fake_redis: FakeServer
    ) -> None:
        postgres = fake_server(postgres_handler(b"N"))
        base = health_server(
            database=f"postgresql://127.0.0.1:{postgres.port}", cache=f"redis://127.0.0.1:{fake_redis.port}"
        )
        response = get(f"{base}/health")
        assert (response.status, response.body["checks"]["database"]) == (200, "ok")

    def test_runs_the_checks_on_every_request(
        self, health_server: Callable[..., str], sqlite_database: Path, fake_redis: FakeServer
    ) -> None:
        base = health_server(database=f"sqlite://{sqlite_database}", cache=f"redis://127.0.0.1:{fake_redis.port}")
        assert get(f"{base}/health").status == 200
        fake_redis.close()
        response = get(f"{base}/health")
        assert response.status == 503
        assert response.body["checks"]["cache"] == "error: connection refused"


class TestUnhealthy:
    def test_answers_503_with_the_cause_when_the_database_is_unreachable(
        self, health_server: Callable[..., str], closed_port: int, fake_redis: FakeServer
    ) -> None:
        base = health_server(
            database=f"postgresql://127.0.0.1:{closed_port}", cache=f"redis://127.0.0.1:{fake_redis.port}"
        )
        response = get(f"{base}/health")
        assert response.status == 503
        assert response.content_type == "application/json"
        body = response.body
        assert body["status"] == "unhealthy"
        assert body["checks"] == {"database": "error: connection refused", "cache": "ok"}
        jsonschema.validate(body, SCHEMA, cls=jsonschema.Draft202012Validator)

    def test_is_failing_for_the_readiness_gate_and_names_the_component(
        self, health_server: Callable[..., str], closed_port: int, fake_redis: FakeServer
    ) -> None:
        base = health_server(
            database=f"postgresql://127.0.0.1:{closed_port}", cache=f"redis://127.0.0.1:{fake_redis.port}"
        )
        response = get(f"{base}/health")
        report = parse_health_body(response.raw, response.content_type)
        assert report.status == FAIL
        assert report.components == {"database": FAIL, "cache": PASS}
        assert report.details["database"] == "error: connection refused"
        result = HttpResult(f"{base}/health", response.status, response.content_type, response.raw)
        problems, _unused = evaluate_http(result, ["database", "cache"])
        assert any("HTTP 503" in problem for problem in problems)
        assert any(problem.startswith("component database: fail") for problem in problems)

    def test_answers_503_when_a_sqlite_database_is_missing(
        self, health_server: Callable[..., str], tmp_path: Path, fake_redis: FakeServer
    ) -> None:
        base = health_server(
            database=f"sqlite://{tmp_path}/missing.sqlite3", cache=f"redis://127.0.0.1:{fake_redis.port}"
        )
        response = get(f"{base}/health")
        assert (response.status, response.body["checks"]["database"]) == (503, "error: unable to open database file")


class TestRouting:
    @pytest.fixture
    def base(self, health_server: Callable[..., str], sqlite_database: Path, tmp_path: Path) -> str:
        return health_server(database=f"sqlite://{sqlite_database}", cache=f"file://{tmp_path}")

    @pytest.mark.parametrize("path", ["/", "/healthz", "/health/", "/metrics"])
    def test_answers_404_on_any_other_path(self, base: str, path: str) -> None:
        assert get(f"{base}{path}").status == 404

    def test_ignores_a_query_string(self, base: str) -> None:
        assert get(f"{base}/health?probe=alb").status == 200

    def test_answers_head_without_a_body(self, base: str) -> None:
        response = get(f"{base}/health", method="HEAD")
        assert (response.status, response.raw) == (200, b"")


class TestSchema:
    VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

    def test_is_a_valid_draft_2020_12_schema(self) -> None:
        jsonschema.Draft202012Validator.check_schema(SCHEMA)
        assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    def test_accepts_its_examples_and_the_seed_example(self) -> None:
        seed = {
            "status": "healthy",
            "timestamp": "2024-01-20T15:30:00.000000",
            "service": "muejam-library-backend",
            "checks": {"database": "ok", "cache": "ok"},
        }
        for example in [*SCHEMA["examples"], seed]:
            self.VALIDATOR.validate(example)

    @pytest.mark.parametrize(
        "change",
        [
            {"status": "ok"},
            {"checks": {"database": "ok"}},
            {"checks": {"database": "fine", "cache": "ok"}},
            {"checks": {"database": "error: connection refused", "cache": "ok"}},  # but status healthy
            {"timestamp": "yesterday"},
            {"service": ""},
        ],
    )
    def test_rejects_a_body_that_breaks_the_contract(self, change: dict[str, Any]) -> None:
        body = {
            "status": "healthy",
            "timestamp": "2024-01-20T15:30:00.000000+00:00",
            "service": "muejam-library-backend",
            "checks": {"database": "ok", "cache": "ok"},
        }
        assert not self.VALIDATOR.is_valid({**body, **change})

    def test_rejects_unhealthy_when_every_check_is_ok(self) -> None:
        body = {
            "status": "unhealthy",
            "timestamp": "2024-01-20T15:30:00Z",
            "service": "s",
            "checks": {"database": "ok", "cache": "ok"},
        }
        assert not self.VALIDATOR.is_valid(body)
