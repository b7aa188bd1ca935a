"""http_get and the gate against real HTTP(S) servers on loopback (no mocked urlopen)."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.muejam.infra.plugins.module_utils.readiness import (
    Poll,
    ReadinessGate,
    evaluate_http,
    http_get,
)

HEALTHY = {"status": "healthy", "checks": {"database": "ok", "cache": "ok"}}
DB_DOWN = {"status": "unhealthy", "checks": {"database": "error: connection refused", "cache": "ok"}}

Answer = tuple[int, dict[str, str], bytes]


def json_answer(document: dict, status: int = 200) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(document).encode()


class Server:
    """A loopback HTTP server whose answer to request n is answers(n)."""

    def __init__(self, answers: Callable[[int], Answer], delay: float = 0.0, tls: ssl.SSLContext | None = None):
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests += 1
                status, headers, body = answers(outer.requests)
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}/health"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(answers, **options) -> Server:
        server = Server(answers, **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed CA-style certificate for 127.0.0.1 and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class VirtualTime:
    """A clock that only the gate's sleeps move: a poll count within a timeout does not depend on how
    fast a busy machine answers the HTTP calls."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def http_gate(
    url: str, consecutive: int = 2, timeout: float = 3.0, time: VirtualTime | None = None, **get_options
) -> ReadinessGate:
    def probe(number: int, elapsed: float) -> Poll:
        result = http_get(url, **get_options)
        problems, report = evaluate_http(result, required=None)
        return Poll(
            number=number,
            elapsed=elapsed,
            problems=problems,
            http_status=result.status_code,
            components=report.components if report else {},
            body_excerpt=result.excerpt(),
        )

    timing = {"clock": time.clock, "sleep": time.sleep} if time else {}
    return ReadinessGate(probe, consecutive=consecutive, timeout=timeout, interval=0.05, max_interval=0.1, **timing)


class TestHttpGet:
    def test_healthy_server_is_ready(self, serve):
        server = serve(lambda n: json_answer(HEALTHY))
        outcome = http_gate(server.url).run()
        assert outcome.ready
        assert outcome.polls == 2
        assert outcome.last.components == {"database": "pass", "cache": "pass"}

    def test_database_failing_with_503_names_the_component(self, serve):
        server = serve(lambda n: json_answer(DB_DOWN, status=503))
        outcome = http_gate(server.url, timeout=0.5).run()
        assert not outcome.ready
        assert outcome.last.http_status == 503
        assert "component database: fail (error: connection refused)" in outcome.last.problems

    def test_flapping_server_does_not_pass_before_the_consecutive_count(self, serve):
        server = serve(lambda n: json_answer(HEALTHY) if n % 2 else json_answer(DB_DOWN, status=503))
        outcome = http_gate(server.url, consecutive=2, timeout=1.0, time=VirtualTime()).run()
        assert not outcome.ready
        assert outcome.polls >= 4
        assert {entry["ready"] for entry in outcome.history} == {True, False}

    def test_flapping_then_steady_passes_only_after_two_in_a_row(self, serve):
        pattern = [True, False, True, False, True, True]
        server = serve(lambda n: json_answer(HEALTHY) if pattern[min(n, 6) - 1] else json_answer(DB_DOWN, status=503))
        outcome = http_gate(server.url, consecutive=2, timeout=5.0).run()
        assert outcome.ready
        assert outcome.polls == 6

    def test_slower_than_the_timeout_is_not_ready(self, serve):
        server = serve(lambda n: json_answer(HEALTHY), delay=1.0)
        result = http_get(server.url, timeout=0.2)
        assert result.error == "no answer within 0.2 s"
        assert evaluate_http(result, None)[0] == [f"GET {server.url}: no answer within 0.2 s"]

    def test_malformed_json_is_not_ready_and_shows_the_body(self, serve):
        server = serve(lambda n: (200, {"Content-Type": "text/html"}, b"<html>Bad Gateway</html>"))
        problems, _unused = evaluate_http(http_get(server.url), None)
        assert "body is not JSON" in problems[0]
        assert "<html>Bad Gateway</html>" in problems[0]

    def test_a_redirect_is_not_followed(self, serve):
        server = serve(lambda n: (301, {"Location": "https://127.0.0.1:1/health"}, b""))
        result = http_get(server.url)
        assert (result.status_code, result.location) == (301, "https://127.0.0.1:1/health")
        assert server.requests == 1
        assert "redirect to https://127.0.0.1:1/health" in evaluate_http(result, None)[0][0]

    def test_connection_refused_is_a_cause_not_a_traceback(self, serve):
        server = serve(lambda n: json_answer(HEALTHY))
        url = server.url
        server.close()
        result = http_get(url, timeout=1)
        assert result.error.startswith("connection failed:")

    def test_sends_the_extra_headers(self, serve):
        seen = {}

        def answers(n):
            return json_answer(HEALTHY)

        server = serve(answers)
        original = server.httpd.RequestHandlerClass.do_GET

        def recording(handler):
            seen.update(handler.headers)
            original(handler)

        server.httpd.RequestHandlerClass.do_GET = recording
        http_get(server.url, headers={"X-Readiness-Token": "s3cret"})
        assert seen["X-Readiness-Token"] == "s3cret"


class TestHttps:
    @pytest.fixture
    def https_server(self, serve, tls_files):
        cert_path, key_path = tls_files
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        return serve(lambda n: json_answer(HEALTHY), tls=context)

    def test_self_signed_certificate_fails_when_validating(self, https_server):
        result = http_get(https_server.url, validate_certs=True, timeout=2)
        assert result.error.startswith("TLS certificate not trusted")

    def test_self_signed_certificate_passes_with_its_ca_given(self, https_server, tls_files):
        result = http_get(https_server.url, validate_certs=True, ca_path=str(tls_files[0]), timeout=2)
        assert (result.error, result.status_code) == (None, 200)

    def test_validation_can_be_turned_off(self, https_server):
        result = http_get(https_server.url, validate_certs=False, timeout=2)
        assert result.status_code == 200
