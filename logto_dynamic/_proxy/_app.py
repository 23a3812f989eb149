"""``ValidatingProxy``: the ASGI entry and the lifecycle of the proxy's parts."""

from __future__ import annotations

import asyncio
import contextlib

from logto_dynamic._config import ProxyMode
from logto_dynamic._proxy._checks import Checker, is_preflight
from logto_dynamic._proxy._exchange import Exchange, Request
from logto_dynamic._proxy._headers import RawHeaders, content_length, headers_size
from logto_dynamic._proxy._log import ExchangeLog, LogTarget
from logto_dynamic._proxy._metrics import Metrics
from logto_dynamic._proxy._problems import (
    Problem,
    headers_too_large,
    request_too_large,
    target_refused,
)
from logto_dynamic._proxy._record import Action
from logto_dynamic._proxy._recorder import Recorder
from logto_dynamic._proxy._relay import Relay
from logto_dynamic._proxy._upstream import Upstream
from logto_dynamic._spec import SpecSource
from logto_dynamic._traffic._validator import DEFAULT_VALIDATE_LIMIT, TrafficValidator
from logto_dynamic._types import Receive, Scope, Send

__all__ = ["ValidatingProxy"]

DEFAULT_MAX_REQUEST_BODY = 1024 * 1024
DEFAULT_MAX_RESPONSE_BODY = 16 * 1024 * 1024
DEFAULT_MAX_HEADER_BYTES = 32 * 1024
DEFAULT_PROXY_TIMEOUT = 30.0

_TOO_LARGE = object()
_GONE = object()


class ValidatingProxy:
    """A pure ASGI reverse proxy to ``upstream`` that checks API traffic against the document.

    ``mode`` (a :class:`~logto_dynamic.ProxyMode` or its value): ``report`` relays everything
    and logs violations (checked after the answer went out); ``enforce`` answers an invalid
    request 400 and an invalid upstream answer 502 (``application/problem+json``); ``off``
    only relays. With ``preserve_host`` (the default) the client's ``Host`` goes upstream
    unchanged, so a Logto behind the proxy builds ``redirectTo``, ``Location`` and discovery
    URLs that point at the proxy; ``False`` sends the upstream's own authority instead.
    ``X-Forwarded-For/-Proto/-Host`` are added either way. The whole manual is in
    ``docs/proxy.md``. The upstream pool is made on first use (or at lifespan startup) and closed
    by :meth:`aclose` (or at lifespan shutdown), which also flushes the log.
    """

    def __init__(
        self,
        upstream: str,
        *,
        spec: SpecSource = None,
        mode: ProxyMode | str = ProxyMode.REPORT,
        log: LogTarget = None,
        max_request_body: int = DEFAULT_MAX_REQUEST_BODY,
        max_response_body: int = DEFAULT_MAX_RESPONSE_BODY,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
        validate_limit: int = DEFAULT_VALIDATE_LIMIT,
        timeout: float = DEFAULT_PROXY_TIMEOUT,
        summary_header: bool = False,
        log_all: bool = False,
        max_connections: int = 200,
        metrics: bool = False,
        preserve_host: bool = True,
    ) -> None:
        mode = _proxy_mode(mode)
        self.upstream = Upstream(upstream, timeout=timeout, max_connections=max_connections)
        self.mode = mode
        self.validator = TrafficValidator(spec, validate_limit=validate_limit)
        self.log = ExchangeLog(log)
        self.max_request_body = max_request_body
        self.max_header_bytes = max_header_bytes
        self.summary_header = summary_header
        self.recorder = Recorder(self.log, Metrics(metrics), mode=mode, log_all=log_all)
        self.relay = Relay(
            self.upstream,
            Checker(self.validator),
            self.recorder,
            mode=mode,
            max_response_body=max_response_body,
            summary_header=summary_header,
            preserve_host=preserve_host,
        )
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def _open(self) -> None:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        self.upstream.session()

    async def aclose(self) -> None:
        """Run the checks still pending, close the upstream pool and flush the log."""
        await self.recorder.drain()
        await self.upstream.close()
        self.log.close()

    def close_from_thread(self, timeout: float = 10.0) -> None:
        """Run :meth:`aclose` on the loop that serves the proxy (while it still runs)."""
        loop = self._loop
        if loop is not None and self.upstream.is_open and loop.is_running():
            asyncio.run_coroutine_threadsafe(self.aclose(), loop).result(timeout)
        else:
            self.log.close()

    # -- ASGI -----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._exchange(scope, receive, send)
        elif scope["type"] == "lifespan":
            await _lifespan(self, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})

    async def _exchange(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._loop is None:
            self._open()
        method: str = scope["method"]
        path: str = scope["path"]
        raw_path: bytes = scope.get("raw_path") or path.encode("utf-8")
        api = self.validator.is_api_path(path)
        ex = Exchange(method, raw_path.decode("latin-1"), api)
        headers: RawHeaders = list(scope["headers"])
        refused = _refused_at_once(method, path, raw_path, headers, self.max_header_bytes)
        if refused is not None:
            ex.record.action, problem = refused
            await self.relay.answer(send, ex, problem)
            return
        body = await _read_body(headers, receive, self.max_request_body)
        if body is _TOO_LARGE:
            ex.record.action = Action.REJECTED_REQUEST_TOO_LARGE
            await self.relay.answer(send, ex, request_too_large(self.max_request_body))
            return
        if not isinstance(body, bytes):  # the client went away mid-upload: nothing to relay
            ex.record.action = Action.CLIENT_DISCONNECTED
            self.recorder.finish(ex, force=True)
            return
        query: bytes = scope.get("query_string") or b""
        target = raw_path + b"?" + query if query else raw_path
        req = Request(scope, receive, method, target, headers, body)
        mode = self.mode
        if api and is_preflight(method, path, headers, self.validator.spec.requests):
            ex.api = False  # no body to check; the answer is the upstream's CORS headers
        elif (
            api and mode is not ProxyMode.OFF and (mode is ProxyMode.ENFORCE or self.summary_header)
        ):
            refusal = self.relay.checker.request_refusal(ex, req, mode is ProxyMode.ENFORCE)
            if refusal is not None:
                await self.relay.answer(send, ex, refusal)
                return
        await self.relay.forward(send, ex, req)


def _proxy_mode(mode: ProxyMode | str) -> ProxyMode:
    try:
        return ProxyMode(mode)
    except ValueError:
        known = ", ".join(ProxyMode)
        raise ValueError(f"mode must be one of {known}, not {mode!r}") from None


async def _lifespan(proxy: ValidatingProxy, receive: Receive, send: Send) -> None:
    """ASGI lifespan: the upstream pool opened at startup, everything closed at shutdown."""
    try:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                proxy._open()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await proxy.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return
    except asyncio.CancelledError:
        # The loop is torn down under us (Ctrl+C as the server starts): close the pool and
        # the log quietly and end, rather than have the server log a traceback and aiohttp
        # an unclosed session.
        with contextlib.suppress(Exception):
            await proxy.upstream.close()
        proxy.log.close()


def _refused_at_once(
    method: str, path: str, raw_path: bytes, headers: RawHeaders, max_header_bytes: int
) -> tuple[Action, Problem] | None:
    """A request refused before its body is read: a target that is not a path (``CONNECT``,
    absolute or authority form) or headers over the limit; None for every other."""
    if method == "CONNECT" or not raw_path.startswith(b"/") or not path.startswith("/"):
        return Action.REJECTED_TARGET, target_refused()
    if headers_size(headers) > max_header_bytes:
        return Action.REJECTED_HEADERS_TOO_LARGE, headers_too_large(max_header_bytes)
    return None


async def _read_body(headers: RawHeaders, receive: Receive, limit: int) -> object:
    """The whole body (bytes), ``_TOO_LARGE`` or ``_GONE`` (the client disconnected)."""
    declared = content_length(headers)
    if declared is not None and declared > limit:
        return _TOO_LARGE
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):
        body: bytes = message.get("body", b"")  # the usual case: one message
        return _TOO_LARGE if len(body) > limit else body
    chunks: list[bytes] = []
    total = 0
    while True:
        if message["type"] == "http.disconnect":
            return _GONE
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            return _TOO_LARGE
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
        message = await receive()
