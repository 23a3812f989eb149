"""The issuer's signing keys for :class:`~logto_dynamic.AccessTokenVerifier`: found through
discovery (or a given ``jwks_uri``), fetched once, refetched when a token names an unknown
``kid`` (at most once every ``refetch_interval`` seconds), and imported into joserfc once per
``kid``.

Fetches are single-flight: the first fetch and every refetch run once however many threads
or tasks ask at the same time (a thread lock for threads, an asyncio lock per event loop for
tasks, as :class:`~logto_dynamic.M2MAuth` does for tokens); the others wait and use its keys.
The fetching itself is sans-I/O (:meth:`KeySource.rounds` yields the requests), driven by the
verifier's sync or async sender.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import Any

import httpx

from logto_dynamic._exceptions import OidcError
from logto_dynamic._oidc._authorization import HttpRequest, check_jwks
from logto_dynamic._oidc._jwt_checks import import_keys
from logto_dynamic._oidc._loop_locks import LoopLocks
from logto_dynamic._validation._json import loads as json_loads

__all__ = ["KeySource"]

Rounds = Generator[HttpRequest, httpx.Response, Mapping[str, Any]]
Jwks = Mapping[str, Any]


def _fetch_json(answer: httpx.Response, what: str) -> Any:
    if answer.status_code != 200:
        raise OidcError(f"{what} answered HTTP {answer.status_code}")
    try:
        return json_loads(answer.content)
    except ValueError as exc:  # any parse failure: deep nesting, huge numbers too
        raise OidcError(f"{what} answered no JSON ({str(exc)[:120]})") from None


def key_ids(jwks: Jwks) -> set[str]:
    """The string ``kid`` values of a JWKS (a hostile document may hold any JSON there)."""
    return {kid for key in jwks["keys"] if isinstance(kid := key.get("kid"), str)}


class KeySource:
    """The JWKS of one issuer, fetched when needed, single-flight."""

    def __init__(self, issuer: str, jwks_uri: str | None, refetch_interval: float) -> None:
        self.issuer = issuer
        self.jwks_uri = jwks_uri
        self.refetch_interval = refetch_interval
        self.jwks: Jwks | None = None
        self.fetches = 0  # JWKS documents fetched (discovery not counted)
        self._imported: dict[str, Any] = {}  # kid -> the joserfc key set, made once
        self._refetched_at: float | None = None
        self._lock = threading.Lock()  # held by a thread while it fetches
        self._loop_locks = LoopLocks()  # one asyncio lock per running loop

    def _wanted(self, kid: str | None) -> bool:
        """Whether a fetch is due: no keys yet, or an unknown ``kid`` and a refetch allowed."""
        if self.jwks is None:
            return True
        if kid in key_ids(self.jwks):
            return False
        last = self._refetched_at
        return last is None or time.monotonic() - last >= self.refetch_interval

    def _known(self, kid: str | None) -> bool:
        """Whether the keys at hand name ``kid`` (then no lock is taken: the usual case).

        Otherwise the caller takes the lock even when no refetch is due, so that it waits
        for a fetch in flight rather than judging the token by the keys it replaces."""
        jwks = self.jwks
        return jwks is not None and (kid in key_ids(jwks) or kid is None)

    def keys(self, kid: str | None, send: Callable[[HttpRequest], httpx.Response]) -> Jwks:
        """The keys for a token naming ``kid``, fetched (once, under the lock) when due."""
        if not self._known(kid):
            with self._lock:
                flow = self.rounds(kid)
                answer: httpx.Response | None = None
                while True:
                    try:
                        request = flow.send(answer)  # type: ignore[arg-type]
                    except StopIteration as stop:
                        return stop.value  # type: ignore[no-any-return]
                    answer = send(request)
        return self.jwks  # type: ignore[return-value]

    async def akeys(
        self, kid: str | None, send: Callable[[HttpRequest], Awaitable[httpx.Response]]
    ) -> Jwks:
        """The awaitable :meth:`keys` (tasks of one loop wait on one asyncio lock)."""
        if not self._known(kid):
            async with self._loop_locks.get():
                flow = self.rounds(kid)
                answer: httpx.Response | None = None
                while True:
                    try:
                        request = flow.send(answer)  # type: ignore[arg-type]
                    except StopIteration as stop:
                        return stop.value  # type: ignore[no-any-return]
                    answer = await send(request)
        return self.jwks  # type: ignore[return-value]

    def rounds(self, kid: str | None) -> Rounds:
        """Fetch the keys if still due once the lock is held (another fetch may have just
        brought them): discovery first when no ``jwks_uri`` is known yet."""
        if not self._wanted(kid):
            return self.jwks  # type: ignore[return-value]
        if self.jwks is not None:
            self._refetched_at = time.monotonic()  # a refetch: the keys may have rotated
        if self.jwks_uri is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            document = _fetch_json((yield HttpRequest("GET", url)), "the OpenID configuration")
            if not isinstance(document, dict) or document.get("issuer") != self.issuer:
                raise OidcError(f"the OpenID configuration at {url} is not {self.issuer}'s")
            if not isinstance(document.get("jwks_uri"), str):
                raise OidcError("the OpenID configuration lacks jwks_uri")
            self.jwks_uri = document["jwks_uri"]
        jwks = check_jwks(_fetch_json((yield HttpRequest("GET", self.jwks_uri)), "the JWKS"))
        self._imported, self.jwks = {}, jwks
        self.fetches += 1
        return jwks

    def key_set(self, kid: str | None, keys: list[dict[str, Any]]) -> Any:
        """The joserfc key set of ``kid`` (imported once per fetched JWKS)."""
        key_set = self._imported.get(str(kid))
        if key_set is None:
            key_set = self._imported[str(kid)] = import_keys(keys)
        return key_set
