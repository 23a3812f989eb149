"""The Logto session (``_session`` cookie): silent sign-in and RP-initiated sign-out.

As on Logto 1.42 (oidc-provider underneath):

- A completed interaction leaves a session in the cookies: the user and, per app, the
  scopes and resources it was granted.
- ``GET /oidc/auth?prompt=none`` with that session redirects straight to the app with a
  code; without one, ``error=login_required``; with a session that never granted this app
  what it asks for, ``error=consent_required``.
- ``GET /oidc/session/end`` answers a page whose form (``op.logoutForm``, field ``xsrf``,
  plus ``logout=yes`` outside the form) posts to ``/oidc/session/end/confirm``, which ends
  the session and answers ``303`` to the registered ``post_logout_redirect_uri`` (with
  ``state``) or to ``/oidc/session/end/success``. An app's grant without ``offline_access``
  ends with the session (with the tokens of its silent sign-ins); an ``offline_access``
  grant persists, as oidc-provider's ``persistsLogout`` does.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ._apps import OidcApp
from ._asgi import Request, Response
from ._cookies import CookieSigner
from ._errors import oidc_error
from ._oidc_keys import SigningKey
from ._oidc_state import AuthRequest, Grant, TokenStore
from ._state import new_id

__all__ = ["Session", "Sessions"]

COOKIE = "_session"
_HTML = "text/html; charset=utf-8"
_SESSION_SECONDS = 14 * 86400.0
LOGIN_REQUIRED = "End-User authentication is required"


@dataclass
class Session:
    """One browser session: who signed in, what each app was granted, a pending sign-out."""

    id: str
    user_id: str | None = None
    grants: dict[str, Grant] = field(default_factory=dict)
    silent: dict[str, list[Grant]] = field(default_factory=dict, repr=False)
    logout: dict[str, str] | None = field(default=None, repr=False)


def redirect(uri: str, params: Mapping[str, str | None]) -> Response:
    """A 303 to ``uri`` with ``params`` (None values left out) added to its query."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    location = f"{uri}{'&' if '?' in uri else '?'}{query}" if query else uri
    return Response(303, b"", [("location", location), ("content-type", _HTML)])


class Sessions:
    """Sessions by id, read from and written to the signed ``_session`` cookie."""

    def __init__(
        self,
        apps: Mapping[str, OidcApp],
        cookies: CookieSigner,
        tokens: TokenStore,
        key: SigningKey,
    ) -> None:
        self.apps = apps
        self.cookies = cookies
        self.tokens = tokens
        self.key = key
        self.by_id: dict[str, Session] = {}

    def current(self, request: Request) -> Session | None:
        """The session named by the request's cookie, if it still exists."""
        sid = self.cookies.read(request, COOKIE)
        return self.by_id.get(sid) if sid else None

    def _cookie(self, session: Session) -> list[tuple[str, str]]:
        return self.cookies.set(COOKIE, session.id, "/", httponly=True, seconds=_SESSION_SECONDS)

    def remember(self, request: Request, grant: Grant) -> list[tuple[str, str]]:
        """After an interaction: the user's session (a new one for another user) and cookie."""
        session = self.current(request)
        if session is None or session.user_id not in (None, grant.user_id):
            session = Session(new_id())
            self.by_id[session.id] = session
        session.user_id = grant.user_id
        session.grants[grant.app_id] = grant
        return self._cookie(session)

    # -- prompt=none --------------------------------------------------------------------

    def silent(self, request: Request, auth: AuthRequest) -> Response:
        """The code redirect from the session, or ``login_required`` / ``consent_required``."""
        issuer = f"{request.base_url}/oidc"
        error = {"state": auth.state, "iss": issuer}
        session = self.current(request)
        if session is None or session.user_id is None:
            return redirect(
                auth.redirect_uri,
                {"error": "login_required", "error_description": LOGIN_REQUIRED, **error},
            )
        granted = session.grants.get(auth.app_id)
        asked = set(auth.scopes) - {"offline_access"}
        if (
            granted is None
            or granted.revoked
            or not asked <= set(granted.scopes)
            or not set(auth.resources) <= set(granted.resources)
        ):
            description = "requested scopes not granted"
            return redirect(
                auth.redirect_uri,
                {"error": "consent_required", "error_description": description, **error},
            )
        grant = Grant(
            id=new_id(),
            user_id=session.user_id,
            app_id=auth.app_id,
            scopes=auth.scopes,
            nonce=auth.nonce,
            resources=auth.resources,
            offline=auth.offline,
        )
        session.silent.setdefault(auth.app_id, []).append(grant)  # ends with the session grant
        code = self.tokens.issue_code(grant, auth.redirect_uri, auth.code_challenge)
        return redirect(auth.redirect_uri, {"code": code, "state": auth.state, "iss": issuer})

    # -- sign-out -----------------------------------------------------------------------

    def end(self, request: Request) -> Response:
        """``GET /oidc/session/end``: the page whose form confirms the sign-out."""
        query = request.query
        client_id = query.get("client_id") or None
        hint = query.get("id_token_hint")
        if hint:
            client_id = self._hinted_client(hint, client_id)
        if client_id is not None and client_id not in self.apps:
            raise oidc_error(400, "invalid_client", "client is invalid")
        post_logout = query.get("post_logout_redirect_uri") or None
        if post_logout is not None:
            app = self.apps.get(client_id or "")
            if app is None:
                raise oidc_error(
                    400,
                    "invalid_request",
                    "post_logout_redirect_uri can only be used in combination with "
                    "id_token_hint or client_id",
                )
            if not app.allows_post_logout(post_logout, endpoint=request.base_url):
                raise oidc_error(400, "invalid_request", "post_logout_redirect_uri not registered")
        session = self.current(request)
        if session is None:
            session = Session(new_id())
            self.by_id[session.id] = session
        xsrf = secrets.token_hex(32)
        session.logout = {"xsrf": xsrf, "client_id": client_id or ""}
        if post_logout is not None:
            session.logout["post_logout_redirect_uri"] = post_logout
            session.logout["state"] = query.get("state", "")
        action = f"{request.base_url}/oidc/session/end/confirm"
        page = _logout_page(action, xsrf)
        return Response(200, page.encode(), [("content-type", _HTML), *self._cookie(session)])

    def _hinted_client(self, hint: str, client_id: str | None) -> str:
        claims = self._verified(hint)
        audience = claims.get("aud") if claims is not None else None
        if not isinstance(audience, str):
            raise oidc_error(400, "invalid_request", "could not validate id_token_hint")
        if client_id is not None and client_id != audience:
            raise oidc_error(
                400, "invalid_request", "client_id does not match the provided id_token_hint"
            )
        return audience

    def _verified(self, token: str) -> dict[str, Any] | None:
        from joserfc import errors, jwt
        from joserfc.jwk import KeySet

        try:
            keys = KeySet.import_key_set(self.key.jwks())  # type: ignore[arg-type]
            return dict(jwt.decode(token, keys, algorithms=["ES384"]).claims)
        except (errors.JoseError, ValueError):
            return None

    def confirm(self, request: Request) -> Response:
        """``POST /oidc/session/end/confirm``: end the session, 303 to where the app said."""
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        session = self.current(request)
        pending = session.logout if session is not None else None
        if (
            session is None
            or pending is None
            or not secrets.compare_digest(form.get("xsrf", ""), pending["xsrf"])
        ):
            raise oidc_error(400, "invalid_request", "xsrf token invalid")
        session.logout = None
        ended = list(session.grants.values())
        if form.get("logout"):  # the whole session
            del self.by_id[session.id]
        else:  # only the app that asked
            client = pending.get("client_id", "")
            ended = [g for g in ended if g.app_id == client]
            for grant in ended:
                session.grants.pop(grant.app_id, None)
        for grant in ended:  # oidc-provider: offline_access grants persist the sign-out
            if not grant.offline:
                for issued in (grant, *session.silent.pop(grant.app_id, ())):
                    issued.revoked = True
        post_logout = pending.get("post_logout_redirect_uri")
        if post_logout is not None:
            response = redirect(post_logout, {"state": pending.get("state") or None})
        else:
            success = f"{request.base_url}/oidc/session/end/success"
            response = redirect(success, {"client_id": pending.get("client_id") or None})
        if session.id not in self.by_id:
            response.headers += self.cookies.set(COOKIE, "", "/", httponly=True, seconds=-86400)
        return response

    @staticmethod
    def success(request: Request) -> Response:
        """``GET /oidc/session/end/success``: a plain page saying the sign-out happened."""
        page = (
            "<!doctype html><html><head><title>Signed out</title></head>"
            "<body><p>You are signed out.</p></body></html>"
        )
        return Response(200, page.encode(), [("content-type", _HTML)])


def _logout_page(action: str, xsrf: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>Sign Out</title>'
        "</head><body onload=\"document.getElementById('op.logoutForm').submit();\">"
        f'<form id="op.logoutForm" method="post" action="{html.escape(action)}">'
        f'<input type="hidden" name="xsrf" value="{xsrf}"/></form>'
        '<input type="hidden" form="op.logoutForm" value="yes" name="logout" />'
        "</body></html>"
    )
