"""HTTP plumbing for :mod:`logto_dynamic._proxy`: headers, problem answers, the exchange log."""

from __future__ import annotations

import gzip
import json
import logging
import os
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from http.cookiejar import DefaultCookiePolicy
from typing import IO, Any

from logto_dynamic._traffic import TrafficReport
from logto_dynamic._violations import Violation

__all__ = [
    "HOP_BY_HOP",
    "Exchange",
    "ExchangeLog",
    "LogTarget",
    "RefuseAllCookies",
    "content_length",
    "decode_content",
    "forwarded_headers",
    "send_problem",
    "strip_hop_by_hop",
    "summary_value",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
RawHeaders = list[tuple[bytes, bytes]]

#: RFC 9110 §7.6.1 connection-specific fields (plus the de-facto Proxy-Connection).
HOP_BY_HOP = frozenset({
    b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer",
    b"transfer-encoding", b"upgrade", b"proxy-authenticate", b"proxy-authorization",
})

PROBLEM_BASE = "urn:logto-dynamic:problem:"
SUMMARY_HEADER = b"x-logto-dynamic-violations"
SUMMARY_LIMIT = 512


def strip_hop_by_hop(
    headers: Iterable[tuple[bytes, bytes]], *, drop: Iterable[bytes] = ()
) -> RawHeaders:
    """Headers without hop-by-hop fields, those ``Connection`` names, and ``drop``; order kept."""
    pairs = [(k.lower(), k, v) for k, v in headers]
    names = set(HOP_BY_HOP) | {d.lower() for d in drop}
    for low, _k, value in pairs:
        if low == b"connection":
            names |= {t.strip().lower() for t in value.split(b",") if t.strip()}
    return [(k, v) for low, k, v in pairs if low not in names]


def forwarded_headers(scope: Scope, original: RawHeaders) -> RawHeaders:
    """``X-Forwarded-For`` (appended to), ``-Proto`` and ``-Host`` (set) for the upstream."""
    client = scope.get("client")
    ip = str(client[0]) if client else "unknown"
    chain = [v for k, v in original if k.lower() == b"x-forwarded-for"]
    host = next((v for k, v in original if k.lower() == b"host"), b"")
    value = b", ".join([*chain, ip.encode("latin-1")])
    proto = str(scope.get("scheme", "http")).encode("latin-1")
    out: RawHeaders = [(b"x-forwarded-for", value), (b"x-forwarded-proto", proto)]
    if host:
        out.append((b"x-forwarded-host", host))
    return out


def summary_value(violations: list[Violation]) -> bytes:
    """``2; body $.password: expected string, got integer [type]; ...`` capped, one line."""
    text = f"{len(violations)}; " + "; ".join(str(v) for v in violations)
    text = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)
    if len(text) > SUMMARY_LIMIT:
        text = text[: SUMMARY_LIMIT - 3] + "..."
    return text.encode("ascii")


async def send_problem(
    send: Send,
    status: int,
    kind: str,
    title: str,
    detail: str,
    *,
    violations: list[dict[str, Any]] | None = None,
) -> None:
    """An RFC 9457 ``application/problem+json`` answer."""
    problem: dict[str, Any] = {
        "type": PROBLEM_BASE + kind, "title": title, "status": status, "detail": detail,
    }
    if violations is not None:
        problem["violations"] = violations
    body = json.dumps(problem).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
        ],
    })
    await send({"type": "http.response.body", "body": body})


def decode_content(encoding: str | None, body: bytes) -> bytes | None:
    """Undo ``Content-Encoding`` for validation; None when the coding is not supported."""
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    try:
        for coding in reversed(codings):
            if coding == "identity":
                continue
            if coding in ("gzip", "x-gzip"):
                body = gzip.decompress(body)
            elif coding == "deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    body = zlib.decompress(body, -zlib.MAX_WBITS)
            else:
                return None
    except (OSError, zlib.error, EOFError):
        return None
    return body


LogTarget = str | os.PathLike[str] | logging.Logger | IO[str] | None


class ExchangeLog:
    """One JSON line per exchange to a file (appended), an open text stream or a logger.

    ``None`` means the ``logto_dynamic.proxy`` logger (at INFO level).
    """

    def __init__(self, target: LogTarget = None) -> None:
        self._lock = threading.Lock()
        self._logger: logging.Logger | None = None
        self._stream: IO[str] | None = None
        self._owned = False
        if target is None:
            self._logger = logging.getLogger("logto_dynamic.proxy")
        elif isinstance(target, logging.Logger):
            self._logger = target
        elif isinstance(target, str | os.PathLike):
            self._stream = open(target, "a", encoding="utf-8")  # closed in close()
            self._owned = True
        else:
            self._stream = target

    def write(self, record: dict[str, Any]) -> None:
        """Write one record as a single JSON line."""
        line = json.dumps(record, separators=(",", ":"), sort_keys=False)
        if self._logger is not None:
            self._logger.info("%s", line)
            return
        with self._lock:
            if self._stream is not None:
                self._stream.write(line + "\n")
                self._stream.flush()

    def close(self) -> None:
        """Close a file this log opened."""
        with self._lock:
            if self._owned and self._stream is not None:
                self._stream.close()
                self._stream = None


class RefuseAllCookies(DefaultCookiePolicy):
    """A cookie policy that stores nothing and sends nothing."""

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False

    def return_ok(self, cookie: Any, request: Any) -> bool:
        return False


class Exchange:
    """What the log line of one exchange says."""

    def __init__(self, method: str, path: str, api: bool) -> None:
        self.start = time.perf_counter()
        self.api = api
        self.found: list[Violation] = []
        self.record: dict[str, Any] = {
            "operation": None, "method": method, "path": path, "status": None,
            "upstream_status": None, "action": "relayed", "violations": [], "notes": [],
        }

    def add(self, report: TrafficReport) -> None:
        self.record["operation"] = report.operation_id
        if report.path_template:
            self.record["path"] = report.path_template
        self.record["violations"] += [
            {"direction": report.direction, **v.to_dict()} for v in report.violations
        ]
        self.record["notes"] += report.notes
        self.found += report.violations

    @property
    def violations(self) -> list[dict[str, Any]]:
        return list(self.record["violations"])


def content_length(headers: RawHeaders) -> int | None:
    for key, value in headers:
        if key.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
