"""The HTTP side of the reference `/health` server.

``GET /health`` (and ``HEAD``) runs every component check on every request and answers

- ``200`` with ``{"status": "healthy", ...}`` when every check says ``ok``;
- ``503`` with ``{"status": "unhealthy", ...}`` otherwise, the failing check's value saying why.

Any other path is ``404``. The server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from tools.health_server.checks import DEFAULT_TIMEOUT, OK, Target, run_checks

HOST = "127.0.0.1"
HEALTH_PATH = "/health"
CONTENT_TYPE = "application/json"
DEFAULT_SERVICE = "muejam-health-reference"

log = logging.getLogger("tools.health_server")


@dataclass
class HealthConfig:
    """What `/health` checks: component name -> target, in the order they are reported."""

    targets: dict[str, Target]
    service: str = DEFAULT_SERVICE
    timeout: float = DEFAULT_TIMEOUT
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def health_body(config: HealthConfig, checks: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
    """The status code and body for the given check results."""
    healthy = all(value == OK for value in checks.values())
    body = {
        "status": "healthy" if healthy else "unhealthy",
        "timestamp": config.clock().isoformat(timespec="microseconds"),
        "service": config.service,
        "checks": dict(checks),
    }
    return (HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE), body


def evaluate(config: HealthConfig) -> tuple[int, dict[str, Any]]:
    """Run the checks now and return the status code and body."""
    return health_body(config, run_checks(config.targets, config.timeout))


class HealthHandler(BaseHTTPRequestHandler):
    server_version = "muejam-health/1"
    protocol_version = "HTTP/1.1"
    config: HealthConfig  # set on the subclass that make_server builds

    def _send(self, status: int, body: dict[str, Any], include_body: bool = True) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if include_body:
            self.wfile.write(payload)

    def _answer(self, include_body: bool) -> None:
        if urlsplit(self.path).path != HEALTH_PATH:
            self._send(
                HTTPStatus.NOT_FOUND, {"error": f"not found; the health endpoint is {HEALTH_PATH}"}, include_body
            )
            return
        status, body = evaluate(self.config)
        self._send(status, body, include_body)

    def do_GET(self) -> None:
        self._answer(include_body=True)

    def do_HEAD(self) -> None:
        self._answer(include_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def make_server(config: HealthConfig, port: int) -> ThreadingHTTPServer:
    """A server bound to 127.0.0.1:port (0 picks a free port); not yet serving."""
    handler = type("ConfiguredHealthHandler", (HealthHandler,), {"config": config})
    server = ThreadingHTTPServer((HOST, port), handler)
    server.daemon_threads = True
    return server


def serve_until_signalled(server: Any) -> None:
    """Run `server.serve_forever()` until SIGTERM or SIGINT, then close it."""

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return, so it must run in another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


def serve(config: HealthConfig, port: int) -> None:
    """Serve in the foreground until SIGTERM or SIGINT."""
    server = make_server(config, port)
    host, bound = server.server_address[:2]
    checks = ", ".join(f"{name}={target.where}" for name, target in config.targets.items())
    log.info(
        "serving http://%s:%d%s for %s (checks: %s; timeout %g s)",
        host,
        bound,
        HEALTH_PATH,
        config.service,
        checks,
        config.timeout,
    )

    serve_until_signalled(server)
    log.info("stopped")
    sys.stdout.flush()
