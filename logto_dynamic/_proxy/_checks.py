"""What the proxy asks of the document's two checkers, in one place.

The proxy holds a response body for validation only up to the validator's
``validate_limit`` (it relays the rest as it comes); a body it did not hold, or cannot
decode, is checked without the body, with a note saying why.
"""

from __future__ import annotations

from logto_dynamic._proxy._codings import OVER_LIMIT, decode_content
from logto_dynamic._proxy._exchange import Exchange, Request
from logto_dynamic._proxy._headers import RawHeaders, header_value
from logto_dynamic._traffic._validator import TrafficReport, TrafficValidator
from logto_dynamic._validation._headers import content_type_of

__all__ = ["Checker"]


class Checker:
    """Request and response checks of raw exchanges against one validator."""

    def __init__(self, validator: TrafficValidator) -> None:
        self.validator = validator
        self._requests = validator.spec.requests
        self._responses = validator.spec.responses

    @property
    def hold_limit(self) -> int:
        """The most response bytes worth holding back to validate (the validator's limit)."""
        return self.validator.validate_limit

    def exchange(
        self, ex: Exchange, req: Request, status: int, headers: RawHeaders, body: bytes | None
    ) -> None:
        """Check the request (unless done before relaying) and its answer, into ``ex``."""
        report = req.report
        if report is None:
            report = self.request(req.method, req.target, req.headers, req.body)
            ex.add(report)
        if report.operation is None:  # an undocumented request has no answer to check
            return
        answer = self.response(report, status, headers, body)
        if answer is not None:
            ex.add(answer)

    def request(
        self, method: str, target: bytes, headers: RawHeaders, body: bytes
    ) -> TrafficReport:
        """Check one request (``target`` is ``/path?query``): ``validate_request``, one hop less."""
        url = target.decode("latin-1")
        limit = self.validator.validate_limit
        return self._requests.check(method.upper(), url, headers, body, limit=limit)

    def response(
        self, request: TrafficReport, status: int, headers: RawHeaders, body: bytes | None
    ) -> TrafficReport | None:
        """Check one answer (None: valid, nothing to report); ``body`` None when it was not
        held (over :attr:`hold_limit`)."""
        encoding = header_value(headers, b"content-encoding")
        content_type = content_type_of(headers)  # all a response check reads
        limit = self.validator.validate_limit
        op = request.operation
        if body is not None and not encoding and op is not None:
            if self._responses.is_valid(op, status, content_type, body, limit=limit):
                return None
        unchecked: str | None = None  # why the body is not checked
        if body is None:
            unchecked = f"over the {limit}-byte validation limit, streamed through"
        elif encoding:
            decoded = decode_content(encoding, body, limit)
            if decoded is OVER_LIMIT:
                unchecked = f"over the {limit}-byte validation limit once decoded, relayed as sent"
            elif decoded is None:
                unchecked = f"content coding {encoding.decode('latin-1')!r}"
            else:
                body = decoded
        kind = [] if content_type is None else [("content-type", content_type)]
        checked = None if unchecked else body
        return self.validator.validate_response(request, status, kind, checked, unchecked=unchecked)
