"""What the proxy asks of the document's two checkers, in one place.

The proxy holds a response body for validation only up to the validator's
``validate_limit`` (it relays the rest as it comes); a body it did not hold, or cannot
decode, is checked without the body, with a note saying why.
"""

from __future__ import annotations

from logto_dynamic._proxy._codings import OVER_LIMIT, decode_content
from logto_dynamic._proxy._exchange import Exchange, Request
from logto_dynamic._proxy._headers import RawHeaders, header_value
from logto_dynamic._proxy._problems import (
    Problem,
    request_invalid,
    request_unchecked,
    response_invalid,
    response_unchecked,
)
from logto_dynamic._proxy._record import Action
from logto_dynamic._traffic._validator import TrafficReport, TrafficValidator
from logto_dynamic._validation._headers import content_type_of
from logto_dynamic._validation._request_checker import RequestChecker

__all__ = ["Checker", "is_preflight", "uncheckable"]


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
    ) -> str | None:
        """Check the request (unless done before relaying) and its answer, into ``ex``.

        Returns why the answer could not be checked whole (its notes), or None."""
        report = req.report
        if report is None:
            report = self.request(req.method, req.target, req.headers, req.body)
            ex.add(report)
        if report.operation is None:  # an undocumented request has no answer to check
            return None
        answer = self.response(report, status, headers, body)
        if answer is None:
            return None
        ex.add(answer)
        return "; ".join(answer.notes) or None

    def later(
        self, ex: Exchange, req: Request, status: int, headers: RawHeaders, body: bytes | None
    ) -> None:
        """:meth:`exchange` after the answer went out (report mode): findings are logged."""
        self.exchange(ex, req, status, headers, body)

    def request_later(self, ex: Exchange, req: Request) -> None:
        """Check ``req`` into ``ex`` (report mode, when its answer was made up or cut off)."""
        ex.add(self.request(req.method, req.target, req.headers, req.body))

    def request_refusal(self, ex: Exchange, req: Request, enforce: bool) -> Problem | None:
        """Check ``req`` before it is relayed, into ``ex``; with ``enforce``, the refusal when
        it breaks the document or cannot be checked whole (fail closed), else None."""
        cannot = uncheckable(req.headers, req.body, self.validator.validate_limit)
        if enforce and cannot is not None:
            ex.record.action = Action.REJECTED_REQUEST_UNCHECKED
            ex.record.notes.append(f"request not validated: it {cannot[1]}")
            return request_unchecked(*cannot)
        try:
            report = self.request(req.method, req.target, req.headers, req.body)
        except Exception as exc:  # a bug, not traffic: enforce refuses what it did not check
            report = _failed_check("request", req, exc)
        req.report = report
        ex.add(report)
        if not enforce:
            return None
        if not report.ok:
            ex.record.action = Action.REJECTED_REQUEST
            return request_invalid(report.operation_id, ex.violations)
        if report.notes:
            ex.record.action = Action.REJECTED_REQUEST_UNCHECKED
            return request_unchecked(400, f"was not checked whole ({'; '.join(report.notes)})")
        return None

    def response_refusal(
        self,
        ex: Exchange,
        req: Request,
        status: int,
        headers: RawHeaders,
        body: bytes | None,
        enforce: bool,
    ) -> Problem | None:
        """Check an answer before it is relayed (``body`` None: not held whole), into ``ex``;
        with ``enforce``, the refusal when it breaks the document or cannot be checked whole
        (fail closed), else None."""
        try:
            unchecked = self.exchange(ex, req, status, headers, body)
        except Exception as exc:  # a bug, not traffic: enforce refuses what it did not check
            unchecked = _failed_check("response", req, exc).notes[0]
            ex.record.notes.append(unchecked)
        if not enforce:
            return None
        if ex.found:
            ex.record.action = Action.REJECTED_RESPONSE
            return response_invalid(status, ex.violations)
        if unchecked is not None:
            ex.record.action = Action.REJECTED_RESPONSE_UNCHECKED
            return response_unchecked(status, unchecked)
        return None

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


def uncheckable(headers: RawHeaders, body: bytes, limit: int) -> tuple[int, str] | None:
    """Why a request body cannot be checked whole — ``(413, why)`` over the validation
    ``limit``, ``(400, why)`` in a content coding — or None (enforce mode refuses these)."""
    if len(body) > limit:
        return 413, f"has a body of {len(body)} bytes, over the {limit}-byte validation limit"
    coding = header_value(headers, b"content-encoding")
    if body and coding is not None and coding.strip().lower() not in (b"", b"identity"):
        shown = coding.decode("latin-1")[:40]
        return 400, f"has a body in content coding {shown!r}, which the proxy does not decode"
    return None


def is_preflight(method: str, path: str, headers: RawHeaders, requests: RequestChecker) -> bool:
    """A CORS preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``)
    for a method the document has at ``path``: relayed without a check (it has no body)."""
    if method != "OPTIONS" or header_value(headers, b"origin") is None:
        return False
    wanted = header_value(headers, b"access-control-request-method")
    if wanted is None:
        return False
    return requests.match(wanted.decode("latin-1").strip().upper(), path) is not None


def _failed_check(direction: str, req: Request, exc: Exception) -> TrafficReport:
    """A report that says the check itself failed (a note: what was not checked)."""
    path = req.target.decode("latin-1").partition("?")[0]
    report = TrafficReport(direction, req.method, path, None)
    report.notes.append(f"{direction} not validated: the check failed ({type(exc).__name__})")
    return report
