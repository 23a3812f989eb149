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

import base64
import json
import threading
import time
from collections.abc import Generator, Iterable, Mapping
from typing import Any

import httpx

from logto_dynamic._exceptions import OidcError, TokenVerificationError
from logto_dynamic._oidc._authorization import HttpRequest, check_jwks, signing_algorithms
from logto_dynamic._oidc._tokens import LEEWAY_SECONDS

__all__ = ["AccessTokenVerifier"]

Round = Generator[HttpRequest, httpx.Response, Any]
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})


def _refuse(check: str, message: str) -> TokenVerificationError:
    error = "insufficient_scope" if check == "scope" else "invalid_token"
    return TokenVerificationError(
        f"access token refused ({check}): {message}", check=check, error=error
    )


def _header(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise _refuse("format", "not a compact JWS (three dot-separated parts)")
    try:
        raw = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4))
        header = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise _refuse("format", "the header is not base64url JSON") from None
    if not isinstance(header, dict):
        raise _refuse("format", "the header is not a JSON object")
    return header


def _fetch_json(answer: httpx.Response, what: str) -> Any:
    if answer.status_code != 200:
        raise OidcError(f"{what} answered HTTP {answer.status_code}")
    try:
        return answer.json()
    except ValueError:
        raise OidcError(f"{what} answered no JSON") from None


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
        self._jwks_uri = jwks_uri
        self._http = http
        self._async_http = async_http
        self._timeout = timeout
        self._jwks: Mapping[str, Any] | None = None
        self._imported: dict[str, Any] = {}  # kid -> the joserfc key set, made once
        self._refetch_interval = refetch_interval
        self._refetched_at: float | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<AccessTokenVerifier iss={self.issuer} aud={self.audience}>"

    # -- the drivers --------------------------------------------------------------------

    def verify(self, token: str, scopes: Iterable[str] = ()) -> dict[str, Any]:
        """The token's claims if it passes every check; :class:`TokenVerificationError`."""
        flow = self._verify(token, tuple(scopes))
        answer: httpx.Response | None = None
        while True:
            try:
                request = flow.send(answer)  # type: ignore[arg-type]
            except StopIteration as stop:
                claims: dict[str, Any] = stop.value
                return claims
            answer = self._send(request)

    async def averify(self, token: str, scopes: Iterable[str] = ()) -> dict[str, Any]:
        """The awaitable :meth:`verify` (fetches do not block the event loop)."""
        flow = self._verify(token, tuple(scopes))
        answer: httpx.Response | None = None
        while True:
            try:
                request = flow.send(answer)  # type: ignore[arg-type]
            except StopIteration as stop:
                claims: dict[str, Any] = stop.value
                return claims
            answer = await self._asend(request)

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

    # -- the sans-I/O core --------------------------------------------------------------

    def _keys(self, refresh: bool) -> Round:
        if self._jwks is not None and not refresh:
            return self._jwks
        if self._jwks_uri is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            document = _fetch_json((yield HttpRequest("GET", url)), "the OpenID configuration")
            if not isinstance(document, dict) or document.get("issuer") != self.issuer:
                raise OidcError(f"the OpenID configuration at {url} is not {self.issuer}'s")
            if not isinstance(document.get("jwks_uri"), str):
                raise OidcError("the OpenID configuration lacks jwks_uri")
            self._jwks_uri = document["jwks_uri"]
        jwks = check_jwks(_fetch_json((yield HttpRequest("GET", self._jwks_uri)), "the JWKS"))
        with self._lock:
            self._jwks = jwks
            self._imported = {}
        return jwks

    def _may_refetch(self) -> bool:
        now = time.monotonic()
        with self._lock:
            last = self._refetched_at
            if last is not None and now - last < self._refetch_interval:
                return False
            self._refetched_at = now
        return True

    def _verify(self, token: str, scopes: tuple[str, ...]) -> Round:
        header = _header(token)
        fresh = self._jwks is None
        jwks = yield from self._keys(refresh=False)
        kid = header.get("kid")
        known = {k.get("kid") for k in jwks["keys"]}
        if kid not in known and not fresh and self._may_refetch():
            jwks = yield from self._keys(refresh=True)  # the keys may have rotated: once
            known = {k.get("kid") for k in jwks["keys"]}
        if kid not in known:
            raise _refuse("kid", f"the issuer's JWKS holds no key {kid!r}")
        keys = [k for k in jwks["keys"] if k.get("kid") == kid]
        algorithms = signing_algorithms(keys)
        alg = header.get("alg")
        if alg not in algorithms:
            allowed = ", ".join(algorithms) or "none usable"
            raise _refuse("alg", f"alg {alg!r} is not one the issuer's key allows ({allowed})")
        typ = str(header.get("typ", "")).lower()
        if typ not in ACCESS_TOKEN_TYPES:
            raise _refuse("typ", f"typ is {header.get('typ')!r}, expected 'at+jwt'")
        key_set = self._imported.get(str(kid))
        if key_set is None:
            key_set = self._imported[str(kid)] = import_keys(keys)
        claims = verified_claims(token, key_set, algorithms)
        check_claims(claims, self.issuer, self.audience, self.leeway, scopes)
        return claims


def import_keys(keys: list[dict[str, Any]]) -> Any:
    """The public keys as a joserfc ``KeySet`` (a key that cannot be read refuses the token)."""
    from joserfc import errors, jwk

    try:
        return jwk.KeySet.import_key_set({"keys": keys})
    except (errors.JoseError, ValueError, TypeError) as exc:
        raise _refuse(
            "signature", f"the issuer's key cannot be read ({type(exc).__name__})"
        ) from None


def verified_claims(token: str, key_set: Any, algorithms: list[str]) -> dict[str, Any]:
    """The payload of ``token`` once joserfc has verified its signature with ``key_set``."""
    from joserfc import errors, jws

    try:
        verified = jws.deserialize_compact(token, key_set, algorithms=algorithms)
    except errors.BadSignatureError:
        raise _refuse("signature", "the signature does not verify") from None
    except (errors.JoseError, ValueError) as exc:
        raise _refuse("signature", f"cannot be verified ({type(exc).__name__})") from None
    try:
        claims = json.loads(verified.payload)
    except (ValueError, UnicodeDecodeError):
        raise _refuse("format", "the payload is not JSON") from None
    if not isinstance(claims, dict):
        raise _refuse("format", "the payload is not a JSON object")
    return claims


def check_claims(
    claims: dict[str, Any], issuer: str, audience: str, leeway: int, scopes: tuple[str, ...]
) -> None:
    """``iss``, ``aud``, ``exp``/``nbf`` (with ``leeway``) and the required ``scopes``."""
    if claims.get("iss") != issuer:
        raise _refuse("iss", f"iss is {claims.get('iss')!r}, expected {issuer!r}")
    aud = claims.get("aud")
    if audience not in (aud if isinstance(aud, list) else [aud]):
        raise _refuse("aud", f"aud is {aud!r}, expected {audience!r}")
    now = time.time()
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise _refuse("exp", "the token has no numeric exp")
    if now > exp + leeway:
        raise _refuse("exp", f"expired {int(now - exp)} s ago")
    nbf = claims.get("nbf")
    if nbf is not None:
        if not isinstance(nbf, int | float) or isinstance(nbf, bool):
            raise _refuse("nbf", "nbf is not a number")
        if now + leeway < nbf:
            raise _refuse("nbf", f"not valid for another {int(nbf - now)} s")
    granted = str(claims.get("scope") or "").split()
    missing = [s for s in scopes if s not in granted]
    if missing:
        raise _refuse("scope", f"missing scope(s) {' '.join(missing)}")
