"""One exchange as the proxy saw it: what its log line and its metrics say."""

from __future__ import annotations

import time
from typing import Any

from logto_dynamic._proxy._headers import RawHeaders
from logto_dynamic._proxy._record import Action, ExchangeRecord
from logto_dynamic._traffic._validator import TrafficReport
from logto_dynamic._types import Receive, Scope
from logto_dynamic._validation._violations import Violation

__all__ = ["Exchange", "Request"]


class Exchange:
    """The facts of one exchange, filled in as it goes (never a body, header or cookie value).

    ``record`` (:class:`~._record.ExchangeRecord`) is what its log line says; the rest are the
    timings, the violations found and whether it was checked (its metrics and verdict).
    """

    __slots__ = (
        "api",
        "checked",
        "end",
        "found",
        "record",
        "start",
        "upstream_error",
        "upstream_seconds",
    )

    def __init__(self, method: str, path: str, api: bool) -> None:
        self.start = time.perf_counter()
        self.end: float | None = None
        self.api = api
        self.checked = False
        self.found: list[Violation] = []
        self.upstream_seconds: float | None = None
        self.upstream_error: str | None = None
        self.record = ExchangeRecord(method, path)

    def add(self, report: TrafficReport) -> None:
        """Take the operation, template, violations and notes of one direction's report."""
        record = self.record
        record.operation = report.operation_id
        if report.path_template:
            record.path = report.path_template
        if report.violations:
            record.violations += [
                {"direction": report.direction, **v.to_dict()} for v in report.violations
            ]
            self.found += report.violations
        if report.notes:
            record.notes += report.notes
        self.checked = True

    @property
    def violations(self) -> list[dict[str, Any]]:
        """A copy of the violation dicts so far."""
        return list(self.record.violations)

    def cut_off(self, cut: str) -> None:
        """Mark the answer as cut off mid-stream (``cut``: ``reason`` or
        ``upstream-error:KIND``, as :func:`~._streaming.stream_through` says)."""
        reason, _, kind = cut.partition(":")
        self.record.action = Action.cut_off(reason)
        if kind:
            self.upstream_error = self.record.action_detail = kind

    def relayed(self) -> None:
        """Mark the answer as sent (checks after this are off the exchange's clock)."""
        if self.end is None:
            self.end = time.perf_counter()

    @property
    def seconds(self) -> float:
        """From the request's arrival to the answer sent (or to now)."""
        return (self.end or time.perf_counter()) - self.start

    @property
    def verdict(self) -> str:
        """``rejected``, ``error``, ``invalid``, ``valid`` or ``unchecked``."""
        if self.record.action.rejected:
            return "rejected"
        if self.upstream_error is not None:
            return "error"
        if self.found:
            return "invalid"
        return "valid" if self.checked else "unchecked"


class Request:
    """The parts of a client request the relay needs (body already read)."""

    __slots__ = ("body", "headers", "method", "receive", "report", "scope", "target")

    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        method: str,
        target: bytes,
        headers: RawHeaders,
        body: bytes,
    ) -> None:
        self.scope, self.receive, self.method, self.target = scope, receive, method, target
        self.headers, self.body = headers, body
        self.report: TrafficReport | None = None
