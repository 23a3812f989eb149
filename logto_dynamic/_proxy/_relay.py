"""The relay: one request to the upstream, its answer back, checked inline or afterwards.

Inline (``enforce``, or ``report`` with the summary header): the answer is held (up to the
validator's limit), checked, then sent or refused. Deferred (``report``): the answer is sent
as it comes, a copy of it up to the limit is kept, and the check runs after it went out.
Headers travel as raw lists (every ``Set-Cookie`` separate and in order); bodies are bytes,
never parsed and re-serialised on the way through.
"""

from __future__ import annotations

from typing import Any

from logto_dynamic._config import ProxyMode
from logto_dynamic._proxy._checks import Checker
from logto_dynamic._proxy._exchange import Exchange, Request
from logto_dynamic._proxy._headers import (
    OWN_REQUEST_FIELDS,
    SUMMARY_HEADER,
    RawHeaders,
    content_length,
    forwarded_headers,
    header_value,
    strip_hop_by_hop,
    summary_value,
)
from logto_dynamic._proxy._hold import hold
from logto_dynamic._proxy._problems import (
    Problem,
    response_too_large,
    send_problem,
    upstream_problem,
)
from logto_dynamic._proxy._record import Action
from logto_dynamic._proxy._recorder import Recorder
from logto_dynamic._proxy._streaming import send_body
from logto_dynamic._proxy._upstream import (
    UPSTREAM_ERRORS,
    Upstream,
    UpstreamResponse,
    error_kind,
)
from logto_dynamic._types import Send

__all__ = ["Relay"]

_DROP = OWN_REQUEST_FIELDS | {b"expect"}


class Relay:
    """Forwards requests through one :class:`Upstream` and relays or refuses the answers."""

    def __init__(
        self,
        upstream: Upstream,
        checker: Checker,
        recorder: Recorder,
        *,
        mode: ProxyMode,
        max_response_body: int,
        summary_header: bool,
        preserve_host: bool = True,
    ) -> None:
        self.upstream = upstream
        self.preserve_host = preserve_host
        self.checker = checker
        self.recorder = recorder
        self.mode = mode
        self.max_response_body = max_response_body
        self.summary_header = summary_header

    async def answer(
        self, send: Send, ex: Exchange, problem: Problem, req: Request | None = None
    ) -> None:
        """Send a made-up answer and log it (always; with the request's check when due)."""
        ex.record.status = problem.status
        await send_problem(send, problem)
        self._finish_unanswered(ex, req)

    def _finish_unanswered(self, ex: Exchange, req: Request | None) -> None:
        """Log an exchange whose answer is not checked (made up, or cut off).

        Its request is checked all the same (in report mode, afterwards, like every check):
        what the client sent does not depend on what came back.
        """
        if req is None or not ex.api or self.mode is not ProxyMode.REPORT or req.report is not None:
            self.recorder.finish(ex, force=True)
            return
        self.recorder.defer(ex, lambda: self.checker.request_later(ex, req), force=True)

    async def forward(self, send: Send, ex: Exchange, req: Request) -> None:
        """Relay ``req`` and its answer; every failure is answered or cut off, and logged."""
        outgoing = _outgoing_headers(req, self.preserve_host)
        started = ex.seconds
        self.recorder.kick()  # deferred checks run while this request is upstream
        try:
            response = await self.upstream.send(req.method, req.target, outgoing, req.body)
        except UPSTREAM_ERRORS as exc:
            await self._failed(send, ex, req, exc, reading=False)
            return
        ex.upstream_seconds = ex.seconds - started
        try:
            await self._relay(send, ex, req, response, started)
        finally:
            response.release()  # back to the pool, or closed when not read to the end

    async def _relay(
        self, send: Send, ex: Exchange, req: Request, response: UpstreamResponse, started: float
    ) -> None:
        status = response.status
        ex.record.upstream_status = status
        headers = strip_hop_by_hop(response.raw_headers)
        declared = content_length(headers)
        if declared is not None and declared > self.max_response_body:
            await self._too_large(send, ex, req, str(declared))
            return
        checking = ex.api and self.mode is not ProxyMode.OFF
        inline = checking and (self.mode is ProxyMode.ENFORCE or self.summary_header)
        limit = self.checker.hold_limit
        chunks = response.content.iter_any()
        held = await hold(
            response,
            chunks,
            declared,
            checking=checking,
            inline=inline,
            limit=limit,
            max_body=self.max_response_body,
        )
        if held.error is not None:
            await self._failed(send, ex, req, held.error, reading=True)
            return
        if held.too_large:
            await self._too_large(send, ex, req, f"more than {self.max_response_body}")
            return
        ex.upstream_seconds = ex.seconds - started
        if inline:
            body = held.body if held.complete else None
            enforce = self.mode is ProxyMode.ENFORCE
            problem = self.checker.response_refusal(ex, req, status, headers, body, enforce)
            if problem is not None:
                await self.answer(send, ex, problem)
                return
        await self._start(send, ex, status, headers)
        keep = limit if checking else -1
        kept, cut = await send_body(
            send, req.receive, response, held, chunks, self.max_response_body, keep
        )
        if cut is not None:
            ex.cut_off(cut)
            self._finish_unanswered(ex, req)
            return
        if checking and not inline:
            body = b"".join(kept) if sum(len(c) for c in kept) <= limit else None
            self.recorder.defer(ex, lambda: self.checker.later(ex, req, status, headers, body))
        else:
            self.recorder.finish(ex)

    async def _start(self, send: Send, ex: Exchange, status: int, headers: RawHeaders) -> None:
        await send(_start_message(ex, status, headers, self.summary_header))

    async def _too_large(self, send: Send, ex: Exchange, req: Request, size: str) -> None:
        ex.record.action = Action.REJECTED_RESPONSE_TOO_LARGE
        await self.answer(send, ex, response_too_large(size, self.max_response_body), req)

    async def _failed(
        self, send: Send, ex: Exchange, req: Request, exc: BaseException, *, reading: bool
    ) -> None:
        await self.answer(send, ex, _failure(ex, exc, self.upstream.timeout, reading), req)


def _start_message(
    ex: Exchange, status: int, headers: RawHeaders, summary_header: bool
) -> dict[str, Any]:
    """The ``http.response.start`` of a relayed answer (with the summary header when due)."""
    ex.record.status = status
    if summary_header and ex.found:
        headers = [*headers, (SUMMARY_HEADER, summary_value(ex.found))]
    return {"type": "http.response.start", "status": status, "headers": headers}


def _failure(ex: Exchange, exc: BaseException, timeout: float, reading: bool) -> Problem:
    """The answer when the upstream failed (504 on a timeout, 502 otherwise), logged as such."""
    kind = ex.upstream_error = error_kind(exc)
    problem = upstream_problem(kind, type(exc).__name__, timeout, reading=reading)
    ex.record.action = Action(problem.kind)  # upstream-timeout | upstream-unreachable
    return problem


def _outgoing_headers(req: Request, preserve_host: bool) -> RawHeaders:
    """The request's headers as they go upstream: hop-by-hop fields dropped,
    ``X-Forwarded-*`` added, and the client's ``Host`` kept when ``preserve_host``."""
    outgoing = strip_hop_by_hop(req.headers, drop=_DROP)
    outgoing += forwarded_headers(req.scope, req.headers)
    host = header_value(req.headers, b"host") if preserve_host else None
    if host:  # transparent: Logto builds its URLs from Host (otherwise the upstream's own)
        outgoing.append((b"host", host))
    return outgoing
