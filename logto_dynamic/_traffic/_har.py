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
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from logto_dynamic._spec import SpecSource
from logto_dynamic._traffic._validator import TrafficValidator
from logto_dynamic._validation._violations import Violation

__all__ = ["HarEntryResult", "HarError", "HarSummary", "OperationStats", "validate_har"]

UNDOCUMENTED = "(undocumented)"


class HarError(ValueError):
    """The file is not a HAR document."""


@dataclass
class HarEntryResult:
    """One checked entry."""

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
            "path": urlsplit(self.url).path,
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


def _headers(items: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in items or []:
        if isinstance(item, Mapping) and "name" in item:
            out.append((str(item["name"]), str(item.get("value", ""))))
    return out


def _response_body(content: Mapping[str, Any]) -> bytes:
    text = content.get("text")
    if not isinstance(text, str):
        return b""
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            return text.encode("utf-8")
    return text.encode("utf-8")


def _with_content_type(headers: list[tuple[str, str]], mime: Any) -> list[tuple[str, str]]:
    if isinstance(mime, str) and mime and not any(k.lower() == "content-type" for k, _ in headers):
        return [*headers, ("content-type", mime)]
    return headers


def load_har(source: str | os.PathLike[str] | Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ``log.entries`` of a HAR file or an already parsed document."""
    document: Any = source
    if not isinstance(source, Mapping):
        try:
            document = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HarError(f"cannot read HAR file {str(source)!r}: {exc}") from exc
    entries = document.get("log", {}).get("entries") if isinstance(document, Mapping) else None
    if not isinstance(entries, list):
        raise HarError("not a HAR document: log.entries is missing")
    return [e for e in entries if isinstance(e, Mapping)]


def validate_har(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    spec: SpecSource = None,
    validator: TrafficValidator | None = None,
) -> HarSummary:
    """Check every API exchange of a HAR file against the document (offline)."""
    tv = validator or TrafficValidator(spec)
    summary = HarSummary()
    for index, entry in enumerate(load_har(source)):
        request = entry.get("request") or {}
        response = entry.get("response") or {}
        method = str(request.get("method", "GET"))
        url = str(request.get("url", ""))
        if not tv.is_api_path(urlsplit(url).path or "/"):
            summary.skipped += 1
            continue
        post = request.get("postData") or {}
        body = str(post.get("text", "")).encode("utf-8") if isinstance(post, Mapping) else b""
        req_headers = _with_content_type(_headers(request.get("headers")), post.get("mimeType"))
        req = tv.validate_request(method, url, req_headers, body)
        content = response.get("content") or {}
        status = int(response.get("status") or 0)
        resp_headers = _with_content_type(
            _headers(response.get("headers")), content.get("mimeType") if content else None
        )
        violations = list(req.violations)
        notes = list(req.notes)
        if req.operation is not None and status:
            resp = tv.validate_response(req, status, resp_headers, _response_body(content))
            violations += resp.violations
            notes += resp.notes
        name = req.operation_id or UNDOCUMENTED
        result = HarEntryResult(index, method.upper(), url, name, status, violations, notes)
        summary.entries.append(result)
        stats = summary.operations.setdefault(name, OperationStats())
        stats.count += 1
        stats.passed += result.ok
        stats.violations += len(violations)
    return summary
