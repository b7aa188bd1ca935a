"""A stand-in for the demo's cache: a loopback server that speaks just enough Redis for PING.

It is NOT a cache. It exists so that `make demo`, which has no Redis, still exercises the real
``redis://`` probe of the health server end to end, and so that stopping it (its pid is in
``DIR/cache-stand-in.pid``) shows the 503 path. Point ``MUEJAM_HEALTH_CACHE`` at a real Redis
or Valkey (``redis://host:6379``) to check a real one instead.

It answers ``PING`` (inline or as a RESP array) with ``+PONG`` and everything else with an error.
"""

from __future__ import annotations

import logging
import socketserver

from tools.health_server.server import HOST

log = logging.getLogger("tools.health_server")


class _PingHandler(socketserver.StreamRequestHandler):
    timeout = 30

    def handle(self) -> None:
        try:
            while line := self.rfile.readline(1024):
                words = line.strip().split()
                if line.startswith(b"*"):
                    # A RESP array: *N, then $len / word pairs; read the words.
                    words = []
                    for _unused in range(int(line[1:].strip() or b"0")):
                        self.rfile.readline(1024)
                        words.append(self.rfile.readline(1024).strip())
                command = words[0].upper() if words else b""
                if command == b"PING":
                    self.wfile.write(b"+PONG\r\n")
                elif command == b"QUIT":
                    self.wfile.write(b"+OK\r\n")
                    return
                else:
                    self.wfile.write(b"-ERR this is the demo's cache stand-in; it answers PING only\r\n")
        except (OSError, ValueError):
            return


class RedisStandIn(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int) -> None:
        super().__init__((HOST, port), _PingHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]
