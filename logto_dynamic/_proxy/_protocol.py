"""The proxy's HTTP/1.1 connections: uvicorn's httptools protocol, with the limits of a public port.

uvicorn closes a keep-alive connection left idle after an answer (``timeout_keep_alive``)
and answers 503 past ``limit_concurrency``, but sets no deadline on a request head: a
connection that never sends one, or trickles it a byte at a time (slowloris), stays open for
ever. :class:`GuardedProtocol` adds two deadlines per connection:

- the **header timeout**: a whole request head within this long of the connection opening
  (or of the previous answer); else the connection is closed, after a 408 when part of a
  head had arrived;
- the **body timeout**: the whole body within this long of its head; else the connection is
  closed (the proxy logs the exchange as ``client-disconnected``).

:func:`server_options` turns the proxy's connection settings into uvicorn options. Importing
this module imports uvicorn: only :mod:`._serve` does, when the proxy runs.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["GuardedProtocol", "quiet_cut_offs", "server_options"]

#: Seconds for a whole request head, from the connection's start or the previous answer.
DEFAULT_HEADER_TIMEOUT = 10.0
#: Seconds for a whole request body, from its head.
DEFAULT_BODY_TIMEOUT = 30.0
#: Seconds a keep-alive connection may stay idle after an answer.
DEFAULT_KEEP_ALIVE_TIMEOUT = 5.0
#: Open client connections served at once; requests on more are answered 503.
DEFAULT_MAX_CLIENT_CONNECTIONS = 1000

_TIMEOUT_TEXT = b"request head not received in time"
_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: " + str(len(_TIMEOUT_TEXT)).encode() + b"\r\n"
    b"connection: close\r\n\r\n" + _TIMEOUT_TEXT
)


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header and a body deadline (0: none).

    A request only notes its deadline (one float); one sweeper per server, running while
    connections are open, closes the connections past theirs a few times a second: no
    timer is armed or cancelled per request (uvicorn's own keep-alive timer is unchanged).
    """

    def __init__(
        self,
        *args: Any,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.deadline: float | None = None  # loop time by which the head or body is due
        self._in_head = False  # part of a request head has arrived

    def _due(self, seconds: float) -> None:
        self.deadline = self.loop.time() + seconds if seconds > 0 else None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._due(self.header_timeout)
        _Sweeper.watch(self)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._due(self.body_timeout)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.deadline = None
        super().on_message_complete()

    def on_response_complete(self) -> None:
        waiting = not self.pipeline  # no request queued: the next head is still to come
        super().on_response_complete()
        if waiting:
            self._due(self.header_timeout)

    def expire(self) -> None:
        """The deadline passed: close (after a 408 when a head was coming in)."""
        self.deadline = None
        if self.transport.is_closing():
            return
        if self._in_head:
            self.transport.write(_REQUEST_TIMEOUT)
        self.transport.close()  # a late body: the exchange sees http.disconnect


class _Sweeper:
    """Closes the connections of one server whose deadline passed (see GuardedProtocol)."""

    def __init__(self, protocol: GuardedProtocol) -> None:
        self.connections: set[Any] = protocol.connections
        self.loop = protocol.loop
        timeouts = [t for t in (protocol.header_timeout, protocol.body_timeout) if t > 0]
        self.interval = min([1.0, *(t / 4 for t in timeouts)])
        self.timer: asyncio.TimerHandle | None = None

    @classmethod
    def watch(cls, protocol: GuardedProtocol) -> None:
        sweeper = _SWEEPERS.get(protocol.server_state)
        if sweeper is None:
            sweeper = _SWEEPERS[protocol.server_state] = cls(protocol)
        if sweeper.timer is None:
            sweeper.timer = sweeper.loop.call_later(sweeper.interval, sweeper.sweep)

    def sweep(self) -> None:
        self.timer = None
        now = self.loop.time()
        for protocol in list(self.connections):
            deadline = getattr(protocol, "deadline", None)
            if deadline is not None and deadline <= now:
                protocol.expire()
        if self.connections:
            self.timer = self.loop.call_later(self.interval, self.sweep)


#: One sweeper per server (its uvicorn ServerState).
_SWEEPERS: weakref.WeakKeyDictionary[Any, _Sweeper] = weakref.WeakKeyDictionary()


def server_options(
    *,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
    keep_alive_timeout: float = DEFAULT_KEEP_ALIVE_TIMEOUT,
    max_client_connections: int = DEFAULT_MAX_CLIENT_CONNECTIONS,
) -> dict[str, Any]:
    """uvicorn ``Config`` options for these limits (0 turns a timeout or the cap off).

    Past ``max_client_connections`` open connections, uvicorn answers each further request
    503 (``Connection: close``) rather than leaving it waiting.
    """
    protocol = functools.partial(
        GuardedProtocol, header_timeout=header_timeout, body_timeout=body_timeout
    )
    return {
        "http": protocol,
        "timeout_keep_alive": keep_alive_timeout if keep_alive_timeout > 0 else 3600 * 24,
        # uvicorn refuses once the open connections reach the limit (itself included).
        "limit_concurrency": max_client_connections + 1 if max_client_connections > 0 else None,
    }


class _CutOffs(logging.Filter):
    """Says once, in the proxy's words, what uvicorn says at every answer cut off on purpose."""

    said = False

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage() != "ASGI callable returned without completing response.":
            return True
        if self.said:
            return False
        self.said = True
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg = (
            "logto-dynamic proxy: an answer was cut off and its connection closed (client "
            "gone, answer too large or upstream failed mid-body); the exchange log's "
            "cut-off-* actions say which (said once)"
        )
        record.args = ()
        return True


def quiet_cut_offs() -> None:
    """Install :class:`_CutOffs` on uvicorn's error log (once per process)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _CutOffs) for f in logger.filters):
        logger.addFilter(_CutOffs())
