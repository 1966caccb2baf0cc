"""The HTTP(S) way in: stdlib ``ThreadingHTTPServer`` on loopback.

HTTP/1.1 keep-alive with Nagle disabled (otherwise every request stalls ~40 ms on delayed
ACKs); TLS with a throw-away trustme CA whose certificate is written to a file for clients'
``connection_verify``.
"""

from __future__ import annotations

import os
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from provisioner.localcloud.app import Engine, reason
from provisioner.localcloud.wire import Request


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return None

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        req = Request.build(
            self.command,
            self.path,
            dict(self.headers.items()),
            body,
            f"{self.server.scheme}://{host}",
            "http",
        )
        resp = self.server.engine.handle(req)
        if resp.drop:
            self.close_connection = True
            return
        self.send_response(resp.status, reason(resp.status))
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD" and resp.body:
            self.wfile.write(resp.body)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    engine: Engine
    scheme: str = "http"


class Server:
    """A running local cloud server: ``url``, ``ca_path`` (TLS only), ``shutdown()``."""

    def __init__(
        self,
        engine: Engine,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        ca_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self._httpd = _Server((host, port), _Handler)
        self._httpd.engine = engine
        self.ca_path: str | None = None
        if tls:
            self.ca_path = str(ca_path or Path(tempfile.mkdtemp(prefix="localcloud-")) / "ca.pem")
            self._httpd.socket = _tls_context(host, self.ca_path).wrap_socket(
                self._httpd.socket, server_side=True
            )
            self._httpd.scheme = "https"
        self.host, self.port = host, self._httpd.server_address[1]
        self.url = f"{self._httpd.scheme}://{host}:{self.port}"
        self._thread: threading.Thread | None = None
        #: the LocalCloud behind the server (set by ``serve``), for its admin API
        self.cloud: Any = None

    def start(self) -> Server:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown waits at most one poll interval
            daemon=True,
            name="localcloud-server",
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def shutdown(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *args: Any) -> None:
        self.shutdown()


def _tls_context(host: str, ca_path: str) -> ssl.SSLContext:
    import trustme

    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(host, "localhost", "127.0.0.1").configure_cert(ctx)
    Path(ca_path).parent.mkdir(parents=True, exist_ok=True)
    ca.cert_pem.write_to_path(ca_path)
    return ctx
