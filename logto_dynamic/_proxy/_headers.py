"""Header plumbing for the proxy: hop-by-hop fields, ``X-Forwarded-*``, sizes, summaries."""

from __future__ import annotations

from collections.abc import Iterable

from logto_dynamic._types import Scope
from logto_dynamic._validation._violations import Violation

__all__ = [
    "HOP_BY_HOP",
    "SUMMARY_HEADER",
    "RawHeaders",
    "content_length",
    "forwarded_headers",
    "header_value",
    "headers_size",
    "strip_hop_by_hop",
    "summary_value",
]

RawHeaders = list[tuple[bytes, bytes]]

#: RFC 9110 §7.6.1 connection-specific fields (plus the de-facto Proxy-Connection).
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"proxy-authenticate",
        b"proxy-authorization",
    }
)

#: Set by the proxy itself on the way to the upstream; whatever the client sent is replaced.
OWN_REQUEST_FIELDS = frozenset(
    {b"host", b"content-length", b"x-forwarded-proto", b"x-forwarded-host", b"x-forwarded-for"}
)

SUMMARY_HEADER = b"x-logto-dynamic-violations"
SUMMARY_LIMIT = 512


def strip_hop_by_hop(
    headers: Iterable[tuple[bytes, bytes]], *, drop: frozenset[bytes] = frozenset()
) -> RawHeaders:
    """Headers without hop-by-hop fields, those ``Connection`` names, and ``drop``; order kept.

    ``drop`` holds lower-case names.
    """
    names = HOP_BY_HOP | drop
    out: RawHeaders = []
    listed: set[bytes] | None = None
    for key, value in headers:
        low = key.lower()
        if low in names:
            if low == b"connection":
                listed = (listed or set()).union(
                    t.strip().lower() for t in value.split(b",") if t.strip()
                )
            continue
        out.append((key, value))
    if listed:
        out = [(k, v) for k, v in out if k.lower() not in listed]
    return out


def forwarded_headers(scope: Scope, original: RawHeaders) -> RawHeaders:
    """``X-Forwarded-For`` (appended to), ``-Proto`` and ``-Host`` (set) for the upstream."""
    client = scope.get("client")
    ip = str(client[0]) if client else "unknown"
    chain = [v for k, v in original if k.lower() == b"x-forwarded-for"]
    host = header_value(original, b"host") or b""
    value = b", ".join([*chain, ip.encode("latin-1")])
    proto = str(scope.get("scheme", "http")).encode("latin-1")
    out: RawHeaders = [(b"x-forwarded-for", value), (b"x-forwarded-proto", proto)]
    if host:
        out.append((b"x-forwarded-host", host))
    return out


def header_value(headers: RawHeaders, name: bytes) -> bytes | None:
    """The first value of ``name`` (lower-case), or None."""
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def content_length(headers: RawHeaders) -> int | None:
    """The declared ``Content-Length``, or None when absent or not a number."""
    value = header_value(headers, b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def headers_size(headers: RawHeaders) -> int:
    """Bytes the header block takes on the wire (``name: value\\r\\n`` each)."""
    return sum(len(k) + len(v) + 4 for k, v in headers)


def summary_value(violations: list[Violation]) -> bytes:
    """``2; body $.password: expected string, got integer [type]; ...`` capped, one line."""
    text = f"{len(violations)}; " + "; ".join(str(v) for v in violations)
    text = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)
    if len(text) > SUMMARY_LIMIT:
        text = text[: SUMMARY_LIMIT - 3] + "..."
    return text.encode("ascii")
