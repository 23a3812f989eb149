"""Sessions and grants through the Account API.

A session is the embedded server's OIDC session (``oidc._session``); deleting it ends it, and
the grants it authorized are revoked unless they are offline ones (``offline_access``) and no
``revokeGrantsTarget`` asks for them, so the access tokens issued in it stop working at once,
as Logto's do. The grants listed are those that outlive a session: offline grants and those of
third-party apps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .._asgi import Response
from .._errors import LogtoError
from .._grants import Grant
from ..oidc._session import Session
from ._context import AccountContext

__all__ = ["SESSION_HANDLERS", "session_of_grant"]

_SESSION_SECONDS = 14 * 86400


def _session_grants(session: Session) -> Iterator[Grant]:
    yield from session.grants.values()
    for grants in session.silent.values():
        yield from grants


def session_of_grant(ctx: AccountContext, grant: Grant) -> Session | None:
    """The OIDC session a grant was issued in."""
    for session in list(ctx.server.sessions.by_id.values()):
        if any(g is grant for g in _session_grants(session)):
            return session
    return None


def _session_view(ctx: AccountContext, session: Session, current: Session | None) -> dict[str, Any]:
    seen = ctx.server.account_records.session_seen
    start = seen.setdefault(session.id, ctx.now)
    authorizations = {
        app: {"sid": session.id, "grantId": grant.id}
        for app, grant in session.grants.items()
        if not grant.revoked
    }
    return {
        "payload": {
            "exp": int(start) + _SESSION_SECONDS,
            "iat": int(start),
            "jti": session.id,
            "uid": session.id,
            "kind": "Session",
            "loginTs": int(start),
            "accountId": session.user_id,
            "authorizations": authorizations,
        },
        "lastSubmission": {
            "interactionEvent": "SignIn",
            "userId": session.user_id,
            "verificationRecords": [],
        },
        "clientId": next(iter(session.grants), None),
        "accountId": session.user_id,
        "expiresAt": (int(start) + _SESSION_SECONDS) * 1000,
        "isCurrent": session is current,
    }


def list_sessions(ctx: AccountContext) -> Response:
    """GET /sessions: the user's live sessions, the token's own marked ``isCurrent``."""
    ctx.need_verified()
    ctx.need_readable("session")
    ctx.need_scope("urn:logto:scope:sessions", 401)
    current = session_of_grant(ctx, ctx.grant)
    mine = [s for s in list(ctx.server.sessions.by_id.values()) if s.user_id == ctx.user.id]
    views = [_session_view(ctx, s, current) for s in mine]
    views.sort(key=lambda v: v["payload"]["loginTs"], reverse=True)
    return Response.json(200, {"sessions": views})


def _third_party(ctx: AccountContext, grant: Grant) -> bool:
    app = ctx.server.apps.get(grant.app_id)
    return app is not None and app.third_party


def delete_session(ctx: AccountContext) -> Response:
    """DELETE /sessions/{sessionId}: end it; its grants end unless offline (and not asked)."""
    ctx.need_verified()
    ctx.need_edit("session")
    ctx.need_scope("urn:logto:scope:sessions", 401)
    ctx.need_first_party()
    sid = ctx.path_params["sessionId"]
    session = ctx.server.sessions.by_id.get(sid)
    if session is None:  # Logto passes the 404 as interpolation data: the answer is a 400
        raise LogtoError(400, "oidc.session_not_found", data={"status": 404})
    if session.user_id != ctx.user.id:
        raise LogtoError(400, "oidc.invalid_session_account_id", data={"status": 404})
    target = ctx.query.get("revokeGrantsTarget")
    for grant in _session_grants(session):
        if target == "all" or (target == "firstParty" and not _third_party(ctx, grant)):
            grant.revoked = True
        elif not grant.offline:
            grant.revoked = True
    del ctx.server.sessions.by_id[sid]
    ctx.server.account_records.session_seen.pop(sid, None)
    return Response.empty(204)


def _user_grants(ctx: AccountContext) -> list[Grant]:
    found: dict[str, Grant] = {}
    tokens = ctx.server.tokens
    for record in [*tokens.access.values(), *tokens.refresh.values()]:
        found.setdefault(record.grant.id, record.grant)
    for session in list(ctx.server.sessions.by_id.values()):
        for grant in _session_grants(session):
            found.setdefault(grant.id, grant)
    return [g for g in found.values() if g.user_id == ctx.user.id and not g.revoked]


def _grant_view(ctx: AccountContext, grant: Grant) -> dict[str, Any]:
    start = int(ctx.now)
    return {
        "id": grant.id,
        "payload": {
            "exp": start + _SESSION_SECONDS,
            "iat": start,
            "jti": grant.id,
            "kind": "Grant",
            "clientId": grant.app_id,
            "accountId": grant.user_id,
        },
        "expiresAt": (start + _SESSION_SECONDS) * 1000,
        "application": {"id": grant.app_id, "name": grant.app_id},
    }


def list_grants(ctx: AccountContext) -> Response:
    """GET /grants?appType=firstParty|thirdParty."""
    ctx.need_verified()
    ctx.need_readable("session")
    ctx.need_scope("urn:logto:scope:sessions", 401)
    kind = ctx.query.get("appType")
    chosen = [
        g
        for g in _user_grants(ctx)
        if (g.offline or _third_party(ctx, g))
        and (kind is None or (kind == "thirdParty") == _third_party(ctx, g))
    ]
    return Response.json(200, {"grants": [_grant_view(ctx, g) for g in chosen]})


def delete_grant(ctx: AccountContext) -> Response:
    """DELETE /grants/{grantId}: revoke it (its tokens stop working)."""
    ctx.need_verified()
    ctx.need_edit("session")
    ctx.need_scope("urn:logto:scope:sessions", 401)
    ctx.need_first_party()
    grant = next((g for g in _user_grants(ctx) if g.id == ctx.path_params["grantId"]), None)
    if grant is None:
        raise LogtoError(404, "oidc.invalid_grant")
    grant.revoked = True
    return Response.empty(204)


SESSION_HANDLERS: dict[str, Callable[[AccountContext], Response]] = {
    "GetSessions": list_sessions,
    "DeleteSessionById": delete_session,
    "GetGrants": list_grants,
    "DeleteGrantById": delete_grant,
}
