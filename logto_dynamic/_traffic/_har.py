"""Validate the Experience API exchanges recorded in a HAR file (browser devtools export).

>>> summary = validate_har("signin.har")                              # doctest: +SKIP
>>> summary.ok, summary.skipped, summary.operations["InitInteraction"].passed
(True, 12, 1)

Entries outside the API (``/oidc/...``, ``/sign-in``, assets) are counted and skipped;
everything else is checked in both directions with a
:class:`~logto_dynamic._traffic.TrafficValidator`.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from logto_dynamic._exceptions import HarError
from logto_dynamic._spec import SpecSource
from logto_dynamic._traffic._validator import TrafficValidator
from logto_dynamic._validation._json import parse as parse_json_text
from logto_dynamic._validation._violations import Violation

__all__ = ["HarEntryResult", "HarSummary", "OperationStats", "validate_har"]

UNDOCUMENTED = "(undocumented)"
#: The operation name of an entry that is not a well-formed HAR entry.
MALFORMED = "(malformed)"


@dataclass
class HarEntryResult:
    """One checked entry; ``index`` is its number in ``log.entries`` counting from 1, as
    ``logto-dynamic har`` prints it (``#1``) and as browsers list them."""

    index: int
    method: str
    url: str
    operation: str
    status: int
    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "method": self.method,
            "path": _path_of(self.url) or self.url.partition("?")[0],
            "operation": self.operation,
            "status": self.status,
            "ok": self.ok,
            "violations": [v.to_dict() for v in self.violations],
            "notes": self.notes,
        }


@dataclass
class OperationStats:
    """Counts for one operation."""

    count: int = 0
    passed: int = 0
    violations: int = 0


@dataclass
class HarSummary:
    """Every checked entry, per-operation counts and how many entries were skipped."""

    entries: list[HarEntryResult] = field(default_factory=list)
    skipped: int = 0
    operations: dict[str, OperationStats] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.entries)

    @property
    def failures(self) -> list[HarEntryResult]:
        return [e for e in self.entries if not e.ok]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": len(self.entries),
            "skipped": self.skipped,
            "operations": {
                name: {"count": s.count, "passed": s.passed, "violations": s.violations}
                for name, s in sorted(self.operations.items())
            },
            "failures": [e.to_dict() for e in self.failures],
        }


class _Malformed(ValueError):
    """An entry does not have the shape of a HAR entry (the message says where)."""


def _path_of(url: str) -> str | None:
    """The URL's path; None when the URL does not parse (``http://[``)."""
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return None


def _string(node: Mapping[str, Any], key: str, where: str, default: str = "") -> str:
    value = node.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise _Malformed(f"{where}.{key} is a {type(value).__name__}, not a string")
    return value


def _object(node: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = node.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _Malformed(f"{where}.{key} is a {type(value).__name__}, not an object")
    return value


def _headers(node: Mapping[str, Any], where: str) -> list[tuple[str, str]]:
    items = node.get("headers")
    if items is None:
        return []
    if not isinstance(items, list):
        raise _Malformed(f"{where}.headers is a {type(items).__name__}, not a list")
    out: list[tuple[str, str]] = []
    for n, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise _Malformed(f"{where}.headers[{n}] is not a {{name, value}} object")
        out.append((_string(item, "name", f"{where}.headers[{n}]"), _string(item, "value", "")))
    return out


def _status(response: Mapping[str, Any]) -> int:
    """The recorded status: an integer from 100 to 999, or 0 (no answer recorded)."""
    value = response.get("status") or 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (value == 0 or 100 <= value <= 999)
    ):
        raise _Malformed(f"response.status {str(value)[:40]!r} is not an HTTP status")
    return value


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # lone surrogates: invalid UTF-8, a verdict


def _response_body(content: Mapping[str, Any]) -> bytes:
    text = _string(content, "text", "response.content")
    if _string(content, "encoding", "response.content") == "base64":
        try:
            return base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            return _bytes(text)
    return _bytes(text)


def _with_content_type(headers: list[tuple[str, str]], mime: str) -> list[tuple[str, str]]:
    if mime and not any(k.lower() == "content-type" for k, _ in headers):
        return [*headers, ("content-type", mime)]
    return headers


def load_har(source: str | os.PathLike[str] | Mapping[str, Any]) -> list[Any]:
    """The ``log.entries`` of a HAR file or an already parsed document (as they are)."""
    document: Any = source
    if not isinstance(source, Mapping):
        try:
            text = Path(source).read_bytes()
        except OSError as exc:
            raise HarError(f"cannot read HAR file {str(source)!r}: {exc}") from exc
        document, why = parse_json_text(text, constants=True)  # a NaN status: that entry
        if why is not None:  # any parse failure (a 5,000-digit number too): one typed error
            raise HarError(f"cannot read HAR file {str(source)!r}: not JSON: {why}")
    log = document.get("log") if isinstance(document, Mapping) else None
    entries = log.get("entries") if isinstance(log, Mapping) else None
    if not isinstance(entries, list):
        raise HarError("not a HAR document: log.entries is missing")
    return entries


def validate_har(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    spec: SpecSource = None,
    validator: TrafficValidator | None = None,
) -> HarSummary:
    """Check every API exchange of a HAR file against the document (offline).

    An entry without the shape of a HAR entry is reported under :data:`MALFORMED`, with its
    number (from 1) and what is wrong; the others are checked all the same.
    """
    tv = validator or TrafficValidator(spec)
    summary = HarSummary()
    for index, entry in enumerate(load_har(source), start=1):
        try:
            result = _check_entry(tv, index, entry)
        except _Malformed as exc:
            problem = Violation("entry", (), "har", f"not a HAR entry: {exc}")
            result = HarEntryResult(index, "", "", MALFORMED, 0, [problem])
        if result is None:
            summary.skipped += 1
            continue
        summary.entries.append(result)
        stats = summary.operations.setdefault(result.operation, OperationStats())
        stats.count += 1
        stats.passed += result.ok
        stats.violations += len(result.violations)
    return summary


def _check_entry(tv: TrafficValidator, index: int, entry: Any) -> HarEntryResult | None:
    """One entry checked both ways; None when it is not API traffic."""
    if not isinstance(entry, Mapping):
        raise _Malformed(f"the entry is a {type(entry).__name__}, not an object")
    request = _object(entry, "request", "entry")
    response = _object(entry, "response", "entry")
    method = _string(request, "method", "request", "GET")
    url = _string(request, "url", "request")
    path = _path_of(url)
    if path is not None and not tv.is_api_path(path):
        return None  # (an unparseable URL is checked: the request check says why)
    post = _object(request, "postData", "request")
    body = _bytes(_string(post, "text", "request.postData"))
    mime = _string(post, "mimeType", "request.postData")
    req_headers = _with_content_type(_headers(request, "request"), mime)
    content = _object(response, "content", "response")
    status = _status(response)
    resp_headers = _with_content_type(
        _headers(response, "response"), _string(content, "mimeType", "response.content")
    )
    resp_body = _response_body(content)
    req = tv.validate_request(method, url, req_headers, body)
    violations = list(req.violations)
    notes = list(req.notes)
    if req.operation is not None and status:
        resp = tv.validate_response(req, status, resp_headers, resp_body)
        violations += resp.violations
        notes += resp.notes
    name = req.operation_id or UNDOCUMENTED
    return HarEntryResult(index, method.upper(), url, name, status, violations, notes)
