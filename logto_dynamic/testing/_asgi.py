"""Just enough ASGI plumbing for the embedded server: a parsed request and a response to send."""

from __future__ import annotations

import hmac
import json
import math
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from logto_dynamic._types import Receive, Scope, Send

__all__ = [
    "BodyTooLarge",
    "Receive",
    "Request",
    "Response",
    "Scope",
    "Send",
    "read_request",
    "same_text",
    "wire_bytes",
]

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    """The request body is larger than :data:`MAX_BODY_BYTES`."""


@dataclass
class Request:
    """An HTTP request, parsed from an ASGI scope and its body."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes
    base_url: str
    query_items: list[tuple[str, str]] = field(default_factory=list)  # repeated names kept
    client_ip: str | None = None

    @property
    def content_type(self) -> str:
        """The media type of the body, lower-cased, without parameters."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def _js_values(value: Any) -> Any:
    """``value`` with every non-finite float as ``None`` (what ``JSON.stringify`` writes)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _js_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_js_values(v) for v in value]
    return value


@dataclass
class Response:
    """An HTTP response: status, body bytes and headers (a list, so ``Set-Cookie`` can repeat)."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(
        cls, status: int, payload: Any, headers: list[tuple[str, str]] | None = None
    ) -> Response:
        """A JSON response with Logto's content type (plus any extra ``headers``)."""
        try:
            data = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
        except ValueError:  # Infinity/NaN stored from a huge number: JSON.stringify says null
            data = json.dumps(_js_values(payload), separators=(",", ":")).encode()
        return cls(status, data, [("content-type", JSON_TYPE), *(headers or [])])

    @classmethod
    def text(cls, status: int, text: str) -> Response:
        """A ``text/plain`` response (Koa's default for bodies like ``Created``)."""
        return cls(status, text.encode(), [("content-type", TEXT_TYPE)])

    @classmethod
    def empty(cls, status: int = 204) -> Response:
        """A response without body and without ``Content-Type``."""
        return cls(status)

    async def send(self, send: Send) -> None:
        """Send this response through the ASGI ``send`` callable."""
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers]
        headers.append((b"content-length", str(len(self.body)).encode()))
        headers.append((b"logto-core-request-id", secrets.token_hex(16).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def wire_bytes(text: str) -> bytes:
    """``text`` as UTF-8 bytes, whatever it holds (a JSON ``"\\ud800"`` is a lone surrogate:
    kept, as a JavaScript string keeps it, rather than raising)."""
    return text.encode("utf-8", "surrogatepass")


def same_text(given: str, expected: str) -> bool:
    """A constant-time comparison of a client's text with a secret or digest (any text:
    ``hmac.compare_digest`` refuses non-ASCII ``str``)."""
    return hmac.compare_digest(wire_bytes(given), wire_bytes(expected))


def _parse_cookies(header: str) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            cookies.setdefault(name, unquote(value))
    return cookies


def _base_url(scope: Scope, headers: dict[str, str]) -> str:
    """The URL the client used: ``X-Forwarded-Host/-Proto`` (a proxy in front), else ``Host``."""
    host = headers.get("x-forwarded-host", "").split(",")[0].strip() or headers.get("host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    scheme = headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return f"{scheme or scope.get('scheme', 'http')}://{host}"


async def read_request(scope: Scope, receive: Receive) -> Request | None:
    """Read the whole request; ``None`` if the client went away.

    Raises :class:`BodyTooLarge` past :data:`MAX_BODY_BYTES`.
    """
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name == "cookie" and name in headers:
            value = f"{headers[name]}; {value}"
        headers[name] = value
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge(size)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    query_string = scope.get("query_string", b"").decode("latin-1")
    items = parse_qsl(query_string, keep_blank_values=True)
    return Request(
        method=scope["method"].upper(),
        path=scope["path"],
        query=dict(items),
        query_items=items,
        headers=headers,
        cookies=_parse_cookies(headers.get("cookie", "")),
        body=b"".join(chunks),
        base_url=_base_url(scope, headers),
        client_ip=(scope.get("client") or (None,))[0],
    )
