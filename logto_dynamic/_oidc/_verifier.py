"""``AccessTokenVerifier``: check Logto access tokens (JWTs for an API resource) in a resource
server, sync or async, on one sans-I/O core.

The checks, in order, each refusing with :class:`TokenVerificationError` naming it
(``.check``): the compact JWS shape (``format``), the ``alg`` (only the asymmetric ones the
issuer's keys name, never ``none`` or HMAC), ``typ`` ``at+jwt``, the ``kid`` (an unknown one
refetches the JWKS once), the ``signature`` (joserfc), ``iss``, ``aud``, ``exp`` and ``nbf``
with a small leeway, and every required ``scope``. The JWKS comes from the issuer's
discovery document (or ``jwks_uri=``) and is cached on the verifier.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from logto_dynamic._exceptions import OidcError
from logto_dynamic._oidc._authorization import HttpRequest, signing_algorithms
from logto_dynamic._oidc._jwt_checks import check_claims, read_header, refuse, verified_claims
from logto_dynamic._oidc._key_source import Jwks, KeySource, key_ids
from logto_dynamic._oidc._tokens import LEEWAY_SECONDS

__all__ = ["AccessTokenVerifier"]

ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})


class AccessTokenVerifier:
    """Verify access tokens issued by ``issuer`` for the API ``audience``.

    >>> verifier = AccessTokenVerifier("https://tenant.logto.app/oidc",  # doctest: +SKIP
    ...                                "https://api.example.com")
    >>> claims = verifier.verify(token, scopes=("read:things",))  # doctest: +SKIP

    ``verify`` fetches over ``http`` (an ``httpx.Client``), ``averify`` over ``async_http``
    (an ``httpx.AsyncClient``); without them a short-lived client makes each fetch (there
    is one at first use and one per key rotation). ``leeway`` (seconds) applies to ``exp``
    and ``nbf``. An unknown ``kid`` refetches the JWKS once, and at most once every
    ``refetch_interval`` seconds (so tokens with made-up ``kid`` values cannot make it
    hammer the issuer). A JWKS that cannot be fetched raises :class:`OidcError` (a server
    problem, not a bad token).
    """

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        jwks_uri: str | None = None,
        leeway: int = LEEWAY_SECONDS,
        http: httpx.Client | None = None,
        async_http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
        refetch_interval: float = 30.0,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.leeway = leeway
        self._http = http
        self._async_http = async_http
        self._timeout = timeout
        self._keys = KeySource(self.issuer, jwks_uri, refetch_interval)

    def __repr__(self) -> str:
        return f"<AccessTokenVerifier iss={self.issuer} aud={self.audience}>"

    # -- the drivers --------------------------------------------------------------------

    def verify(self, token: str, scopes: Iterable[str] = ()) -> dict[str, Any]:
        """The token's claims if it passes every check; :class:`TokenVerificationError`
        (whatever ``token`` is: not a string, malformed, forged)."""
        header, kid = read_header(token)
        jwks = self._keys.keys(kid, self._send)
        return self._checked(token, header, kid, jwks, tuple(scopes))

    async def averify(self, token: str, scopes: Iterable[str] = ()) -> dict[str, Any]:
        """The awaitable :meth:`verify` (fetches do not block the event loop)."""
        header, kid = read_header(token)
        jwks = await self._keys.akeys(kid, self._asend)
        return self._checked(token, header, kid, jwks, tuple(scopes))

    def _send(self, request: HttpRequest) -> httpx.Response:
        try:
            if self._http is not None:
                return self._http.get(request.url)
            with httpx.Client(timeout=self._timeout) as http:
                return http.get(request.url)
        except httpx.HTTPError as exc:
            raise OidcError(f"could not fetch {request.url} ({type(exc).__name__})") from None

    async def _asend(self, request: HttpRequest) -> httpx.Response:
        try:
            if self._async_http is not None:
                return await self._async_http.get(request.url)
            async with httpx.AsyncClient(timeout=self._timeout) as http:
                return await http.get(request.url)
        except httpx.HTTPError as exc:
            raise OidcError(f"could not fetch {request.url} ({type(exc).__name__})") from None

    # -- the checks (no I/O) ------------------------------------------------------------

    def _checked(
        self,
        token: str,
        header: dict[str, Any],
        kid: str | None,
        jwks: Jwks,
        scopes: tuple[str, ...],
    ) -> dict[str, Any]:
        if kid not in key_ids(jwks) and not (kid is None and _has_no_kid(jwks)):
            raise refuse("kid", f"the issuer's JWKS holds no key {kid!r}")
        keys = [k for k in jwks["keys"] if k.get("kid") == kid]
        algorithms = signing_algorithms(keys)
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in algorithms:
            allowed = ", ".join(algorithms) or "none usable"
            shown = repr(alg)[:40]
            raise refuse("alg", f"alg {shown} is not one the issuer's key allows ({allowed})")
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
            raise refuse("typ", f"typ is {repr(typ)[:40]}, expected 'at+jwt'")
        claims = verified_claims(token, self._keys.key_set(kid, keys), algorithms)
        check_claims(claims, self.issuer, self.audience, self.leeway, scopes)
        return claims


def _has_no_kid(jwks: Jwks) -> bool:
    """Whether some key of the JWKS has no ``kid`` (a token without one may use it)."""
    return any(key.get("kid") is None for key in jwks["keys"])
