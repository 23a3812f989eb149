"""The Logto session (``_session`` cookie) and silent sign-in.

As on Logto 1.42 (oidc-provider underneath):

- A completed interaction leaves a session in the cookies: the user and, per app, the
  scopes and resources it was granted.
- ``GET /oidc/auth?prompt=none`` with that session redirects straight to the app with a
  code; without one, ``error=login_required``; with a session that never granted this app
  what it asks for, ``error=consent_required``.
- Sign-out (``_oidc_end_session``) ends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from .._asgi import Request, Response
from .._grants import AuthRequest, Grant, TokenStore
from .._state import new_id
from ..inbound._cookies import CookieSigner
from ._apps import OidcApp
from ._keys import SigningKey

__all__ = ["COOKIE", "Session", "Sessions", "redirect"]

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

    def cookie(self, session: Session) -> list[tuple[str, str]]:
        """``Set-Cookie`` headers naming ``session``."""
        return self.cookies.set(COOKIE, session.id, "/", httponly=True, seconds=_SESSION_SECONDS)

    def remember(self, request: Request, grant: Grant) -> list[tuple[str, str]]:
        """After an interaction: the user's session (a new one for another user) and cookie."""
        session = self.current(request)
        if session is None or session.user_id not in (None, grant.user_id):
            session = Session(new_id())
            self.by_id[session.id] = session
        session.user_id = grant.user_id
        session.grants[grant.app_id] = grant
        return self.cookie(session)

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
