"""The Management API's roles, their scopes, users and applications, answered as Logto
1.42's ``role``, ``role.scope``, ``role.user`` and ``role.application`` routes answer them.
Tokens follow at once: a user's resource token and an M2M app's client-credentials token
carry exactly the scopes their roles grant when the token is issued."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._asgi import Response
from .._errors import LogtoError
from ..oidc._entities import MANAGEMENT_RESOURCE, Role
from ._common import TENANT_ID, entity_not_found, find_user, listed, server_of
from ._context import ManagementContext
from ._resources import resource_view, scope_view
from ._users import user_view

__all__ = ["ROLE_HANDLERS", "check_role_scopes", "find_role", "role_view"]


def role_view(role: Role) -> dict[str, Any]:
    """A role as Logto answers it."""
    return {
        "tenantId": TENANT_ID,
        "id": role.id,
        "name": role.name,
        "description": role.description,
        "type": role.type,
        "isDefault": role.is_default,
    }


def find_role(ctx: ManagementContext, role_id: str) -> Role:
    """The role ``role_id``; Logto's 404 otherwise."""
    role = server_of(ctx).directory.roles.get(role_id)
    if role is None:
        raise entity_not_found("roles", role_id)
    return role


def relation_not_found() -> LogtoError:
    """Logto's 404 when a relation to delete does not exist."""
    return LogtoError(404, "entity.not_found", message="The resource does not exist.")


def grant_role(
    held: dict[str, set[str]],
    role_id: str,
    members: list[str],
    find: Callable[[str], object],
    exists: Callable[[str], LogtoError],
) -> Response:
    """Give ``role_id`` to every member (users or apps, ``held`` maps each to its roles), as
    Logto does: 422 when one holds it already, 404 for an unknown one, then all at once."""
    for member in members:
        if role_id in held.get(member, set()):
            raise exists(member)
    for member in members:
        find(member)
    for member in members:
        held.setdefault(member, set()).add(role_id)
    return Response.text(201, "Created")  # Koa: a status without a body sends its message


def take_role(held: dict[str, set[str]], member: str, role_id: str) -> Response:
    """Take ``role_id`` from ``member``: 204, or 404 when it did not hold it."""
    roles = held.get(member, set())
    if role_id not in roles:
        raise relation_not_found()
    roles.discard(role_id)
    return Response.empty(204)


def check_role_scopes(ctx: ManagementContext, role: Role, scope_ids: list[str]) -> None:
    """Every scope exists (404) and a ``User`` role gets no Management API scope (400)."""
    directory = server_of(ctx).directory
    for scope_id in scope_ids:
        found = directory.scope(scope_id)
        if found is None:
            raise entity_not_found("scopes", scope_id)
        if role.type == "User" and found[0].indicator == MANAGEMENT_RESOURCE:
            raise LogtoError(
                400,
                "role.management_api_scopes_not_assignable_to_user_role",
                message="Cannot assign Management API scopes to a user role.",
            )


def _listed_role(ctx: ManagementContext) -> Callable[[Role], dict[str, Any]]:
    directory = server_of(ctx).directory
    apps = server_of(ctx).m2m.apps

    def view(role: Role) -> dict[str, Any]:
        user_ids = [u for u, held in directory.user_roles.items() if role.id in held]
        users = [ctx.users.by_id[u] for u in user_ids if u in ctx.users.by_id]
        app_ids = [a for a, held in directory.app_roles.items() if role.id in held and a in apps]
        return {
            **role_view(role),
            "usersCount": len(users),
            "featuredUsers": [{"id": u.id, "avatar": u.avatar, "name": u.name} for u in users[:3]],
            "applicationsCount": len(app_ids),
            "featuredApplications": [
                {"id": a, "name": apps[a].name or a, "type": "MachineToMachine"}
                for a in app_ids[:3]
            ],
        }

    return view


def list_roles(ctx: ManagementContext) -> Response:
    """GET /api/roles (``type``, ``excludeUserId``, ``excludeApplicationId``)."""
    directory = server_of(ctx).directory
    query = ctx.request.query
    roles = list(directory.roles.values())
    if query.get("type"):
        roles = [r for r in roles if r.type == query["type"]]
    if query.get("excludeUserId"):
        held = directory.user_roles.get(query["excludeUserId"], set())
        roles = [r for r in roles if r.id not in held]
    if query.get("excludeApplicationId"):
        held = directory.app_roles.get(query["excludeApplicationId"], set())
        roles = [r for r in roles if r.id not in held]
    return listed(ctx, roles, _listed_role(ctx))


def create_role(ctx: ManagementContext) -> Response:
    """POST /api/roles: 200, the role (``scopeIds`` granted at once)."""
    body: dict[str, Any] = ctx.body
    directory = server_of(ctx).directory
    name = body["name"]
    if any(r.name == name for r in directory.roles.values()):
        message = f"This role name {name} is already in use"
        raise LogtoError(422, "role.name_in_use", message=message)
    role = Role(
        name,
        body["description"],
        type=body.get("type", "User"),
        is_default=body.get("isDefault", False),
    )
    scope_ids = list(body.get("scopeIds") or [])
    check_role_scopes(ctx, role, scope_ids)
    role.scope_ids.update(scope_ids)
    directory.roles[role.id] = role
    return Response.json(200, role_view(role))


def get_role(ctx: ManagementContext) -> Response:
    """GET /api/roles/{id}."""
    return Response.json(200, role_view(find_role(ctx, ctx.path_params["id"])))


def delete_role(ctx: ManagementContext) -> Response:
    """DELETE /api/roles/{id}: 204; every holder loses it."""
    role = find_role(ctx, ctx.path_params["id"])
    server_of(ctx).directory.delete_role(role.id)
    return Response.empty(204)


def _role_scopes(ctx: ManagementContext, role: Role) -> list[dict[str, Any]]:
    directory = server_of(ctx).directory
    views = []
    for resource in directory.by_id.values():
        for scope in resource.scopes.values():
            if scope.id in role.scope_ids:
                views.append({**scope_view(scope), "resource": resource_view(resource)})
    return views


def list_role_scopes(ctx: ManagementContext) -> Response:
    """GET /api/roles/{id}/scopes: each scope with its resource."""
    role = find_role(ctx, ctx.path_params["id"])
    return listed(ctx, _role_scopes(ctx, role), lambda view: view)


def create_role_scope(ctx: ManagementContext) -> Response:
    """POST /api/roles/{id}/scopes: 201, every scope the role now grants."""
    role = find_role(ctx, ctx.path_params["id"])
    scope_ids: list[str] = ctx.body["scopeIds"]
    for scope_id in scope_ids:
        if scope_id in role.scope_ids:
            message = f"The scope id {scope_id} has already been added to this role"
            raise LogtoError(422, "role.scope_exists", message=message)
    check_role_scopes(ctx, role, scope_ids)
    role.scope_ids.update(scope_ids)
    views = [{k: v for k, v in s.items() if k != "resource"} for s in _role_scopes(ctx, role)]
    return Response.json(201, views)


def delete_role_scope(ctx: ManagementContext) -> Response:
    """DELETE /api/roles/{id}/scopes/{scopeId}: 204."""
    role = server_of(ctx).directory.roles.get(ctx.path_params["id"])
    scope_id = ctx.path_params["scopeId"]
    if role is None or scope_id not in role.scope_ids:
        raise relation_not_found()
    role.scope_ids.discard(scope_id)
    return Response.empty(204)


def list_role_users(ctx: ManagementContext) -> Response:
    """GET /api/roles/{id}/users."""
    role = find_role(ctx, ctx.path_params["id"])
    held = server_of(ctx).directory.user_roles
    users = [u for u in ctx.users.by_id.values() if role.id in held.get(u.id, set())]
    return listed(ctx, users, lambda user: user_view(ctx, user))


def create_role_users(ctx: ManagementContext) -> Response:
    """POST /api/roles/{id}/users: 201 with no body."""
    role = find_role(ctx, ctx.path_params["id"])
    return grant_role(
        server_of(ctx).directory.user_roles,
        role.id,
        ctx.body["userIds"],
        lambda user_id: find_user(ctx, user_id),
        lambda user_id: LogtoError(
            422,
            "role.user_exists",
            message=f"The user id {user_id} is already been added to this role",
        ),
    )


def delete_role_user(ctx: ManagementContext) -> Response:
    """DELETE /api/roles/{id}/users/{userId}: 204."""
    held = server_of(ctx).directory.user_roles
    return take_role(held, ctx.path_params["userId"], ctx.path_params["id"])


ROLE_HANDLERS: dict[str, Callable[[ManagementContext], Response]] = {
    "ListRoles": list_roles,
    "CreateRole": create_role,
    "GetRole": get_role,
    "DeleteRole": delete_role,
    "ListRoleScopes": list_role_scopes,
    "CreateRoleScope": create_role_scope,
    "DeleteRoleScope": delete_role_scope,
    "ListRoleUsers": list_role_users,
    "CreateRoleUser": create_role_users,
    "DeleteRoleUser": delete_role_user,
}
