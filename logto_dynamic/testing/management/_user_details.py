"""The Management API's routes under one user: password, suspension, custom data, profile,
the user's roles and organizations, answered as Logto 1.42's ``admin-user`` routes answer
them. An unknown user id is ``404 entity.not_found`` (Logto's user look-up)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._asgi import Response
from .._errors import LogtoError
from ._common import find_user, listed, server_of
from ._context import ManagementContext
from ._organizations import organization_view
from ._roles import find_role, relation_not_found, role_view
from ._users import user_view

__all__ = ["USER_DETAIL_HANDLERS"]


def _user(ctx: ManagementContext) -> Any:
    return find_user(ctx, ctx.path_params["userId"])


def update_password(ctx: ManagementContext) -> Response:
    """PATCH /api/users/{userId}/password: the new password replaces any digest."""
    user = _user(ctx)
    user.set_password(ctx.body["password"])
    ctx.store.extras.get(user.id, {}).pop("passwordDigest", None)
    user.touch()
    return Response.json(200, user_view(ctx, user))


def verify_password(ctx: ManagementContext) -> Response:
    """POST /api/users/{userId}/password/verify: 204, or 422 ``session.invalid_credentials``."""
    if not _user(ctx).check_password(ctx.body["password"]):
        raise LogtoError(422, "session.invalid_credentials")
    return Response.empty(204)


def has_password(ctx: ManagementContext) -> Response:
    """GET /api/users/{userId}/has-password."""
    return Response.json(200, {"hasPassword": bool(user_view(ctx, _user(ctx))["hasPassword"])})


def update_suspension(ctx: ManagementContext) -> Response:
    """PATCH /api/users/{userId}/is-suspended: suspending also signs the user out (every
    grant revoked: refresh and access tokens stop working)."""
    user = _user(ctx)
    user.is_suspended = bool(ctx.body["isSuspended"])
    user.touch()
    if user.is_suspended:
        tokens = server_of(ctx).tokens
        for table in (tokens.access, tokens.refresh):
            for record in list(table.values()):
                if record.grant.user_id == user.id:
                    record.grant.revoked = True
    return Response.json(200, user_view(ctx, user))


def get_custom_data(ctx: ManagementContext) -> Response:
    """GET /api/users/{userId}/custom-data."""
    user = _user(ctx)
    return Response.json(200, ctx.store.extras.get(user.id, {}).get("customData", {}))


def update_custom_data(ctx: ManagementContext) -> Response:
    """PATCH /api/users/{userId}/custom-data: the given object replaces the stored one."""
    user = _user(ctx)
    ctx.store.extras.setdefault(user.id, {})["customData"] = ctx.body["customData"]
    user.touch()
    return Response.json(200, ctx.body["customData"])


def update_profile(ctx: ManagementContext) -> Response:
    """PATCH /api/users/{userId}/profile: the given profile replaces the stored one."""
    user = _user(ctx)
    ctx.store.extras.setdefault(user.id, {})["profile"] = ctx.body["profile"]
    user.touch()
    return Response.json(200, ctx.body["profile"])


def list_user_roles(ctx: ManagementContext) -> Response:
    """GET /api/users/{userId}/roles (``User`` roles only)."""
    user = _user(ctx)
    roles = server_of(ctx).directory.roles_of(user.id)
    return listed(ctx, [r for r in roles if r.type == "User"], role_view)


def _check_user_roles(ctx: ManagementContext, role_ids: list[str]) -> None:
    for role_id in role_ids:
        if find_role(ctx, role_id).type != "User":
            message = "Invalid role type, can not assign machine-to-machine role to user."
            raise LogtoError(422, "user.invalid_role_type", message=message)


def assign_user_roles(ctx: ManagementContext) -> Response:
    """POST /api/users/{userId}/roles: 201 ``{roleIds, addedRoleIds}`` (held ones ignored)."""
    user = _user(ctx)
    role_ids: list[str] = ctx.body["roleIds"]
    held = server_of(ctx).directory.user_roles.setdefault(user.id, set())
    added = [r for r in role_ids if r not in held]
    _check_user_roles(ctx, added)
    held.update(added)
    return Response.json(201, {"roleIds": role_ids, "addedRoleIds": added})


def replace_user_roles(ctx: ManagementContext) -> Response:
    """PUT /api/users/{userId}/roles: the user holds exactly these roles."""
    user = _user(ctx)
    role_ids: list[str] = ctx.body["roleIds"]
    held = server_of(ctx).directory.user_roles.setdefault(user.id, set())
    for role_id in role_ids:
        if role_id not in held:
            find_role(ctx, role_id)
    held.clear()
    held.update(role_ids)
    return Response.json(200, {"roleIds": list(dict.fromkeys(role_ids))})


def delete_user_role(ctx: ManagementContext) -> Response:
    """DELETE /api/users/{userId}/roles/{roleId}: 204."""
    held = server_of(ctx).directory.user_roles.get(ctx.path_params["userId"], set())
    if ctx.path_params["roleId"] not in held:
        raise relation_not_found()
    held.discard(ctx.path_params["roleId"])
    return Response.empty(204)


def list_user_organizations(ctx: ManagementContext) -> Response:
    """GET /api/users/{userId}/organizations (with the user's organization roles: none)."""
    user = _user(ctx)
    found = [
        {**organization_view(o), "organizationRoles": []}
        for o in server_of(ctx).directory.organizations.values()
        if user.id in o.members
    ]
    return Response.json(200, found)


USER_DETAIL_HANDLERS: dict[str, Callable[[ManagementContext], Response]] = {
    "UpdateUserPassword": update_password,
    "VerifyUserPassword": verify_password,
    "GetUserHasPassword": has_password,
    "UpdateUserIsSuspended": update_suspension,
    "ListUserCustomData": get_custom_data,
    "UpdateUserCustomData": update_custom_data,
    "UpdateUserProfile": update_profile,
    "ListUserRoles": list_user_roles,
    "AssignUserRoles": assign_user_roles,
    "ReplaceUserRoles": replace_user_roles,
    "DeleteUserRole": delete_user_role,
    "ListUserOrganizations": list_user_organizations,
}
