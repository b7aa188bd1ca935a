"""The component probes of tools.health_server.checks against loopback fakes."""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from health_fakes import FakeServer, Handler, postgres_handler, redis_handler, silent_handler

from tools.health_server.checks import parse_target, run_check, run_checks


class TestParseTarget:
    @pytest.mark.parametrize(
        ("url", "scheme", "host", "port"),
        [
            ("postgresql://db.internal", "postgresql", "db.internal", 5432),
            ("postgres://db.internal:6432", "postgres", "db.internal", 6432),
            ("redis://cache:6380", "redis", "cache", 6380),
            ("rediss://cache", "rediss", "cache", 6379),
            ("tcp://127.0.0.1:9000", "tcp", "127.0.0.1", 9000),
        ],
    )
    def test_reads_host_and_default_port(self, url: str, scheme: str, host: str, port: int) -> None:
        target = parse_target(url)
        assert (target.scheme, target.host, target.port) == (scheme, host, port)

    def test_reads_an_absolute_sqlite_path(self) -> None:
        assert parse_target("sqlite:///var/lib/app/db.sqlite3").path == "/var/lib/app/db.sqlite3"

    def test_reads_redis_credentials_and_keeps_them_out_of_where(self) -> None:
        target = parse_target("redis://app:s%40cret@cache:6379")
        assert (target.username, target.password) == ("app", "s@cret")
        assert "s@cret" not in target.where

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("mysql://db:3306", "unsupported scheme"),
            ("db.internal:5432", "unsupported scheme"),
            ("tcp://127.0.0.1", "no port"),
            ("redis://:6379", "no host"),
            ("sqlite://relative/path.db", "three slashes"),
            ("tcp://host:99999", "out of range"),
        ],
    )
    def test_rejects_what_it_cannot_check(self, url: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            parse_target(url)


class TestPostgresqlProbe:
    @pytest.mark.parametrize("answer", [b"N", b"S"])
    def test_is_ok_when_the_server_answers_the_ssl_request(
        self, fake_server: Callable[[Handler], FakeServer], answer: bytes
    ) -> None:
        handler = postgres_handler(answer)
        server = fake_server(handler)
        assert run_check("database", parse_target(f"postgresql://127.0.0.1:{server.port}")) == "ok"
        assert handler.requests == [struct.pack("!ii", 8, 80877103)]  # type: ignore[attr-defined]

    def test_fails_when_something_else_answers(self, fake_server: Callable[[Handler], FakeServer]) -> None:
        server = fake_server(postgres_handler(b"H"))
        assert run_check("database", parse_target(f"postgresql://127.0.0.1:{server.port}")) == (
            "error: not a PostgreSQL server"
        )

    def test_fails_when_the_server_answers_an_error(self, fake_server: Callable[[Handler], FakeServer]) -> None:
        server = fake_server(postgres_handler(b"E"))
        assert run_check("database", parse_target(f"postgresql://127.0.0.1:{server.port}")) == (
            "error: server answered with an error"
        )

    def test_fails_when_nothing_listens(self, closed_port: int) -> None:
        assert run_check("database", parse_target(f"postgresql://127.0.0.1:{closed_port}")) == (
            "error: connection refused"
        )

    def test_fails_within_the_timeout_when_the_server_never_answers(
        self, fake_server: Callable[[Handler], FakeServer]
    ) -> None:
        server = fake_server(silent_handler)
        started = time.monotonic()
        result = run_check("database", parse_target(f"postgresql://127.0.0.1:{server.port}"), timeout=0.3)
        assert result == "error: no answer within 0.3 s"
        assert time.monotonic() - started < 2


class TestRedisProbe:
    def test_is_ok_when_ping_answers_pong(self, fake_redis: FakeServer) -> None:
        assert run_check("cache", parse_target(f"redis://127.0.0.1:{fake_redis.port}")) == "ok"

    def test_names_the_error_the_server_answers(self, fake_server: Callable[[Handler], FakeServer]) -> None:
        server = fake_server(redis_handler(auth_password="secret"))
        assert run_check("cache", parse_target(f"redis://127.0.0.1:{server.port}")) == "error: server answered NOAUTH"

    def test_authenticates_with_the_password_of_the_url(self, fake_server: Callable[[Handler], FakeServer]) -> None:
        server = fake_server(redis_handler(auth_password="pass word"))
        assert run_check("cache", parse_target(f"redis://:pass%20word@127.0.0.1:{server.port}")) == "ok"

    def test_fails_with_a_wrong_password_without_echoing_it(self, fake_server: Callable[[Handler], FakeServer]) -> None:
        server = fake_server(redis_handler(auth_password="secret"))
        result = run_check("cache", parse_target(f"redis://:guess@127.0.0.1:{server.port}"))
        assert result == "error: authentication failed"

    def test_fails_when_something_else_answers(self, fake_server: Callable[[Handler], FakeServer]) -> None:
        server = fake_server(redis_handler(reply_to_ping=b"HTTP/1.1 400 Bad Request\r\n"))
        assert run_check("cache", parse_target(f"redis://127.0.0.1:{server.port}")) == "error: not a Redis server"

    def test_fails_when_nothing_listens(self, closed_port: int) -> None:
        assert run_check("cache", parse_target(f"redis://127.0.0.1:{closed_port}")) == "error: connection refused"


class TestSqliteProbe:
    def test_is_ok_on_a_database_file(self, sqlite_database: Path) -> None:
        assert run_check("database", parse_target(f"sqlite://{sqlite_database}")) == "ok"

    def test_fails_on_a_missing_file_and_does_not_create_it(self, tmp_path: Path) -> None:
        missing = tmp_path / "missing.sqlite3"
        assert run_check("database", parse_target(f"sqlite://{missing}")) == "error: unable to open database file"
        assert not missing.exists()

    def test_fails_on_a_file_that_is_not_a_database(self, tmp_path: Path) -> None:
        other = tmp_path / "notes.txt"
        other.write_text("not a database, but long enough to have a header " * 4)
        assert run_check("database", parse_target(f"sqlite://{other}")) == "error: file is not a database"


class TestTcpAndFileProbes:
    def test_tcp_is_ok_when_something_listens(self, fake_redis: FakeServer) -> None:
        assert run_check("cache", parse_target(f"tcp://127.0.0.1:{fake_redis.port}")) == "ok"

    def test_tcp_fails_when_nothing_listens(self, closed_port: int) -> None:
        assert run_check("cache", parse_target(f"tcp://127.0.0.1:{closed_port}")) == "error: connection refused"

    def test_file_is_ok_when_it_exists(self, tmp_path: Path) -> None:
        assert run_check("cache", parse_target(f"file://{tmp_path}")) == "ok"

    def test_file_fails_when_it_is_missing_without_naming_the_path(self, tmp_path: Path) -> None:
        assert run_check("cache", parse_target(f"file://{tmp_path}/gone")) == "error: file not found"


class TestRunChecks:
    def test_runs_the_checks_at_the_same_time_and_bounds_them_by_the_timeout(
        self, fake_server: Callable[[Handler], FakeServer], fake_redis: FakeServer
    ) -> None:
        silent = fake_server(silent_handler)
        targets = {
            "database": parse_target(f"postgresql://127.0.0.1:{silent.port}"),
            "queue": parse_target(f"redis://127.0.0.1:{silent.port}"),
            "cache": parse_target(f"redis://127.0.0.1:{fake_redis.port}"),
        }
        started = time.monotonic()
        results = run_checks(targets, timeout=0.5)
        assert time.monotonic() - started < 1.2  # not 2 x 0.5 s one after the other
        assert list(results) == ["database", "queue", "cache"]
        assert results["cache"] == "ok"
        assert results["database"].startswith("error: no answer")
        assert results["queue"].startswith("error: no answer")
