"""After sign-in, sans-I/O: userinfo, silent sign-in, sign-out and revocation.

Like the rounds in ``_rounds``, each is a generator that yields
:class:`~logto_dynamic._oidc._authorization.HttpRequest` and is sent back the ``httpx.Response``;
the client shells drive them with their own httpx client, so the Logto session cookies of
an earlier sign-in in that client's jar are what ``silent_sign_in`` and ``sign_out`` use.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from logto_dynamic._exceptions import OidcError
from logto_dynamic._oidc._authorization import (
    AuthorizationRequest,
    HttpRequest,
    Provider,
    client_auth,
    location_of,
    origin,
    raise_for_error,
)
from logto_dynamic._oidc._logout_page import read_logout_form
from logto_dynamic._oidc._rounds import (
    MAX_HOPS,
    code_for,
    exchange_code,
    maybe_json,
    provider_for,
    token_refused,
)
from logto_dynamic._oidc._tokens import Tokens
from logto_dynamic._validation._json import loads as json_loads

__all__ = ["revoke", "sign_out", "silent_sign_in", "userinfo"]

Round = Generator[HttpRequest, httpx.Response, Any]
TOKEN_TYPE_HINTS = ("access_token", "refresh_token")


def _endpoint(provider: Provider, name: str) -> str:
    url = getattr(provider, name)
    if not url:
        raise OidcError(f"the OpenID configuration names no {name}")
    return str(url)


def userinfo(base_url: str, access_token: str) -> Round:
    """``GET /oidc/me`` with the access token as a bearer: the claims (a dict)."""
    provider = yield from provider_for(base_url)
    url = _endpoint(provider, "userinfo_endpoint")
    answer = yield HttpRequest("GET", url, headers={"authorization": f"Bearer {access_token}"})
    if answer.status_code != 200:
        raise token_refused(answer.status_code, maybe_json(answer), "the userinfo endpoint")
    try:
        claims = json_loads(answer.content)
    except ValueError:
        claims = None
    if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str):
        raise OidcError("the userinfo endpoint answered no JSON object with a sub")
    return claims


def silent_sign_in(
    base_url: str,
    app_id: str,
    redirect_uri: str,
    *,
    scopes: Sequence[str],
    resources: Sequence[str],
    client_secret: str | None,
) -> Round:
    """An authorization request with ``prompt=none``: the session's code, exchanged.

    Without a Logto session the redirect carries ``error=login_required``, raised as
    :class:`LoginRequired`; other errors (``consent_required`` ...) as
    :class:`AuthorizationError`.
    """
    auth = AuthorizationRequest(app_id, redirect_uri, tuple(scopes), tuple(resources), "none")
    provider = yield from provider_for(base_url)
    code = yield from code_for(auth, base_url, auth.url(base_url), provider)
    tokens: Tokens = yield from exchange_code(auth, code, provider, client_secret)
    return tokens


def sign_out(
    base_url: str,
    app_id: str,
    *,
    id_token: str | None,
    post_logout_redirect_uri: str | None,
) -> Round:
    """End the Logto session: the end-session page, then its form, as a browser would.

    Redirects and the form are followed on Logto's origin only, and never to the
    ``post_logout_redirect_uri``. Returns where the sign-out ended: that URI (with
    ``state`` when Logto adds one) or Logto's success page.
    """
    provider = yield from provider_for(base_url)
    allowed = {origin(base_url), origin(provider.issuer)}
    params = {"client_id": app_id}
    if id_token is not None:
        params["id_token_hint"] = id_token
    if post_logout_redirect_uri is not None:
        params["post_logout_redirect_uri"] = post_logout_redirect_uri
    url = _endpoint(provider, "end_session_endpoint")
    page = yield HttpRequest("GET", url, params=params)
    if page.status_code != 200 or "html" not in page.headers.get("content-type", ""):
        raise _refusal(page, "the end-session endpoint")
    form = read_logout_form(page.text)
    action = urljoin(url, form.action)
    if form.method != "post" or origin(action) not in allowed:
        raise OidcError("the end-session form does not post back to Logto: not submitted")
    answer = yield HttpRequest("POST", action, data=form.fields)
    target = action
    for _ in range(MAX_HOPS):
        following = location_of(answer.status_code, answer.headers, target)
        if following is None:
            if answer.status_code >= 400:
                raise _refusal(answer, "the end-session confirmation")
            return target
        target = following
        if origin(target) not in allowed or _same_page(target, post_logout_redirect_uri):
            return target
        answer = yield HttpRequest("GET", target)
    raise OidcError(f"more than {MAX_HOPS} redirects after the sign-out")


def _same_page(url: str, other: str | None) -> bool:
    if other is None:
        return False
    mine, theirs = urlsplit(url), urlsplit(other)
    return (origin(url), mine.path or "/") == (origin(other), theirs.path or "/")


def _refusal(answer: httpx.Response, what: str) -> OidcError:
    try:
        body = json_loads(answer.content)
    except ValueError:
        body = None
    if isinstance(body, dict):
        raise_for_error(body, where=f"{what} (HTTP {answer.status_code})")
    return OidcError(f"{what} answered HTTP {answer.status_code}")


def revoke(
    base_url: str, app_id: str, token: str, *, client_secret: str | None, hint: str | None
) -> Round:
    """``POST`` the token to the revocation endpoint (RFC 7009). Returns None."""
    if hint is not None and hint not in TOKEN_TYPE_HINTS:
        raise ValueError(f"hint must be one of {', '.join(TOKEN_TYPE_HINTS)}, not {hint!r}")
    provider = yield from provider_for(base_url)
    url = _endpoint(provider, "revocation_endpoint")
    form = {"token": token}
    if hint is not None:
        form["token_type_hint"] = hint
    headers = client_auth(form, app_id, client_secret)
    answer = yield HttpRequest("POST", url, data=form, headers=headers)
    if answer.status_code != 200:
        raise token_refused(answer.status_code, maybe_json(answer), "the revocation endpoint")
