"""The embedded server's OIDC routes: which handler serves which path under ``/oidc``."""

from __future__ import annotations

import json

from .._asgi import Request, Response
from ._auth import Authorization
from ._end_session import EndSession
from ._keys import SigningKey
from ._m2m import ClientCredentials
from ._revoke import revoke
from ._session import Sessions
from ._token import TokenEndpoint, discovery

__all__ = ["OidcRoutes"]

_JWKS_TYPE = "application/jwk-set+json; charset=utf-8"


class OidcRoutes:
    """Authorization, discovery and keys, tokens (client credentials included), userinfo,
    revocation and the session."""

    def __init__(
        self,
        authorization: Authorization,
        token_endpoint: TokenEndpoint,
        sessions: Sessions,
        key: SigningKey,
        m2m: ClientCredentials,
    ) -> None:
        self.authorization = authorization
        self.token_endpoint = token_endpoint
        self.end_session = EndSession(sessions)
        self.key = key
        self.m2m = m2m

    def route(self, request: Request, path: str) -> Response:
        """Serve ``path`` (``/oidc/...`` or ``/consent``); 404 for anything else."""
        method = request.method
        if path == "/oidc/auth" and method == "GET":
            return self.authorization.start(request)
        if path.startswith("/oidc/auth/") and method == "GET":
            return self.authorization.resume(request, path.rsplit("/", 1)[1])
        if path == "/consent" and method == "GET":
            return self.authorization.consent(request)
        if path == "/oidc/.well-known/openid-configuration" and method == "GET":
            return Response.json(200, discovery(request.base_url))
        if path == "/oidc/jwks" and method == "GET":
            body = json.dumps(self.key.jwks(), separators=(",", ":")).encode()
            return Response(200, body, [("content-type", _JWKS_TYPE)])
        if path == "/oidc/token" and method == "POST":
            if self.m2m.handles(request):  # machine-to-machine apps: client credentials
                return self.m2m.token(request)
            return self.token_endpoint.token(request)
        if path == "/oidc/me" and method in ("GET", "POST"):
            return self.token_endpoint.userinfo(request)
        if path == "/oidc/token/revocation" and method == "POST":
            endpoint = self.token_endpoint
            return revoke(endpoint.apps, endpoint.tokens, request)
        if path == "/oidc/session/end" and method in ("GET", "POST"):
            return self.end_session.end(request)
        if path == "/oidc/session/end/confirm" and method == "POST":
            return self.end_session.confirm(request)
        if path == "/oidc/session/end/success" and method == "GET":
            return self.end_session.success(request)
        return Response.text(404, "Not Found")
