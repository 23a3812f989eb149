"""The Management API's organizations and their members, answered as Logto 1.42's
``organization`` routes answer them. Membership is the one the token endpoint checks: a user
added here gets organization tokens, a user removed gets ``403 access_denied``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._asgi import Response
from .._errors import LogtoError
from .._state import User
from ..oidc._entities import Organization
from ._common import TENANT_ID, entity_not_found, listed, server_of
from ._context import ManagementContext
from ._roles import relation_not_found
from ._users import user_view

__all__ = ["ORGANIZATION_HANDLERS", "organization_view"]

_YES = frozenset({"1", "true", "yes", "y", "on"})


def organization_view(organization: Organization) -> dict[str, Any]:
    """An organization as Logto answers it."""
    return {
        "tenantId": TENANT_ID,
        "id": organization.id,
        "name": organization.name,
        "description": organization.description,
        "customData": organization.custom_data,
        "isMfaRequired": organization.is_mfa_required,
        "color": organization.color,
        "branding": organization.branding,
        "customCss": organization.custom_css,
        "createdAt": organization.created_at,
    }


def _find(ctx: ManagementContext) -> Organization:
    organization_id = ctx.path_params["id"]
    organization = server_of(ctx).directory.organizations.get(organization_id)
    if organization is None:
        raise entity_not_found("organizations", organization_id)
    return organization


def _matches(q: str, *values: str | None) -> bool:
    return any(v is not None and q.lower() in v.lower() for v in values)


def _members(ctx: ManagementContext, organization: Organization) -> list[User]:
    users = ctx.users.by_id
    return [users[m] for m in organization.members if m in users]


def list_organizations(ctx: ManagementContext) -> Response:
    """GET /api/organizations (``q`` in id or name; ``showFeatured``)."""
    q = ctx.request.query.get("q")
    found = sorted(
        server_of(ctx).directory.organizations.values(), key=lambda o: o.created_at, reverse=True
    )
    if q:
        found = [o for o in found if _matches(q, o.id, o.name)]
    featured = (ctx.request.query.get("showFeatured") or "").lower() in _YES

    def view(organization: Organization) -> dict[str, Any]:
        answer = organization_view(organization)
        if featured:
            members = _members(ctx, organization)
            answer["usersCount"] = len(members)
            answer["featuredUsers"] = [
                {"id": u.id, "avatar": u.avatar, "name": u.name} for u in members[:3]
            ]
        return answer

    return listed(ctx, found, view)


def create_organization(ctx: ManagementContext) -> Response:
    """POST /api/organizations: 201, the organization."""
    body: dict[str, Any] = ctx.body
    organization = Organization(
        body["name"],
        description=body.get("description"),
        custom_data=dict(body.get("customData") or {}),
        is_mfa_required=bool(body.get("isMfaRequired", False)),
        color=dict(body.get("color") or {}),
        branding=dict(body.get("branding") or {}),
        custom_css=body.get("customCss"),
    )
    server_of(ctx).directory.organizations[organization.id] = organization
    return Response.json(201, organization_view(organization))


def get_organization(ctx: ManagementContext) -> Response:
    """GET /api/organizations/{id}."""
    return Response.json(200, organization_view(_find(ctx)))


def delete_organization(ctx: ManagementContext) -> Response:
    """DELETE /api/organizations/{id}: 204; its members lose their organization tokens."""
    organization = _find(ctx)
    server_of(ctx).directory.organizations.pop(organization.id, None)
    return Response.empty(204)


def list_organization_users(ctx: ManagementContext) -> Response:
    """GET /api/organizations/{id}/users (an unknown organization has none)."""
    organization = server_of(ctx).directory.organizations.get(ctx.path_params["id"])
    members = _members(ctx, organization) if organization is not None else []
    q = ctx.request.query.get("q")
    if q:
        members = [u for u in members if _matches(q, u.id, u.name, u.username, u.primary_email)]
    return listed(ctx, members, lambda u: {**user_view(ctx, u), "organizationRoles": []})


def add_organization_users(ctx: ManagementContext) -> Response:
    """POST /api/organizations/{id}/users: 201 ``{userIds}`` (members already in: kept)."""
    user_ids: list[str] = ctx.body["userIds"]
    organization = server_of(ctx).directory.organizations.get(ctx.path_params["id"])
    if organization is None or any(u not in ctx.users.by_id for u in user_ids):
        raise LogtoError(
            422,
            "entity.relation_foreign_key_not_found",
            message="Cannot find one or more foreign keys. Please check the input and ensure "
            "that all referenced entities exist.",
        )
    organization.members.update(user_ids)
    return Response.json(201, {"userIds": user_ids})


def delete_organization_user(ctx: ManagementContext) -> Response:
    """DELETE /api/organizations/{id}/users/{userId}: 204."""
    organization = server_of(ctx).directory.organizations.get(ctx.path_params["id"])
    user_id = ctx.path_params["userId"]
    if organization is None or user_id not in organization.members:
        raise relation_not_found()
    organization.members.discard(user_id)
    return Response.empty(204)


ORGANIZATION_HANDLERS: dict[str, Callable[[ManagementContext], Response]] = {
    "ListOrganizations": list_organizations,
    "CreateOrganization": create_organization,
    "GetOrganization": get_organization,
    "DeleteOrganization": delete_organization,
    "ListOrganizationUsers": list_organization_users,
    "AddOrganizationUsers": add_organization_users,
    "DeleteOrganizationUser": delete_organization_user,
}
