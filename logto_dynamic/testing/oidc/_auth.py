"""The authorization endpoint: ``GET /oidc/auth``, its resumption and the consent hop.

As on Logto 1.42 (oidc-provider underneath): an unknown client or an unregistered
``redirect_uri`` is answered with a 400 JSON error (there is nowhere safe to redirect to);
any other authorization error is a 303 to ``redirect_uri`` with ``error``,
``error_description``, ``state`` and ``iss``. PKCE with ``S256`` is required. A successful
request sets the six interaction cookies and sends the browser to ``/sign-in``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from urllib.parse import urlencode

from .._asgi import Request, Response
from .._errors import LogtoError, oidc_error, session_expired
from .._grants import AuthRequest, Grant, TokenStore
from .._state import Interaction, new_id
from ..inbound._cookies import CookieSigner
from ._access import AccessDirectory
from ._apps import OidcApp
from ._session import Sessions, redirect

__all__ = ["Authorization"]

_HTML = "text/html; charset=utf-8"
_INTERACTION_SECONDS = 3600.0
_SESSION_SECONDS = 14 * 86400.0
PKCE_REQUIRED = "Authorization Server policy requires PKCE to be used for this request"


class _RedirectError(Exception):
    """An authorization error that goes back to the client's ``redirect_uri``."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(error)
        self.error, self.description = error, description


class Authorization:
    """Starts interactions, resumes them after submit, and hands out authorization codes."""

    def __init__(
        self,
        apps: dict[str, OidcApp],
        interactions: dict[str, Interaction],
        cookies: CookieSigner,
        tokens: TokenStore,
        sessions: Sessions,
        directory: AccessDirectory,
    ) -> None:
        self.apps = apps
        self.interactions = interactions
        self.cookies = cookies
        self.tokens = tokens
        self.sessions = sessions
        self.directory = directory

    # -- GET /oidc/auth -----------------------------------------------------------------

    def start(self, request: Request) -> Response:
        """Check the request and start an interaction (303 to ``/sign-in`` + six cookies)."""
        query = request.query
        issuer = f"{request.base_url}/oidc"
        app, redirect_uri = _client_and_redirect(self.apps, request, issuer)
        try:
            auth = _auth_request(app, redirect_uri, query)
            auth.resources = tuple(v for k, v in request.query_items if k == "resource" and v)
            if any(r not in self.directory.resources for r in auth.resources):
                raise _RedirectError("invalid_target", "resource indicator is missing, or unknown")
        except _RedirectError as exc:
            params = {"error": exc.error, "error_description": exc.description}
            return redirect(redirect_uri, {**params, "state": query.get("state"), "iss": issuer})
        if "none" in auth.prompt:  # silent sign-in: the session's code, or an error
            return self.sessions.silent(request, auth)
        uid = new_id()
        self.interactions[uid] = Interaction(uid=uid, auth=auth)
        headers = [("location", f"/sign-in?{urlencode({'app_id': app.id})}")]
        headers += self.cookies.set(
            "_logto", _logto_cookie(app.id), "/", httponly=False, seconds=_SESSION_SECONDS
        )
        headers += self._interaction_cookies(uid)
        headers.append(("content-type", _HTML))
        return Response(303, b"Redirecting to /sign-in.", headers)

    def _interaction_cookies(self, uid: str) -> list[tuple[str, str]]:
        headers = self.cookies.set(
            "_interaction", uid, "/", httponly=True, seconds=_INTERACTION_SECONDS
        )
        headers += self.cookies.set(
            "_interaction_resume",
            uid,
            f"/oidc/auth/{uid}",
            httponly=True,
            seconds=_INTERACTION_SECONDS,
        )
        return headers

    # -- the interaction cookie, for the Experience API ---------------------------------

    def interaction(self, request: Request) -> Interaction | None:
        """The interaction named by the signed ``_interaction`` cookie, or None."""
        uid = self.cookies.read(request, "_interaction")
        return self.interactions.get(uid) if uid else None

    # -- GET /oidc/auth/<uid> -----------------------------------------------------------

    def resume(self, request: Request, uid: str) -> Response:
        """After submit: the consent hop, or the code redirect (``code``, ``state``, ``iss``)."""
        interaction = self.interactions.get(uid)
        if interaction is None or self.cookies.read(request, "_interaction_resume") != uid:
            raise session_expired()
        auth = interaction.auth
        if not interaction.submitted or interaction.user_id is None:
            location = f"/sign-in?{urlencode({'app_id': auth.app_id})}"
            return Response(303, b"", [("location", location), ("content-type", _HTML)])
        del self.interactions[uid]
        app = self.apps[auth.app_id]
        if auth.needs_consent or (app.third_party and not auth.consented):
            return self._to_consent(interaction)
        grant = _grant_of(auth, interaction.user_id)
        code = self.tokens.issue_code(grant, auth.redirect_uri, auth.code_challenge)
        iss = f"{request.base_url}/oidc"
        answer = redirect(auth.redirect_uri, {"code": code, "state": auth.state, "iss": iss})
        answer.headers += self.sessions.remember(request, grant)
        return answer

    def _to_consent(self, interaction: Interaction) -> Response:
        """A new interaction (uid2) that waits for consent, and a 303 to ``/consent``."""
        uid = new_id()
        follow_up = Interaction(uid=uid, auth=interaction.auth)
        follow_up.event, follow_up.user_id, follow_up.submitted = (
            interaction.event,
            interaction.user_id,
            True,
        )
        self.interactions[uid] = follow_up
        headers = [("location", f"/consent?{urlencode({'app_id': interaction.auth.app_id})}")]
        headers += self._interaction_cookies(uid)
        headers.append(("content-type", _HTML))
        return Response(303, b"", headers)

    # -- GET /consent -------------------------------------------------------------------

    def consent(self, request: Request) -> Response:
        """First-party apps: consent granted, 302 to the new ``/oidc/auth/<uid2>``.

        Third-party apps get the consent page (HTML), which an API client cannot click.
        """
        interaction = self.interaction(request)
        if interaction is None or not interaction.submitted:
            raise _no_interaction_cookie()
        app = self.apps[interaction.auth.app_id]
        if app.third_party:
            page = _consent_page(app)
            return Response(200, page.encode(), [("content-type", _HTML)])
        interaction.auth.consented = True
        location = f"{request.base_url}/oidc/auth/{interaction.uid}"
        return Response(302, b"", [("location", location), ("content-type", _HTML)])


def _client_and_redirect(
    apps: Mapping[str, OidcApp], request: Request, issuer: str
) -> tuple[OidcApp, str]:
    """The app and ``redirect_uri`` asked for; a 400 when either is unknown (nowhere safe
    to redirect the error to)."""
    query = request.query
    app = apps.get(query.get("client_id", ""))
    if app is None:
        raise oidc_error(400, "invalid_client", "client is invalid", iss=issuer)
    redirect_uri = query.get("redirect_uri", "")
    if not app.allows(redirect_uri, endpoint=request.base_url):
        raise oidc_error(
            400,
            "invalid_redirect_uri",
            "redirect_uri did not match any of the client's registered redirect_uris",
            iss=issuer,
        )
    return app, redirect_uri


def _grant_of(auth: AuthRequest, user_id: str) -> Grant:
    """What a finished interaction grants: the user, the app, its scopes and resources."""
    return Grant(
        id=new_id(),
        user_id=user_id,
        app_id=auth.app_id,
        scopes=auth.scopes,
        nonce=auth.nonce,
        resources=auth.resources,
        offline=auth.offline,
    )


def _logto_cookie(app_id: str) -> str:
    """The ``_logto`` cookie's value: the app, for the sign-in page (base64url JSON)."""
    return base64.urlsafe_b64encode(json.dumps({"appId": app_id}).encode()).decode().rstrip("=")


def _no_interaction_cookie() -> LogtoError:
    return LogtoError(
        400,
        "session.not_found",
        extra={
            "error": "invalid_request",
            "error_description": "interaction session id cookie not found",
        },
    )


def _auth_request(app: OidcApp, redirect_uri: str, query: Mapping[str, str]) -> AuthRequest:
    response_type = query.get("response_type")
    if not response_type:
        raise _RedirectError("invalid_request", "missing required parameter 'response_type'")
    if response_type != "code":
        raise _RedirectError("unsupported_response_type", "unsupported response_type requested")
    scopes = tuple(query.get("scope", "").split())
    if "openid" not in scopes:
        raise _RedirectError("invalid_scope", "openid scope must be requested")
    challenge = query.get("code_challenge") or ""
    if not challenge and not app.confidential:
        raise _RedirectError("invalid_request", PKCE_REQUIRED)
    if challenge and query.get("code_challenge_method", "plain") != "S256":
        raise _RedirectError("invalid_request", "not supported value of code_challenge_method")
    return AuthRequest(
        app_id=app.id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        prompt=tuple(query.get("prompt", "").split()),
        code_challenge=challenge,
        state=query.get("state"),
        nonce=query.get("nonce"),
    )


def _consent_page(app: OidcApp) -> str:
    name = "".join(c for c in app.id if c.isalnum() or c in "-_.")
    return (
        "<!doctype html><html><head><title>Consent</title></head><body>"
        f"<h1>{name} wants to access your account</h1>"
        "<p>This third-party application needs your consent in a browser.</p>"
        "</body></html>"
    )
