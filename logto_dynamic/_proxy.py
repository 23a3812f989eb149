"""A validating reverse proxy: a pure ASGI app in front of one Logto (or Logto-like) server.

>>> proxy = ValidatingProxy("http://127.0.0.1:3001", mode="report")   # doctest: +SKIP
>>> uvicorn.run(proxy, host="127.0.0.1", port=8080)                   # doctest: +SKIP

Every exchange under the API prefix is checked against the document in both directions;
anything else (``/oidc/...``, ``/sign-in``, assets) is relayed untouched and unvalidated.

* ``mode="report"``: transparent. Headers are relayed as raw lists (several ``Set-Cookie``
  stay separate and in order), hop-by-hop fields are dropped (RFC 9110 §7.6.1),
  ``X-Forwarded-For/Proto/Host`` are added. Violations go to the log, one JSON line per
  exchange (operation, method, path template, status, violations; never bodies, cookies or
  secret values); with ``summary_header=True`` the answer also carries
  ``X-Logto-Dynamic-Violations`` (a summary capped at 512 bytes).
* ``mode="off"``: the same relay with no validation at all (a plain reverse proxy; the
  baseline of the benchmarks).
* ``mode="enforce"``: an invalid request is answered ``400`` and never reaches the
  upstream; an invalid upstream answer becomes ``502``. Both are
  ``application/problem+json`` (RFC 9457) with a ``violations`` array.

Safety and limits. Only ``upstream`` is ever contacted: absolute-form targets
(``GET http://x/ HTTP/1.1``) and ``CONNECT`` are refused with 400; proxy environment
variables are ignored; no cookie jar (upstream cookies are never stored or reused). Request
bodies are buffered (they must be, to be validated) up to ``max_request_body`` (413 above).
Response bodies are buffered only while being validated; everything else streams through.
A response declaring a ``Content-Length`` over ``max_response_body`` is answered 502; a
chunked one that grows past it is cut off (the connection is closed, never a silent
truncation). Upstream unreachable: 502; upstream too slow (``timeout`` seconds): 504.

Hot path. Validators are compiled once per operation and reused. JSON bodies over
``validate_limit`` bytes (256 KiB by default) are relayed unvalidated and the log line says
so: schema-checking megabytes on the event loop would stall every other exchange, and the
Experience API never sends bodies that big. Validation runs inline (a typical body takes well
under a millisecond).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from http.cookiejar import CookieJar
from typing import Any

import httpx

from logto_dynamic._proxy_http import (
    SUMMARY_HEADER,
    Exchange,
    ExchangeLog,
    LogTarget,
    RawHeaders,
    Receive,
    RefuseAllCookies,
    Scope,
    Send,
    content_length,
    decode_content,
    forwarded_headers,
    send_problem,
    strip_hop_by_hop,
    summary_value,
)
from logto_dynamic._spec import SpecSource
from logto_dynamic._traffic import DEFAULT_VALIDATE_LIMIT, TrafficReport, TrafficValidator

__all__ = ["ValidatingProxy"]

DEFAULT_MAX_REQUEST_BODY = 1024 * 1024
DEFAULT_MAX_RESPONSE_BODY = 16 * 1024 * 1024
DEFAULT_PROXY_TIMEOUT = 30.0
MODES = ("report", "enforce", "off")


class ValidatingProxy:
    """Pure ASGI reverse proxy to ``upstream`` that validates API traffic (see the module doc).

    One pooled ``httpx.AsyncClient`` is created on first use (or at lifespan startup) and
    closed by :meth:`aclose` (or at lifespan shutdown).
    """

    def __init__(
        self,
        upstream: str,
        *,
        spec: SpecSource = None,
        mode: str = "report",
        log: LogTarget = None,
        max_request_body: int = DEFAULT_MAX_REQUEST_BODY,
        max_response_body: int = DEFAULT_MAX_RESPONSE_BODY,
        validate_limit: int = DEFAULT_VALIDATE_LIMIT,
        timeout: float = DEFAULT_PROXY_TIMEOUT,
        summary_header: bool = False,
        log_all: bool = False,
        limits: httpx.Limits | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        url = httpx.URL(upstream)
        if url.scheme not in ("http", "https") or not url.host or url.query:
            raise ValueError(f"upstream must be an http(s) URL without a query, not {upstream!r}")
        self.upstream = url
        self._prefix = url.raw_path.split(b"?", 1)[0].rstrip(b"/")
        self.mode = mode
        self.validator = TrafficValidator(spec, validate_limit=validate_limit)
        self.log = ExchangeLog(log)
        self.max_request_body = max_request_body
        self.max_response_body = max_response_body
        self.timeout = timeout
        self.summary_header = summary_header
        self.log_all = log_all
        self._limits = limits or httpx.Limits(max_connections=200, max_keepalive_connections=100)
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._loop = asyncio.get_running_loop()
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout),
                limits=self._limits,
                follow_redirects=False,
                trust_env=False,
                cookies=httpx.Cookies(CookieJar(policy=RefuseAllCookies())),
                transport=self._transport,
            )
        return self._client

    async def aclose(self) -> None:
        """Close the upstream connection pool and the log file."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
        self.log.close()

    def close_from_thread(self, timeout: float = 5.0) -> None:
        """Run :meth:`aclose` on the loop that serves the proxy (while it still runs)."""
        loop = self._loop
        if loop is not None and self._client is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self.aclose(), loop).result(timeout)
        else:
            self.log.close()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._http()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- ASGI -----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._exchange(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})

    async def _exchange(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        path: str = scope["path"]
        if method == "CONNECT" or not raw_path.startswith(b"/") or not path.startswith("/"):
            await send_problem(
                send, 400, "target-refused", "Request target refused",
                "only origin-form targets (/path) are proxied to the configured upstream; "
                "absolute-form targets and CONNECT are refused",
            )
            return
        query: bytes = scope.get("query_string") or b""
        target = raw_path + (b"?" + query if query else b"")
        api = self.validator.is_api_path(path)
        ex = Exchange(method, raw_path.decode("latin-1"), api)
        headers: RawHeaders = list(scope["headers"])
        body = await self._read_body(headers, receive)
        if body is None:
            ex.record["action"] = "rejected-request-too-large"
            await self._answer_problem(send, ex, 413, "request-too-large", "Request body too large",
                                       f"the proxy accepts request bodies of at most "
                                       f"{self.max_request_body} bytes")
            return
        request_report: TrafficReport | None = None
        if api and self.mode != "off":
            request_report = self.validator.validate_request(
                method, target.decode("latin-1"), headers, body
            )
            ex.add(request_report)
            if self.mode == "enforce" and not request_report.ok:
                ex.record["action"] = "rejected-request"
                await self._answer_problem(
                    send, ex, 400, "request-invalid", "Request does not match the API document",
                    f"{len(request_report.violations)} violation(s) of "
                    f"{request_report.operation_id or 'the API document'}",
                    violations=ex.violations,
                )
                return
        await self._forward(scope, send, ex, method, target, headers, body, request_report)

    async def _read_body(self, headers: RawHeaders, receive: Receive) -> bytes | None:
        """The whole request body, or None when it is over the limit."""
        for key, value in headers:
            if key.lower() == b"content-length":
                try:
                    if int(value) > self.max_request_body:
                        return None
                except ValueError:
                    pass
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_request_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _forward(
        self, scope: Scope, send: Send, ex: Exchange, method: str, target: bytes,
        headers: RawHeaders, body: bytes, request_report: TrafficReport | None,
    ) -> None:
        outgoing = strip_hop_by_hop(
            headers, drop=(b"host", b"content-length", b"x-forwarded-proto", b"x-forwarded-host",
                           b"x-forwarded-for")
        )
        outgoing += forwarded_headers(scope, headers)
        request = httpx.Request(
            method, self.upstream.copy_with(raw_path=self._prefix + target),
            headers=outgoing, content=body or None,
        )
        client = self._http()
        try:
            response = await client.send(request, stream=True)
        except httpx.TimeoutException:
            ex.record["action"] = "upstream-timeout"
            await self._answer_problem(send, ex, 504, "upstream-timeout", "Upstream timed out",
                                       f"no answer from the upstream within {self.timeout} s")
            return
        except httpx.HTTPError as exc:
            ex.record["action"] = "upstream-unreachable"
            await self._answer_problem(send, ex, 502, "upstream-unreachable",
                                       "Upstream unreachable",
                                       f"the upstream could not be reached ({type(exc).__name__})")
            return
        try:
            await self._relay(send, ex, response, request_report)
        finally:
            await response.aclose()

    async def _relay(
        self, send: Send, ex: Exchange, response: httpx.Response,
        request_report: TrafficReport | None,
    ) -> None:
        status = response.status_code
        ex.record["upstream_status"] = status
        headers = strip_hop_by_hop(response.headers.raw)
        declared = content_length(headers)
        if declared is not None and declared > self.max_response_body:
            await self._too_large(send, ex, str(declared))
            return
        validating = request_report is not None and request_report.operation is not None
        limit = self.validator.validate_limit
        prefix: list[bytes] = []
        chunks = response.aiter_raw()  # one iterator: a buffered prefix, then the rest
        if validating and (declared is None or declared <= limit):
            total = 0
            try:
                async for chunk in chunks:
                    prefix.append(chunk)
                    total += len(chunk)
                    if total > limit or total > self.max_response_body:
                        break
            except httpx.HTTPError as exc:
                await self._upstream_failed(send, ex, exc)
                return
            if total > self.max_response_body:
                await self._too_large(send, ex, f"more than {self.max_response_body}")
                return
            if total <= limit:
                await self._validated(send, ex, response, headers, b"".join(prefix),
                                      request_report)
                return
        if validating:
            assert request_report is not None
            report = self.validator.validate_response(request_report, status, headers, b"")
            report.violations = [v for v in report.violations if v.location != "body"]
            report.notes.append(f"response body not validated (over the {limit}-byte "
                                "validation limit); streamed through")
            ex.add(report)
            if self.mode == "enforce" and report.violations:
                await self._reject_response(send, ex)
                return
        await self._stream(send, ex, response.status_code, headers, prefix, chunks)

    async def _validated(
        self, send: Send, ex: Exchange, response: httpx.Response, headers: RawHeaders,
        raw: bytes, request_report: TrafficReport | None,
    ) -> None:
        assert request_report is not None
        encoding = next((v.decode("latin-1") for k, v in headers
                         if k.lower() == b"content-encoding"), None)
        decoded = decode_content(encoding, raw)
        if decoded is None:
            report = self.validator.validate_response(request_report, response.status_code,
                                                      headers, b"")
            report.violations = [v for v in report.violations if v.location != "body"]
            report.notes.append(f"response body not validated (content coding {encoding!r})")
        else:
            report = self.validator.validate_response(request_report, response.status_code,
                                                      headers, decoded)
        ex.add(report)
        if self.mode == "enforce" and not report.ok:
            await self._reject_response(send, ex)
            return
        await self._start(send, ex, response.status_code, headers)
        await send({"type": "http.response.body", "body": raw})
        self._log(ex)

    async def _stream(
        self, send: Send, ex: Exchange, status: int, headers: RawHeaders,
        prefix: list[bytes], chunks: AsyncIterator[bytes],
    ) -> None:
        await self._start(send, ex, status, headers)
        total = 0
        for chunk in prefix:
            total += len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        try:
            async for chunk in chunks:
                total += len(chunk)
                if total > self.max_response_body:
                    ex.record["action"] = "cut-off-response-too-large"
                    self._log(ex)
                    return  # incomplete on purpose: the server closes the connection
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except httpx.HTTPError as exc:
            ex.record["action"] = f"cut-off-upstream-error:{type(exc).__name__}"
            self._log(ex)
            return
        await send({"type": "http.response.body", "body": b""})
        self._log(ex)

    async def _start(self, send: Send, ex: Exchange, status: int, headers: RawHeaders) -> None:
        ex.record["status"] = status
        if self.summary_header and ex.record["violations"]:
            headers = [*headers, (SUMMARY_HEADER, summary_value(ex.found))]
        await send({"type": "http.response.start", "status": status, "headers": headers})

    async def _too_large(self, send: Send, ex: Exchange, size: str) -> None:
        ex.record["action"] = "rejected-response-too-large"
        await self._answer_problem(send, ex, 502, "response-too-large",
                                   "Upstream response too large",
                                   f"the upstream answer has {size} bytes; the proxy relays at "
                                   f"most {self.max_response_body}")

    async def _upstream_failed(self, send: Send, ex: Exchange, exc: Exception) -> None:
        timeout = isinstance(exc, httpx.TimeoutException)
        ex.record["action"] = "upstream-timeout" if timeout else "upstream-unreachable"
        await self._answer_problem(
            send, ex, 504 if timeout else 502,
            "upstream-timeout" if timeout else "upstream-unreachable",
            "Upstream timed out" if timeout else "Upstream failed",
            f"the upstream answer could not be read ({type(exc).__name__})",
        )

    async def _reject_response(self, send: Send, ex: Exchange) -> None:
        ex.record["action"] = "rejected-response"
        await self._answer_problem(
            send, ex, 502, "response-invalid", "Upstream response does not match the API document",
            f"the upstream answered {ex.record['upstream_status']} with "
            f"{len(ex.violations)} violation(s)",
            violations=ex.violations,
        )

    async def _answer_problem(
        self, send: Send, ex: Exchange, status: int, kind: str, title: str, detail: str,
        *, violations: list[dict[str, Any]] | None = None,
    ) -> None:
        ex.record["status"] = status
        await send_problem(send, status, kind, title, detail, violations=violations)
        self._log(ex, force=True)

    def _log(self, ex: Exchange, *, force: bool = False) -> None:
        record = ex.record
        if not force and not (ex.api and (self.log_all or ex.found or record["notes"])):
            return
        record["mode"] = self.mode
        record["duration_ms"] = round((time.perf_counter() - ex.start) * 1000, 3)
        self.log.write(record)

