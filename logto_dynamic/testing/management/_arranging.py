"""The Management API routes that arrange a test, beside the users and sign-in experience
ones: user details, applications, API resources, roles, organizations (one table, so
``_routes`` adds them with one line)."""

from __future__ import annotations

import re
from collections.abc import Callable

from .._asgi import Response
from ._applications import APPLICATION_HANDLERS
from ._context import ManagementContext
from ._organizations import ORGANIZATION_HANDLERS
from ._resources import RESOURCE_HANDLERS
from ._roles import ROLE_HANDLERS
from ._user_details import USER_DETAIL_HANDLERS

__all__ = ["ARRANGING_HANDLERS", "ARRANGING_PAGINATED", "ARRANGING_ROUTES"]

ARRANGING_HANDLERS: dict[str, Callable[[ManagementContext], Response]] = {
    **USER_DETAIL_HANDLERS,
    **APPLICATION_HANDLERS,
    **RESOURCE_HANDLERS,
    **ROLE_HANDLERS,
    **ORGANIZATION_HANDLERS,
}

_TABLE = (
    ("PATCH", "/api/users/{userId}/password", "UpdateUserPassword"),
    ("POST", "/api/users/{userId}/password/verify", "VerifyUserPassword"),
    ("GET", "/api/users/{userId}/has-password", "GetUserHasPassword"),
    ("PATCH", "/api/users/{userId}/is-suspended", "UpdateUserIsSuspended"),
    ("GET", "/api/users/{userId}/custom-data", "ListUserCustomData"),
    ("PATCH", "/api/users/{userId}/custom-data", "UpdateUserCustomData"),
    ("PATCH", "/api/users/{userId}/profile", "UpdateUserProfile"),
    ("GET", "/api/users/{userId}/roles", "ListUserRoles"),
    ("POST", "/api/users/{userId}/roles", "AssignUserRoles"),
    ("PUT", "/api/users/{userId}/roles", "ReplaceUserRoles"),
    ("DELETE", "/api/users/{userId}/roles/{roleId}", "DeleteUserRole"),
    ("GET", "/api/users/{userId}/organizations", "ListUserOrganizations"),
    ("GET", "/api/applications", "ListApplications"),
    ("POST", "/api/applications", "CreateApplication"),
    ("GET", "/api/applications/{id}", "GetApplication"),
    ("PATCH", "/api/applications/{id}", "UpdateApplication"),
    ("DELETE", "/api/applications/{id}", "DeleteApplication"),
    ("GET", "/api/applications/{id}/secrets", "ListApplicationSecrets"),
    ("POST", "/api/applications/{id}/secrets", "CreateApplicationSecret"),
    ("GET", "/api/applications/{applicationId}/roles", "ListApplicationRoles"),
    ("POST", "/api/applications/{applicationId}/roles", "AssignApplicationRoles"),
    ("DELETE", "/api/applications/{applicationId}/roles/{roleId}", "DeleteApplicationRole"),
    ("GET", "/api/resources", "ListResources"),
    ("POST", "/api/resources", "CreateResource"),
    ("GET", "/api/resources/{id}", "GetResource"),
    ("DELETE", "/api/resources/{id}", "DeleteResource"),
    ("GET", "/api/resources/{resourceId}/scopes", "ListResourceScopes"),
    ("POST", "/api/resources/{resourceId}/scopes", "CreateResourceScope"),
    ("DELETE", "/api/resources/{resourceId}/scopes/{scopeId}", "DeleteResourceScope"),
    ("GET", "/api/roles", "ListRoles"),
    ("POST", "/api/roles", "CreateRole"),
    ("GET", "/api/roles/{id}", "GetRole"),
    ("DELETE", "/api/roles/{id}", "DeleteRole"),
    ("GET", "/api/roles/{id}/scopes", "ListRoleScopes"),
    ("POST", "/api/roles/{id}/scopes", "CreateRoleScope"),
    ("DELETE", "/api/roles/{id}/scopes/{scopeId}", "DeleteRoleScope"),
    ("GET", "/api/roles/{id}/users", "ListRoleUsers"),
    ("POST", "/api/roles/{id}/users", "CreateRoleUser"),
    ("DELETE", "/api/roles/{id}/users/{userId}", "DeleteRoleUser"),
    ("GET", "/api/roles/{id}/applications", "ListRoleApplications"),
    ("POST", "/api/roles/{id}/applications", "CreateRoleApplication"),
    ("DELETE", "/api/roles/{id}/applications/{applicationId}", "DeleteRoleApplication"),
    ("GET", "/api/organizations", "ListOrganizations"),
    ("POST", "/api/organizations", "CreateOrganization"),
    ("GET", "/api/organizations/{id}", "GetOrganization"),
    ("DELETE", "/api/organizations/{id}", "DeleteOrganization"),
    ("GET", "/api/organizations/{id}/users", "ListOrganizationUsers"),
    ("POST", "/api/organizations/{id}/users", "AddOrganizationUsers"),
    ("DELETE", "/api/organizations/{id}/users/{userId}", "DeleteOrganizationUser"),
)


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template), re.IGNORECASE)


#: (method, path pattern, operationId) of every arranging route.
ARRANGING_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, _pattern(template), op_id) for method, template, op_id in _TABLE
)
#: The list routes Logto's pagination middleware runs on (before the guard).
ARRANGING_PAGINATED = frozenset(
    {
        "ListUserRoles",
        "ListApplicationRoles",
        "ListResourceScopes",
        "ListRoles",
        "ListRoleScopes",
        "ListRoleUsers",
        "ListRoleApplications",
        "ListOrganizations",
        "ListOrganizationUsers",
    }
)
