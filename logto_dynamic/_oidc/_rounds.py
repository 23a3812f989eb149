"""The OIDC rounds as sans-I/O generators: discovery, redirects to the code, token requests.

Each generator yields :class:`~logto_dynamic._oidc.HttpRequest` and is sent back the
``httpx.Response``; the drivers in ``_interaction`` do the sending. Discovery documents and
JWKS are cached per endpoint; an ID token signed with an unknown ``kid`` refreshes the JWKS
once.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any
from urllib.parse import urlsplit

import httpx

from logto_dynamic._exceptions import (
    AuthorizationError,
    ConsentRequiredError,
    OidcError,
    TokenRequestError,
    UnknownKeyIdError,
)
from logto_dynamic._oidc._authorization import (
    AuthorizationRequest,
    HttpRequest,
    Provider,
    client_auth,
    discovery_url,
    location_of,
    origin,
    raise_for_error,
)
from logto_dynamic._oidc._tokens import Tokens, verify_id_token
from logto_dynamic._validation._json import loads as json_loads

__all__ = [
    "MAX_HOPS",
    "code_for",
    "exchange_code",
    "maybe_json",
    "provider_for",
    "refresh",
    "reset_cache",
    "token_refused",
]

MAX_HOPS = 10

HttpFlow = Generator[HttpRequest, httpx.Response, Any]

_PROVIDERS: dict[str, Provider] = {}


def reset_cache() -> None:
    """Forget every cached discovery document and JWKS."""
    _PROVIDERS.clear()


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return json_loads(response.content)
    except ValueError:  # any parse failure, a 5,000-digit number or deep nesting too
        raise OidcError(f"{what} answered HTTP {response.status_code} without JSON") from None


def provider_for(base_url: str) -> Generator[HttpRequest, httpx.Response, Provider]:
    """The endpoint's discovered provider (cached per endpoint)."""
    url = discovery_url(base_url)
    cached = _PROVIDERS.get(url)
    if cached is not None:
        return cached
    answer = yield HttpRequest("GET", url)
    if answer.status_code != 200:
        raise OidcError(f"the OpenID configuration answered HTTP {answer.status_code} ({url})")
    document = _json(answer, "the OpenID configuration")
    jwks_uri = document.get("jwks_uri") if isinstance(document, dict) else None
    jwks = yield from _fetch_jwks(str(jwks_uri or ""))
    provider = _PROVIDERS[url] = Provider.from_discovery(document, jwks)
    return provider


def _fetch_jwks(uri: str) -> Generator[HttpRequest, httpx.Response, Any]:
    if not uri:
        raise OidcError("the OpenID configuration lacks jwks_uri")
    answer = yield HttpRequest("GET", uri)
    if answer.status_code != 200:
        raise OidcError(f"the JWKS answered HTTP {answer.status_code}")
    return _json(answer, "the JWKS")


def code_for(
    auth: AuthorizationRequest, base_url: str, redirect_to: str, provider: Provider
) -> Generator[HttpRequest, httpx.Response, str]:
    """Follow ``redirectTo`` hop by hop (same origin only) to the app's redirect URI; its code.

    The redirect URI itself is never fetched. A consent page that does not redirect (a
    third-party app) raises :class:`ConsentRequiredError`.
    """
    allowed = {origin(base_url), origin(provider.issuer)}
    target = redirect_to
    for _ in range(MAX_HOPS):
        if auth.is_redirect_uri(target):
            return auth.code_from(
                target, issuer=provider.issuer, iss_required=provider.iss_parameter_supported
            )
        if origin(target) not in allowed:
            scheme, host = origin(target)
            raise OidcError(f"refusing to follow a redirect to another origin ({scheme}://{host})")
        answer = yield HttpRequest("GET", target)
        following = location_of(answer.status_code, answer.headers, target)
        if following is not None:
            target = following
            continue
        path = urlsplit(target).path
        if answer.status_code < 300 and path.rstrip("/").endswith("/consent"):
            raise ConsentRequiredError(
                f"{auth.app_id} needs a person's consent (a third-party app): Logto shows a "
                "consent page instead of redirecting, which an API client cannot accept",
                error="consent_required",
            )
        body = maybe_json(answer)
        raise_for_error(body, where=f"{path} (HTTP {answer.status_code})")
        raise AuthorizationError(
            f"{path} answered HTTP {answer.status_code} instead of redirecting to the app"
        )
    raise OidcError(f"more than {MAX_HOPS} redirects before the code redirect")


def token_refused(
    status_code: int, body: dict[str, Any], what: str = "the token endpoint"
) -> TokenRequestError:
    """The error for a token endpoint's refusal (or the revocation's, userinfo's: ``what``):
    its ``error``, ``error_description`` and Logto's ``code`` as the answer gave them (they
    never hold a secret)."""

    def text(name: str) -> str | None:
        value = body.get(name)
        return value if isinstance(value, str) else None

    error, description = text("error"), text("error_description")
    detail = f" {error}" + (f": {description}" if description else "") if error else ""
    return TokenRequestError(
        f"{what} answered HTTP {status_code}{detail}",
        status_code=status_code,
        error=error,
        error_description=description,
        code=text("code"),
    )


def maybe_json(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = json_loads(answer.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def exchange_code(
    auth: AuthorizationRequest, code: str, provider: Provider, client_secret: str | None = None
) -> Generator[HttpRequest, httpx.Response, Tokens]:
    """Trade the code (with the PKCE verifier) for a verified token set."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": auth.redirect_uri,
        "code_verifier": auth.verifier,
    }
    headers = client_auth(form, auth.app_id, client_secret)
    return (yield from _token_request(provider, form, headers, auth.app_id, auth.nonce, None))


def refresh(
    base_url: str,
    app_id: str,
    refresh_token: str,
    resource: str | None,
    *,
    organization_id: str | None = None,
    client_secret: str | None = None,
) -> Generator[HttpRequest, httpx.Response, Tokens]:
    """Trade a refresh token for a new verified token set (the refresh token rotates).

    With ``resource`` the access token is a JWT for that API; with ``organization_id`` one
    for the organization (``aud`` ``urn:logto:organization:<id>``).
    """
    provider = yield from provider_for(base_url)
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if resource is not None:
        form["resource"] = resource
    if organization_id is not None:
        form["organization_id"] = organization_id
    headers = client_auth(form, app_id, client_secret)
    return (yield from _token_request(provider, form, headers, app_id, None, refresh_token))


def _token_request(
    provider: Provider,
    form: dict[str, str],
    headers: dict[str, str],
    client_id: str,
    nonce: str | None,
    previous_refresh: str | None,
) -> Generator[HttpRequest, httpx.Response, Tokens]:
    answer = yield HttpRequest("POST", provider.token_endpoint, data=form, headers=headers)
    body = maybe_json(answer)
    if answer.status_code != 200:
        raise token_refused(answer.status_code, body)
    id_token = body.get("id_token")
    if not isinstance(id_token, str):
        raise OidcError("the token answer has no id_token (was 'openid' in the scopes?)")
    now = time.time()
    for attempt in (1, 2):
        try:
            claims = verify_id_token(
                id_token,
                provider.jwks,
                provider.algorithms(),
                issuer=provider.issuer,
                client_id=client_id,
                nonce=nonce,
                now=now,
            )
        except UnknownKeyIdError:
            if attempt == 2:
                raise
            jwks = yield from _fetch_jwks(provider.jwks_uri)
            provider = provider.with_jwks(jwks)
            for url, cached in list(_PROVIDERS.items()):
                if cached.issuer == provider.issuer:
                    _PROVIDERS[url] = provider
            continue
        return Tokens.from_response(body, claims, now=now, previous_refresh_token=previous_refresh)
    raise AssertionError("unreachable")  # pragma: no cover
