"""What an Account API handler gets for one request, and the checks handlers share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .._errors import LogtoError
from ._data import UserData

if TYPE_CHECKING:
    from .._asgi import Request
    from .._grants import Grant, TokenStore
    from .._state import SignInExperience, User, UserStore
    from ..management._context import ManagementStore
    from ..oidc._apps import OidcApp
    from ..oidc._session import Sessions
    from ._records import AccountRecords
    from ._settings import AccountCenter

__all__ = ["AccountContext", "AccountServer", "denied", "not_editable"]


class _Management(Protocol):
    store: ManagementStore


class AccountServer(Protocol):
    """The parts of the embedded server the Account API reads and changes."""

    settings: SignInExperience
    users: UserStore
    tokens: TokenStore
    sessions: Sessions
    apps: dict[str, OidcApp]
    account_center: AccountCenter
    account_records: AccountRecords

    @property
    def management(self) -> _Management: ...

    @property
    def clock(self) -> Callable[[], float]: ...


def denied() -> LogtoError:
    """401 ``verification_record.permission_denied``."""
    return LogtoError(
        401,
        "verification_record.permission_denied",
        message="Permission denied, the verification record is invalid.",
    )


def not_editable() -> LogtoError:
    """400 ``account_center.field_not_editable``."""
    return LogtoError(
        400, "account_center.field_not_editable", message="The field is not editable."
    )


@dataclass
class AccountContext:
    """One Account API call: the user of the token, its grant and scopes, whether its
    ``logto-verification-id`` proves the user's identity, the guarded body and parameters."""

    request: Request
    server: AccountServer
    user: User
    grant: Grant
    verified: bool
    body: Any
    path_params: dict[str, str]
    query: Mapping[str, str]

    @property
    def scopes(self) -> frozenset[str]:
        """The token's scopes."""
        return frozenset(self.grant.scopes)

    @property
    def fields(self) -> AccountCenter:
        """The account-center settings."""
        return self.server.account_center

    @property
    def now(self) -> float:
        """The server's clock."""
        return self.server.clock()

    def data(self, user: User | None = None) -> UserData:
        """The user's account data (profile, custom data, identities, MFA ids ...)."""
        who = user or self.user
        extras = self.server.management.store.extras.setdefault(who.id, {})
        return UserData(who, extras, self.now)

    # -- the checks, each raising Logto's answer ---------------------------------------------

    def need_verified(self) -> None:
        """A verification record of this user, alive (401 ``permission_denied``)."""
        if not self.verified:
            raise denied()

    def need_edit(self, name: str) -> None:
        """The field is ``Edit`` (400 ``field_not_editable``)."""
        if not self.fields.editable(name):
            raise not_editable()

    def need_readable(self, name: str) -> None:
        """The field is ``ReadOnly`` or ``Edit`` (400 ``field_not_enabled``)."""
        if not self.fields.readable(name):
            raise LogtoError(
                400, "account_center.field_not_enabled", message="The field is not enabled."
            )

    def need_scope(self, scope: str, status: int = 400, code: str = "auth.unauthorized") -> None:
        """The token has ``scope`` (Logto answers 400 or 401 ``auth.unauthorized`` by route)."""
        if scope not in self.grant.scopes:
            message = "Forbidden." if code == "auth.forbidden" else "Unauthorized."
            raise LogtoError(status, code, message=message)

    def need_first_party(self) -> None:
        """Writes and verifications refuse third-party applications' tokens (403)."""
        app = self.server.apps.get(self.grant.app_id)
        if app is not None and app.third_party:
            raise LogtoError(
                403,
                "auth.third_party_application_forbidden",
                message="Third-party applications are not allowed to access this resource.",
            )
