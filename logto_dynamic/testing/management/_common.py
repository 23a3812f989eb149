"""What the arranging routes (applications, resources, roles, organizations, user details)
share: the server parts they change, Logto's not-found answers, and list paging."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from .._asgi import Response
from .._errors import LogtoError
from .._state import User
from ._context import ManagementContext, Page, ServerState

if TYPE_CHECKING:
    from .._grants import TokenStore
    from ..oidc._access import AccessDirectory
    from ..oidc._apps import OidcApp
    from ..oidc._m2m import ClientCredentials

__all__ = [
    "TENANT_ID",
    "AccessServer",
    "entity_not_found",
    "find_user",
    "listed",
    "server_of",
]

#: The tenant id of a self-hosted Logto (every entity's ``tenantId``).
TENANT_ID = "default"
T = TypeVar("T")


class AccessServer(ServerState, Protocol):
    """The embedded server as the arranging routes see it: one store, two doors (these
    routes and the Python arranging API change the same objects)."""

    directory: AccessDirectory
    apps: dict[str, OidcApp]
    m2m: ClientCredentials
    tokens: TokenStore


def server_of(ctx: ManagementContext) -> AccessServer:
    """The server behind a Management API call."""
    return cast(AccessServer, ctx.server)


def entity_not_found(table: str, entity_id: str) -> LogtoError:
    """Logto's 404 for an id its entity look-up does not find."""
    message = f"The {table} with ID `{entity_id}` does not exist."
    return LogtoError(404, "entity.not_exists_with_id", message=message)


def find_user(ctx: ManagementContext, user_id: str) -> User:
    """The user ``user_id``; 404 ``entity.not_found`` as Logto's user look-up answers."""
    user = ctx.users.by_id.get(user_id)
    if user is None:
        raise LogtoError(404, "entity.not_found", message="The resource does not exist.")
    return user


def invalid_input(details: str, status: int = 400) -> LogtoError:
    """Logto's ``request.invalid_input`` with ``details``."""
    return LogtoError(
        status, "request.invalid_input", message=f"Input is invalid. {details}", details=details
    )


def listed(
    ctx: ManagementContext, items: Sequence[T], view: Any, *, optional: bool = False
) -> Response:
    """A list answer: a page of ``items`` (each through ``view``) with ``Total-Number`` and
    ``Link``; with ``optional`` (Logto's optional pagination) and neither ``page`` nor
    ``page_size`` given, every item and no paging headers."""
    query = ctx.request.query
    if optional and not query.get("page") and not query.get("page_size"):
        return Response.json(200, [view(item) for item in items])
    page = Page.of(ctx.request)
    limit, offset = page.check_window()
    chosen = items[offset : offset + limit]
    headers = page.headers(ctx.request, len(items))
    return Response.json(200, [view(item) for item in chosen], headers=headers)
