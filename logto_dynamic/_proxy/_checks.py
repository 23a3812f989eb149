"""What the proxy asks of :class:`~logto_dynamic.TrafficValidator`, in one place.

The proxy holds a response body for validation only up to the validator's
``validate_limit`` (it relays the rest as it comes); a body it did not hold, or cannot
decode, is re-checked without the body here, once, with a note saying why.
"""

from __future__ import annotations

from logto_dynamic._proxy._codings import OVER_LIMIT, decode_content
from logto_dynamic._proxy._exchange import Exchange, Request
from logto_dynamic._proxy._headers import RawHeaders, header_value
from logto_dynamic._traffic._validator import TrafficReport, TrafficValidator

__all__ = ["Checker"]


class Checker:
    """Request and response checks of raw exchanges against one validator."""

    def __init__(self, validator: TrafficValidator) -> None:
        self.validator = validator
        # The request headers a check reads: the body's type, cookies, documented headers.
        # Handing over only these spares the validator decoding the rest, every exchange.
        self._read = frozenset({b"content-type", b"cookie"}).union(
            p.name.lower().encode("latin-1")
            for op in validator.spec.index
            for p in op.parameters
            if p.location == "header"
        )

    def _relevant(self, headers: RawHeaders) -> RawHeaders:
        read = self._read
        return [(k, v) for k, v in headers if k.lower() in read]

    @property
    def hold_limit(self) -> int:
        """The most response bytes worth holding back to validate (the validator's limit)."""
        return self.validator.validate_limit

    def exchange(
        self, ex: Exchange, req: Request, status: int, headers: RawHeaders, body: bytes | None
    ) -> None:
        """Check the request (unless done before relaying) and its answer, into ``ex``."""
        report = req.report
        if body is not None and not header_value(headers, b"content-encoding"):
            # The usual exchange, valid on both sides: decided by the validator's plans.
            validator = self.validator
            if report is None:
                target = req.target.decode("latin-1")
                op = validator.quick_request(req.method.upper(), target, req.headers, req.body)
                if op is not None and validator.quick_response(op, status, headers, body):
                    ex.passed(op.operation_id, op.path)
                    return
            elif report.operation is not None and validator.quick_response(
                report.operation, status, headers, body
            ):
                ex.checked = True  # the request's report is in ``ex`` already
                return
        if report is None:
            report = self.request(req.method, req.target, req.headers, req.body)
            ex.add(report)
        if report.operation is not None:  # an undocumented request has no answer to check
            ex.add(self.response(report, status, headers, body))

    def request(
        self, method: str, target: bytes, headers: RawHeaders, body: bytes
    ) -> TrafficReport:
        """Check one request (``target`` is ``/path?query``)."""
        return self.validator.validate_request(
            method, target.decode("latin-1"), self._relevant(headers), body
        )

    def response(
        self, request: TrafficReport, status: int, headers: RawHeaders, body: bytes | None
    ) -> TrafficReport:
        """Check one answer; ``body`` None when it was not held (over :attr:`hold_limit`)."""
        if body is None:
            return self._without_body(
                request,
                status,
                headers,
                f"response body not validated (over the {self.hold_limit}-byte validation "
                "limit); streamed through",
            )
        encoding = header_value(headers, b"content-encoding")
        content_type = header_value(headers, b"content-type")  # all a response check reads
        headers = [] if content_type is None else [(b"content-type", content_type)]
        decoded = decode_content(encoding, body, self.hold_limit) if encoding else body
        if decoded is OVER_LIMIT:
            return self._without_body(
                request,
                status,
                headers,
                f"response body not validated (over the {self.hold_limit}-byte validation "
                "limit once decoded); relayed as sent",
            )
        if decoded is None:
            coding = (encoding or b"").decode("latin-1")
            return self._without_body(
                request, status, headers, f"response body not validated (content coding {coding!r})"
            )
        return self.validator.validate_response(request, status, headers, decoded)

    def _without_body(
        self, request: TrafficReport, status: int, headers: RawHeaders, note: str
    ) -> TrafficReport:
        """Status and headers only: body violations are dropped, the note says why."""
        report = self.validator.validate_response(request, status, headers, b"")
        report.violations = [v for v in report.violations if v.location != "body"]
        report.notes.append(note)
        return report
