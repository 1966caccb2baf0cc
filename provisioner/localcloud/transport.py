"""The in-process way in: an azure-core ``HttpTransport`` that calls the engine directly.

No sockets, no threads: the real SDK client builds and parses real ARM traffic, only the
bytes never leave the process. ``sleep`` is where azure-core waits between LRO polls and
before retries, so it is where virtual time turns into (scaled) real time.
"""

from __future__ import annotations

import io
import time
from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest._http_response_impl import HttpResponseImpl
from azure.core.utils import case_insensitive_dict

from provisioner.localcloud.app import Engine, reason
from provisioner.localcloud.wire import Request


def _body_bytes(request: Any) -> bytes:
    content = getattr(request, "content", None)
    if content is None:
        content = getattr(request, "body", None)
    if content is None:
        return b""
    if isinstance(content, str):
        return content.encode()
    if isinstance(content, bytes | bytearray):
        return bytes(content)
    if hasattr(content, "read"):
        data = content.read()
        return data.encode() if isinstance(data, str) else data
    return b"".join(c.encode() if isinstance(c, str) else c for c in content)


class LocalTransport(HttpTransport):
    """azure-core transport bound to one local cloud engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: every delay azure-core asked for (virtual seconds), in order
        self.sleeps: list[float] = []

    def __enter__(self) -> LocalTransport:
        return self

    def __exit__(self, *args: Any) -> None:
        return None

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def sleep(self, duration: float) -> None:
        self.sleeps.append(duration)
        scale = self.engine.settings.current().time_scale
        if scale > 0 and duration > 0:
            time.sleep(duration * scale)

    def send(self, request: Any, **kwargs: Any) -> HttpResponseImpl:
        parts = urlsplit(request.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        req = Request.build(
            request.method,
            target,
            dict(request.headers),
            _body_bytes(request),
            f"{parts.scheme}://{parts.netloc}",
            "inprocess",
        )
        resp = self.engine.handle(req)
        if resp.drop == "before":
            raise ServiceRequestError(
                "connection dropped before the request was processed (local cloud fault)"
            )
        if resp.drop == "after":
            raise ServiceResponseError(
                "connection dropped before the response was received (local cloud fault)"
            )
        headers = case_insensitive_dict(resp.headers)
        body = resp.body
        return HttpResponseImpl(
            request=request,
            internal_response=io.BytesIO(body),
            status_code=resp.status,
            reason=reason(resp.status),
            content_type=headers.get("content-type"),
            headers=headers,
            stream_download_generator=lambda response, pipeline, decompress=True, **k: iter([body]),
        )
