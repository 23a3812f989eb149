"""Routing of the Account API, in Logto 1.42's order: the route (404 text, 405 empty), the
bearer token (401/403), the account center (400 ``account_center.not_enabled``), the guard
(400 ``guard.invalid_input``), then the handler's own checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .._asgi import Request, Response
from .._errors import LogtoError
from .._grants import Grant
from .._state import User
from ..inbound._guard import guard_request
from ..oidc._m2m import auth_error
from ._context import AccountContext, AccountServer
from ._identities import IDENTITY_HANDLERS
from ._mfa import MFA_HANDLERS
from ._profile import PROFILE_HANDLERS
from ._sessions import SESSION_HANDLERS
from ._verifications import VERIFICATION_HANDLERS

if TYPE_CHECKING:
    from logto_dynamic._spec import Spec

__all__ = ["ACCOUNT_PREFIXES", "AccountApi"]

#: The paths this room serves.
ACCOUNT_PREFIXES = ("/api/my-account", "/api/verifications")
HANDLERS: dict[str, Callable[[AccountContext], Response]] = {
    **PROFILE_HANDLERS,
    **IDENTITY_HANDLERS,
    **MFA_HANDLERS,
    **SESSION_HANDLERS,
    **VERIFICATION_HANDLERS,
}
_UNGUARDED = frozenset({"UploadAccountAvatar"})  # its files guard runs in the handler
_VERIFICATION_HEADER = "logto-verification-id"


class AccountApi:
    """The Account API of one embedded server (its document loads on first use)."""

    def __init__(self, server: AccountServer) -> None:
        self.server = server
        self._spec: Spec | None = None

    @property
    def spec(self) -> Spec:
        """The shipped Account API document (routes and guards come from it)."""
        if self._spec is None:
            from logto_dynamic._spec import load_spec

            self._spec = load_spec("logto-account-1.42")
        return self._spec

    def handle(self, request: Request, path: str) -> Response:
        """Serve one ``/api/my-account/**`` or ``/api/verifications/**`` request."""
        hit = self.spec.match(request.method, path)
        if hit is None:
            if self.spec.operations.methods_for(path):
                return Response.text(405, "Method Not Allowed")
            return Response.text(404, "Not Found")
        op, path_params = hit
        user, grant = self.authenticate(request)
        if not self.server.account_center.enabled:
            raise LogtoError(
                400, "account_center.not_enabled", message="The account center is not enabled."
            )
        body = None
        if op.operation_id not in _UNGUARDED:
            body = guard_request(self.spec, op, request, path_params)
        header = request.headers.get(_VERIFICATION_HEADER)
        ctx = AccountContext(
            request=request,
            server=self.server,
            user=user,
            grant=grant,
            verified=self.server.account_records.grants_permission(header, user.id),
            body=body,
            path_params=path_params,
            query=request.query,
        )
        return HANDLERS[op.operation_id](ctx)

    def authenticate(self, request: Request) -> tuple[User, Grant]:
        """The user and grant of an opaque access token Logto issued for itself."""
        header = request.headers.get("authorization")
        if not header:
            raise auth_error(401, "auth.authorization_header_missing")
        if not header.startswith("Bearer"):
            raise auth_error(
                401,
                "auth.authorization_token_type_not_supported",
                data={"supportedTypes": ["Bearer"]},
            )
        grant = self.server.tokens.grant_of_access(header[len("Bearer ") :])
        user = self.server.users.by_id.get(grant.user_id) if grant is not None else None
        if grant is None or user is None:
            raise auth_error(401, "auth.unauthorized")
        if "openid" not in grant.scopes:
            raise auth_error(403, "auth.forbidden")
        return user, grant
