"""HTTP servers on 127.0.0.1 that the tests start: a text mirror and a web-archive stand-in.

Each route is a :class:`Reply`: a status, a body, and the misbehaviours the
store must survive (a slow answer, a body cut short of its Content-Length).
No test reaches any other network.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass(frozen=True)
class Reply:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/plain; charset=utf-8"
    delay: float = 0.0
    """Seconds to wait before answering (a slow server)."""
    truncate: bool = False
    """Announce the whole body but send only half of it, then close."""


class Server:
    """A running server: ``routes`` may be changed while it runs; ``url(path)`` gives the address of a path."""

    def __init__(self, routes: dict[str, Reply]) -> None:
        self.routes = routes
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                reply = server.routes.get(self.path, Reply(b"not found", 404))
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body[: len(reply.body) // 2] if reply.truncate else reply.body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up on a slow reply
                    pass
                if reply.truncate:
                    self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path


@contextmanager
def serve(routes: dict[str, Reply] | None = None) -> Iterator[Server]:
    server = Server(routes if routes is not None else {})
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        thread.join()


def mirror_routes(texts: Path) -> dict[str, Reply]:
    """A mirror of every ``<source id>.txt`` in ``texts``, served by hash as ``/<sha256>.txt``."""
    routes = {}
    for file in sorted(texts.glob("*.txt")):
        raw = file.read_bytes()
        routes[f"/{hashlib.sha256(raw).hexdigest()}.txt"] = Reply(raw)
    return routes
