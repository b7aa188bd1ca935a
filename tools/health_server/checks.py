"""Component checks of the reference `/health` server, one real probe per URL scheme.

Each check answers ``"ok"`` or ``"error: <short cause>"`` as the seed's endpoint does. The
cause is kept short and never names hosts, ports, paths or credentials, because the body of
`/health` is served without authentication; the full detail goes to the server's log.

Schemes:

- ``postgresql://host[:5432]`` (or ``postgres://``): TCP connect, send the SSLRequest message
  (int32 length 8, int32 code 80877103) and expect the one-byte answer ``S`` or ``N``. Any
  PostgreSQL server answers it before authentication, so the probe needs no driver and no
  credentials, and proves a PostgreSQL postmaster is accepting connections.
- ``redis://[[user]:password@]host[:6379]`` (``rediss://`` for TLS): optional ``AUTH``, then the
  inline command ``PING`` and expect ``+PONG``.
- ``sqlite:///path/to/file``: open the file read-only (a missing file is an error, not a new
  empty database) and run a query that reads the database header.
- ``tcp://host:port``: TCP connect only.
- ``file:///path``: the path must exist.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import ssl
import struct
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

OK = "ok"
DEFAULT_TIMEOUT = 2.0
SSL_REQUEST = struct.pack("!ii", 8, 80877103)
DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432, "redis": 6379, "rediss": 6379}
SCHEMES = ("postgresql", "postgres", "redis", "rediss", "sqlite", "tcp", "file")

log = logging.getLogger("tools.health_server")


class CheckFailed(Exception):
    """A component is not healthy. ``str()`` is the short cause; ``detail`` goes to the log."""

    def __init__(self, cause: str, detail: str = "") -> None:
        super().__init__(cause)
        self.detail = detail or cause


@dataclass(frozen=True)
class Target:
    """A parsed component URL."""

    url: str
    scheme: str
    host: str = ""
    port: int = 0
    path: str = ""
    username: str | None = None
    password: str | None = None

    @property
    def where(self) -> str:
        """Where the check goes, for the log: never the password."""
        return self.path if self.scheme in ("sqlite", "file") else f"{self.scheme}://{self.host}:{self.port}"


def parse_target(url: str) -> Target:
    """Parse and validate a component URL; ValueError names what is wrong."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(f"unsupported scheme {parts.scheme or '(none)'!r} in {url!r}; use one of {', '.join(SCHEMES)}")
    if scheme in ("sqlite", "file"):
        if parts.netloc not in ("", "localhost") or not parts.path:
            raise ValueError(f"{url!r}: write {scheme}:///path/to/file (an absolute path after three slashes)")
        return Target(url=url, scheme=scheme, path=unquote(parts.path))
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError as error:
        raise ValueError(f"{url!r}: {error}") from None
    if not parts.hostname:
        raise ValueError(f"{url!r}: no host; write {scheme}://host:port")
    if not port:
        raise ValueError(f"{url!r}: no port; write {scheme}://host:port")
    return Target(
        url=url,
        scheme=scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def _connect(target: Target, timeout: float) -> socket.socket:
    try:
        return socket.create_connection((target.host, target.port), timeout=timeout)
    except socket.gaierror as error:
        raise CheckFailed("name resolution failed", f"{target.host}: {error}") from None
    except ConnectionRefusedError:
        raise CheckFailed("connection refused") from None
    except TimeoutError:
        raise CheckFailed(f"no connection within {timeout:g} s") from None
    except OSError as error:
        raise CheckFailed(f"connection failed ({error.strerror or error})") from None


def _receive(sock: socket.socket, timeout: float, until: Callable[[bytes], bool], limit: int = 512) -> bytes:
    data = b""
    try:
        while not until(data) and len(data) < limit:
            chunk = sock.recv(limit - len(data))
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        raise CheckFailed(f"no answer within {timeout:g} s") from None
    except OSError as error:
        raise CheckFailed(f"connection failed ({error.strerror or error})") from None
    if not data:
        raise CheckFailed("connection closed without an answer")
    return data


def check_tcp(target: Target, timeout: float) -> None:
    _connect(target, timeout).close()


def check_postgresql(target: Target, timeout: float) -> None:
    with _connect(target, timeout) as sock:
        try:
            sock.sendall(SSL_REQUEST)
        except OSError as error:
            raise CheckFailed(f"connection failed ({error.strerror or error})") from None
        answer = _receive(sock, timeout, until=lambda data: len(data) >= 1, limit=1)
    if answer in (b"S", b"N"):
        return
    if answer == b"E":
        # An ErrorResponse before any startup: too many connections, shutting down, ...
        raise CheckFailed("server answered with an error", "ErrorResponse to SSLRequest")
    raise CheckFailed("not a PostgreSQL server", f"answer {answer!r} to SSLRequest")


def _resp_command(*words: str) -> bytes:
    """A command as a RESP array, so a password with spaces or CR/LF stays one argument."""
    encoded = [word.encode() for word in words]
    return b"*%d\r\n" % len(encoded) + b"".join(b"$%d\r\n%s\r\n" % (len(word), word) for word in encoded)


def _resp_line(sock: socket.socket, timeout: float) -> str:
    line = _receive(sock, timeout, until=lambda data: b"\r\n" in data)
    return line.split(b"\r\n", 1)[0].decode("utf-8", errors="replace")


def check_redis(target: Target, timeout: float) -> None:
    raw = _connect(target, timeout)
    sock: socket.socket = raw
    try:
        if target.scheme == "rediss":
            try:
                sock = ssl.create_default_context().wrap_socket(raw, server_hostname=target.host)
            except ssl.SSLCertVerificationError as error:
                raise CheckFailed("TLS certificate not trusted", str(error)) from None
            except (ssl.SSLError, OSError) as error:
                raise CheckFailed("TLS handshake failed", str(error)) from None
        if target.password is not None:
            words = ("AUTH", target.username, target.password) if target.username else ("AUTH", target.password)
            sock.sendall(_resp_command(*words))
            reply = _resp_line(sock, timeout)
            if not reply.startswith("+OK"):
                # The error text of a failed AUTH never contains the password.
                raise CheckFailed("authentication failed", reply[:100])
        sock.sendall(b"PING\r\n")
        reply = _resp_line(sock, timeout)
    except OSError as error:
        raise CheckFailed(f"connection failed ({error.strerror or error})") from None
    finally:
        sock.close()
    if reply.startswith("+PONG"):
        return
    if reply.startswith("-"):
        # -NOAUTH Authentication required., -LOADING ..., -MISCONF ...: the first word says it.
        raise CheckFailed(f"server answered {reply[1:].split(' ', 1)[0][:40]}", reply[:100])
    raise CheckFailed("not a Redis server", f"answer {reply[:100]!r} to PING")


def check_sqlite(target: Target, timeout: float) -> None:
    # mode=ro: a missing file fails instead of silently becoming a new empty database. Reading
    # sqlite_master reads the header, so a file that is not a database fails too (SELECT 1
    # alone would pass on any file).
    try:
        connection = sqlite3.connect(f"file:{target.path}?mode=ro", uri=True, timeout=timeout)
    except sqlite3.Error as error:
        raise CheckFailed(str(error)[:80]) from None
    try:
        connection.execute("SELECT 1").fetchone()
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as error:
        raise CheckFailed(str(error)[:80]) from None
    finally:
        connection.close()


def check_file(target: Target, timeout: float) -> None:
    if not os.path.exists(target.path):
        raise CheckFailed("file not found", target.path)


PROBES: dict[str, Callable[[Target, float], None]] = {
    "postgresql": check_postgresql,
    "postgres": check_postgresql,
    "redis": check_redis,
    "rediss": check_redis,
    "sqlite": check_sqlite,
    "tcp": check_tcp,
    "file": check_file,
}


def run_check(name: str, target: Target, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Run one probe; return ``"ok"`` or ``"error: <cause>"``. Never raises."""
    started = time.monotonic()
    try:
        PROBES[target.scheme](target, timeout)
    except CheckFailed as error:
        log.warning("check %s (%s) failed: %s", name, target.where, error.detail)
        return f"error: {error}"
    except Exception as error:  # a probe bug must not take the endpoint down
        log.exception("check %s (%s) raised", name, target.where)
        return f"error: check raised {type(error).__name__}"
    log.debug("check %s (%s) ok in %.3f s", name, target.where, time.monotonic() - started)
    return OK


def run_checks(targets: Mapping[str, Target], timeout: float = DEFAULT_TIMEOUT) -> dict[str, str]:
    """Run every check at the same time; one that has not answered after ``timeout`` fails.

    Each probe also bounds its own socket operations by ``timeout``, so a late thread ends
    on its own shortly after; it is a daemon and never holds the answer up.
    """
    results: dict[str, str] = {}
    lock = threading.Lock()

    def worker(name: str, target: Target) -> None:
        value = run_check(name, target, timeout)
        with lock:
            results[name] = value

    threads = [
        threading.Thread(target=worker, args=(name, target), name=f"check-{name}", daemon=True)
        for name, target in targets.items()
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout + 0.25
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    with lock:
        return {name: results.get(name, f"error: no answer within {timeout:g} s") for name in targets}
