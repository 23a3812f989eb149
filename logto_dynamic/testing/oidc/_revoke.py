"""``POST /oidc/token/revocation`` (RFC 7009) as oidc-provider answers it for Logto 1.42.

The client authenticates as at the token endpoint. ``200`` with an empty body whether or
not the token was known; a token of another client is ``400 invalid_request``. Revoking a
refresh token revokes its whole grant (its access tokens too, and the refresh token then
gets ``invalid_grant``); revoking an access token ends only that token. JWT access tokens
for API resources are not stored, so revoking one changes nothing (they live until ``exp``).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from .._asgi import Request, Response
from .._errors import oidc_error
from .._grants import TokenStore
from ._apps import OidcApp
from ._clients import authenticate_client

__all__ = ["revoke"]


def revoke(apps: Mapping[str, OidcApp], tokens: TokenStore, request: Request) -> Response:
    """Serve one revocation request."""
    form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    app = authenticate_client(apps, request, form)
    token = form.get("token")
    if not token:
        raise oidc_error(400, "invalid_request", "missing required parameter 'token'")
    owner = tokens.owner(token)
    if owner is not None and owner != app.id:
        raise oidc_error(
            400, "invalid_request", "client is not authorized to revoke the presented token"
        )
    tokens.revoke(token, form.get("token_type_hint"))
    return Response(200)
