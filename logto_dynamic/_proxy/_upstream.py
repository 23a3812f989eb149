"""The one connection pool to the upstream, and what its failures are called.

aiohttp's client is the transport: one pooled ``ClientSession`` reused by every exchange.
Side by side on one machine, a relay on ``httpx.AsyncClient`` managed 0.05-0.1x the
throughput of the same relay on aiohttp (httpx's pool under concurrency), and aiohttp
directly beat httpx over an aiohttp transport. Foreign errors are mapped here, at the seam,
to a short kind (:func:`error_kind`); the answer for each kind is
:func:`~._problems.upstream_problem`.
"""

from __future__ import annotations

import asyncio

import aiohttp
from yarl import URL

from logto_dynamic._proxy._headers import RawHeaders

__all__ = ["Upstream", "UpstreamResponse", "error_kind", "parse_upstream"]

UpstreamResponse = aiohttp.ClientResponse

#: Exceptions that mean "the upstream failed", as opposed to a bug in the proxy.
UPSTREAM_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)

# aiohttp adds these when the caller did not; a transparent proxy sends what the client sent.
_NO_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


def parse_upstream(upstream: str) -> tuple[str, bytes]:
    """``(origin, path prefix)`` of an ``http(s)://host[:port][/prefix]`` URL, or ValueError."""
    url = URL(upstream, encoded=True)
    if url.scheme not in ("http", "https") or not url.host or url.query_string or url.fragment:
        raise ValueError(f"upstream must be an http(s) URL without a query, not {upstream!r}")
    origin = str(url.origin())
    return origin, url.raw_path.rstrip("/").encode("latin-1")


def error_kind(exc: BaseException) -> str:
    """``timeout``, ``connect``, ``disconnected``, ``payload`` or ``protocol``."""
    if isinstance(exc, asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorError | ConnectionRefusedError):
        return "connect"
    if isinstance(exc, aiohttp.ServerDisconnectedError | ConnectionError):
        return "disconnected"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "payload"
    return "protocol"


class Upstream:
    """A pooled client bound to one origin; created on the loop that uses it."""

    def __init__(self, upstream: str, *, timeout: float, max_connections: int = 200) -> None:
        self.origin, self.prefix = parse_upstream(upstream)
        self.timeout = timeout
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        """The shared session (made on first use, on the running loop)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self.max_connections,
                    limit_per_host=0,
                    keepalive_timeout=30,
                    ttl_dns_cache=60,
                ),
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=self.timeout,
                    sock_connect=self.timeout,
                    sock_read=self.timeout,
                ),
                cookie_jar=aiohttp.DummyCookieJar(),  # upstream cookies are never kept
                auto_decompress=False,  # bodies are relayed exactly as the upstream sent them
                trust_env=False,  # proxy environment variables are ignored
                skip_auto_headers=_NO_AUTO_HEADERS,
                raise_for_status=False,
            )
        return self._session

    @property
    def is_open(self) -> bool:
        """Whether the pool exists (and so needs :meth:`close`)."""
        return self._session is not None

    async def send(
        self, method: str, target: bytes, headers: RawHeaders, body: bytes
    ) -> UpstreamResponse:
        """Send one request (``target`` is origin-form) and return once the head arrived."""
        url = URL(self.origin + (self.prefix + target).decode("latin-1"), encoded=True)
        fields = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]
        return await self.session().request(
            method,
            url,
            headers=fields,
            data=body or None,
            allow_redirects=False,
        )

    async def close(self) -> None:
        """Close every pooled connection."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()
