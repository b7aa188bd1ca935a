"""Loopback fakes of the components the health server checks, written here on purpose.

They are independent of tools.health_server (its stand-in is not reused), so a bug in the
server's Redis stand-in cannot hide one in its Redis probe.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

Handler = Callable[[socket.socket], None]


class FakeServer:
    """Accepts loopback TCP connections and hands each to ``handler`` in a thread."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _unused = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            with contextlib.suppress(OSError):
                self.handler(conn)

    def close(self) -> None:
        # shutdown() first: it wakes the thread blocked in accept() and stops listening at once.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(5)


def redis_handler(reply_to_ping: bytes = b"+PONG\r\n", auth_password: str | None = None) -> Handler:
    """A fake Redis: answers PING with ``reply_to_ping``; enforces AUTH when a password is set."""

    def handle(conn: socket.socket) -> None:
        authenticated = auth_password is None
        buffer = b""
        while True:
            chunk = conn.recv(1024)
            if not chunk:
                return
            buffer += chunk
            if buffer.startswith(b"*"):  # RESP array, AUTH from the probe
                parts = buffer.split(b"\r\n")
                count = int(parts[0][1:])
                if len(parts) < 1 + 2 * count + 1:
                    continue
                words = [parts[2 + 2 * index] for index in range(count)]
                buffer = b""
                if words[0].upper() == b"AUTH" and words[-1].decode() == auth_password:
                    authenticated = True
                    conn.sendall(b"+OK\r\n")
                else:
                    conn.sendall(b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
                continue
            if b"\r\n" not in buffer:
                continue
            line, buffer = buffer.split(b"\r\n", 1)
            if line.strip().upper() == b"PING":
                conn.sendall(reply_to_ping if authenticated else b"-NOAUTH Authentication required.\r\n")

    return handle


def postgres_handler(answer: bytes) -> Handler:
    """A fake PostgreSQL postmaster: reads the 8-byte SSLRequest, answers ``answer``."""

    def handle(conn: socket.socket) -> None:
        request = b""
        while len(request) < 8:
            chunk = conn.recv(8 - len(request))
            if not chunk:
                return
            request += chunk
        handle.requests.append(request)  # type: ignore[attr-defined]
        conn.sendall(answer)

    handle.requests = []  # type: ignore[attr-defined]
    return handle


def silent_handler(conn: socket.socket) -> None:
    """Accepts and never answers, until the client goes away."""
    while conn.recv(1024):
        pass
