"""Framework-neutral request and response values shared by the transport and the server."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, str]  # keys lower-cased (ARM query keys are case-insensitive)
    headers: dict[str, str]  # keys lower-cased
    body: bytes
    base: str  # scheme://host[:port] the client used: LRO URLs are built from it
    via: str = "inprocess"  # or "http": decides how Retry-After is expressed

    @classmethod
    def build(
        cls, method: str, target: str, headers: dict[str, str], body: bytes, base: str, via: str
    ) -> Request:
        path, _, qs = target.partition("?")
        query = {k.lower(): v for k, v in parse_qsl(qs, keep_blank_values=True)}
        return cls(
            method.upper(),
            path,
            query,
            {k.lower(): v for k, v in headers.items()},
            body,
            base,
            via,
        )

    @property
    def api_version(self) -> str:
        return self.query.get("api-version", "")

    def json(self, lenient: bool = False) -> Any:
        """The body as JSON. ``lenient`` reads it as ARM's deployment front end does (Json.NET):
        unquoted property names, comments, single quotes and trailing commas. Azure CLI relies
        on that: ``az deployment group create --template-file`` splices the file's text, which
        may be JSON with comments, after an unquoted ``template:`` key (its
        ``JsonCTemplatePolicy``)."""
        from provisioner.localcloud.errors import malformed_body

        if not self.body:
            raise malformed_body("The request body is empty.")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            if not lenient:
                raise malformed_body(str(exc)) from exc
            import json5

            try:
                return json5.loads(self.body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as lenient_exc:
                raise malformed_body(str(lenient_exc)) from exc


@dataclass(slots=True)
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    drop: str = ""  # "before" / "after": the connection is cut instead of answering


def json_response(status: int, doc: Any, headers: dict[str, str] | None = None) -> Response:
    body = doc.encode() if isinstance(doc, str) else json.dumps(doc).encode()
    h = {"Content-Type": "application/json; charset=utf-8"}
    if headers:
        h.update(headers)
    return Response(status, h, body)


def retry_after(remaining_virtual: float, time_scale: float, via: str) -> str | None:
    """Integer Retry-After (the SDK crashes on anything else), or None when not worth waiting.

    In-process the transport scales the client's sleep by the time scale, so the header is in
    virtual seconds. Over HTTP the client sleeps real seconds, so it is given real ones and the
    header is left out when less than a second remains (the client then uses its polling
    interval).
    """
    if remaining_virtual <= 0:
        return None
    if via == "inprocess":
        return str(max(1, math.ceil(round(remaining_virtual, 2))))
    real = remaining_virtual * time_scale
    return str(math.ceil(real)) if real >= 1 else None
