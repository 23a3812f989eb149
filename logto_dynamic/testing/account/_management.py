"""The Management API routes the Account API needs: the account-center settings
(``GET``/``PATCH /api/account-center``) and setting a user's social identity
(``PUT /api/users/{userId}/identities/{target}``), plus Logto's integration-mode header.

A real Logto started for integration tests accepts ``development-user-id: <id>`` instead of a
bearer token on its Management API; the embedded server does so only when asked
(``ExperienceServer.integration_mode = True``), so the shared corpora replay unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol, cast

from .._asgi import Request, Response
from .._errors import LogtoError
from ..management._context import ManagementContext
from ._settings import AccountCenter

__all__ = [
    "ACCOUNT_MANAGEMENT_HANDLERS",
    "ACCOUNT_MANAGEMENT_ROUTES",
    "DEVELOPMENT_USER_HEADER",
    "development_user",
]

DEVELOPMENT_USER_HEADER = "development-user-id"


class _WithAccountCenter(Protocol):
    account_center: AccountCenter
    integration_mode: bool


def development_user(server: object, request: Request) -> str | None:
    """The integration-mode admin named by ``development-user-id``, when the server takes it."""
    if not getattr(server, "integration_mode", False):
        return None
    value = request.headers.get(DEVELOPMENT_USER_HEADER)
    return value or None


def _center(ctx: ManagementContext) -> AccountCenter:
    return cast(_WithAccountCenter, ctx.server).account_center


def get_account_center(ctx: ManagementContext) -> Response:
    """GET /api/account-center."""
    return Response.json(200, _center(ctx).view())


def update_account_center(ctx: ManagementContext) -> Response:
    """PATCH /api/account-center: given keys replace the stored ones; ``fields`` whole."""
    center = _center(ctx)
    center.update(ctx.body if isinstance(ctx.body, dict) else {})
    return Response.json(200, center.view())


def replace_identity(ctx: ManagementContext) -> Response:
    """PUT /api/users/{userId}/identities/{target}: set one social identity; the map answers."""
    user_id = ctx.path_params["userId"]
    if user_id not in ctx.users.by_id:
        raise LogtoError(
            404,
            "entity.not_exists_with_id",
            message=f"The users with ID `{user_id}` does not exist.",
        )
    body: dict[str, Any] = ctx.body
    extras = ctx.store.extras.setdefault(user_id, {})
    identities = extras.setdefault("identities", {})
    identity = {
        "userId": body["userId"],
        **({"details": body["details"]} if "details" in body else {}),
    }
    identities[ctx.path_params["target"]] = identity
    return Response.json(200, identities)


ACCOUNT_MANAGEMENT_HANDLERS: dict[str, Callable[[ManagementContext], Response]] = {
    "GetAccountCenterSettings": get_account_center,
    "UpdateAccountCenterSettings": update_account_center,
    "ReplaceUserIdentity": replace_identity,
}
#: (method, path pattern, operationId), the Management router's form.
ACCOUNT_MANAGEMENT_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("GET", re.compile(r"/api/account-center"), "GetAccountCenterSettings"),
    ("PATCH", re.compile(r"/api/account-center"), "UpdateAccountCenterSettings"),
    (
        "PUT",
        re.compile(r"/api/users/(?P<userId>[^/]+)/identities/(?P<target>[^/]+)"),
        "ReplaceUserIdentity",
    ),
)
