"""RP-initiated sign-out: ``/oidc/session/end``, its confirmation and the success page.

As on Logto 1.42 (oidc-provider's ``rpInitiatedLogout`` with Logto's page): ``GET
/oidc/session/end`` answers a page whose form (``op.logoutForm``, field ``xsrf``, plus
``logout=yes`` outside the form) posts to ``/oidc/session/end/confirm``, which ends the
session and answers ``303`` to the registered ``post_logout_redirect_uri`` (with ``state``)
or to ``/oidc/session/end/success``. Without ``logout`` only the asking app's grant ends.
An app's grant without ``offline_access`` ends with the session (with the tokens of its
silent sign-ins); an ``offline_access`` grant persists, as oidc-provider's
``persistsLogout`` does.
"""

from __future__ import annotations

import html
import secrets
from typing import Any
from urllib.parse import parse_qsl

from .._asgi import Request, Response, same_text
from .._errors import oidc_error
from .._state import new_id
from ._session import COOKIE, Session, Sessions, redirect

__all__ = ["EndSession"]

_HTML = "text/html; charset=utf-8"


class EndSession:
    """The three sign-out routes, on the server's :class:`Sessions`."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

    def end(self, request: Request) -> Response:
        """``GET /oidc/session/end``: the page whose form confirms the sign-out."""
        query = request.query
        client_id = query.get("client_id") or None
        hint = query.get("id_token_hint")
        if hint:
            client_id = self._hinted_client(hint, client_id)
        if client_id is not None and client_id not in self.sessions.apps:
            raise oidc_error(400, "invalid_client", "client is invalid")
        post_logout = query.get("post_logout_redirect_uri") or None
        if post_logout is not None:
            app = self.sessions.apps.get(client_id or "")
            if app is None:
                raise oidc_error(
                    400,
                    "invalid_request",
                    "post_logout_redirect_uri can only be used in combination with "
                    "id_token_hint or client_id",
                )
            if not app.allows_post_logout(post_logout, endpoint=request.base_url):
                raise oidc_error(400, "invalid_request", "post_logout_redirect_uri not registered")
        session = self.sessions.current(request)
        if session is None:
            session = Session(new_id())
            self.sessions.by_id[session.id] = session
        xsrf = secrets.token_hex(32)
        session.logout = {"xsrf": xsrf, "client_id": client_id or ""}
        if post_logout is not None:
            session.logout["post_logout_redirect_uri"] = post_logout
            session.logout["state"] = query.get("state", "")
        action = f"{request.base_url}/oidc/session/end/confirm"
        page = _logout_page(action, xsrf)
        return Response(
            200, page.encode(), [("content-type", _HTML), *self.sessions.cookie(session)]
        )

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
            keys = KeySet.import_key_set(self.sessions.key.jwks())  # type: ignore[arg-type]
            return dict(jwt.decode(token, keys, algorithms=["ES384"]).claims)
        except (errors.JoseError, ValueError):
            return None

    def confirm(self, request: Request) -> Response:
        """``POST /oidc/session/end/confirm``: end the session, 303 to where the app said."""
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        session = self.sessions.current(request)
        pending = session.logout if session is not None else None
        if (
            session is None
            or pending is None
            or not same_text(form.get("xsrf", ""), pending["xsrf"])
        ):
            raise oidc_error(400, "invalid_request", "xsrf token invalid")
        session.logout = None
        ended = list(session.grants.values())
        if form.get("logout"):  # the whole session
            del self.sessions.by_id[session.id]
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
        if session.id not in self.sessions.by_id:
            response.headers += self.sessions.cookies.set(
                COOKIE, "", "/", httponly=True, seconds=-86400
            )
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
