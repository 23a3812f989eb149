"""The Management API's API resources and their scopes, answered as Logto 1.42's
``resource`` and ``resource.scope`` routes answer them. They change the server's access
store, so a scope created here is granted by roles and carried by access tokens."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .._asgi import Response
from .._errors import LogtoError
from ..oidc._entities import MANAGEMENT_RESOURCE, ApiResource, ResourceScope
from ._common import TENANT_ID, entity_not_found, listed, server_of
from ._context import ManagementContext

__all__ = ["RESOURCE_HANDLERS", "resource_view", "scope_view"]

_YES = frozenset({"1", "true", "yes", "y", "on"})


def resource_view(resource: ApiResource) -> dict[str, Any]:
    """A resource as Logto answers it."""
    return {
        "tenantId": TENANT_ID,
        "id": resource.id,
        "name": resource.name,
        "indicator": resource.indicator,
        "isDefault": resource.is_default,
        "accessTokenTtl": resource.access_token_ttl,
    }


def scope_view(scope: ResourceScope) -> dict[str, Any]:
    """A scope as Logto answers it."""
    return {
        "tenantId": TENANT_ID,
        "id": scope.id,
        "resourceId": scope.resource_id,
        "name": scope.name,
        "description": scope.description,
        "createdAt": scope.created_at,
    }


def with_scopes(resource: ApiResource) -> dict[str, Any]:
    """A resource and its scopes."""
    return {**resource_view(resource), "scopes": [scope_view(s) for s in resource.scopes.values()]}


def find_resource(ctx: ManagementContext, resource_id: str) -> ApiResource:
    """The resource ``resource_id``; Logto's 404 otherwise."""
    resource = server_of(ctx).directory.by_id.get(resource_id)
    if resource is None:
        raise entity_not_found("resources", resource_id)
    return resource


def _unmodifiable(
    resource: ApiResource, code: str = "resource.cannot_modify_management_api"
) -> None:
    if resource.indicator == MANAGEMENT_RESOURCE:
        message = "Cannot delete" if code.endswith("delete_management_api") else "Cannot modify"
        raise LogtoError(400, code, message=f"{message} Logto Management API.")


def list_resources(ctx: ManagementContext) -> Response:
    """GET /api/resources (optional pagination; ``includeScopes``)."""
    resources = list(server_of(ctx).directory.by_id.values())
    include = (ctx.request.query.get("includeScopes") or "").lower() in _YES
    return listed(ctx, resources, with_scopes if include else resource_view, optional=True)


def create_resource(ctx: ManagementContext) -> Response:
    """POST /api/resources: 201, the resource with ``scopes: []``."""
    body: dict[str, Any] = ctx.body
    directory = server_of(ctx).directory
    indicator = body["indicator"]
    if directory.resource(indicator) is not None:
        message = f"The API identifier {indicator} is already in use"
        raise LogtoError(422, "resource.resource_identifier_in_use", message=message)
    resource = ApiResource(indicator, body["name"])
    if "accessTokenTtl" in body:
        resource.access_token_ttl = body["accessTokenTtl"]
    directory.by_id[resource.id] = resource
    return Response.json(201, with_scopes(resource))


def get_resource(ctx: ManagementContext) -> Response:
    """GET /api/resources/{id}."""
    return Response.json(200, resource_view(find_resource(ctx, ctx.path_params["id"])))


def delete_resource(ctx: ManagementContext) -> Response:
    """DELETE /api/resources/{id}: 204 (not the Management API's)."""
    resource = find_resource(ctx, ctx.path_params["id"])
    _unmodifiable(resource, "resource.cannot_delete_management_api")
    server_of(ctx).directory.delete_resource(resource.id)
    return Response.empty(204)


def list_resource_scopes(ctx: ManagementContext) -> Response:
    """GET /api/resources/{resourceId}/scopes (an unknown resource has none)."""
    resource = server_of(ctx).directory.by_id.get(ctx.path_params["resourceId"])
    scopes = list(resource.scopes.values()) if resource is not None else []
    return listed(ctx, scopes, scope_view)


def create_resource_scope(ctx: ManagementContext) -> Response:
    """POST /api/resources/{resourceId}/scopes: 201, the scope."""
    body: dict[str, Any] = ctx.body
    name: str = body["name"]
    if re.search(r"\s", name):
        message = "The name of the scope cannot contain any spaces."
        raise LogtoError(400, "scope.name_with_space", message=message)
    resource = find_resource(ctx, ctx.path_params["resourceId"])
    _unmodifiable(resource)
    if resource.scope_named(name) is not None:
        message = f"The scope name {name} is already in use"
        raise LogtoError(422, "scope.name_exists", message=message)
    scope = resource.add_scope(name, body.get("description"))
    return Response.json(201, scope_view(scope))


def delete_resource_scope(ctx: ManagementContext) -> Response:
    """DELETE /api/resources/{resourceId}/scopes/{scopeId}: 204; roles lose the scope."""
    resource = find_resource(ctx, ctx.path_params["resourceId"])
    _unmodifiable(resource)
    scope_id = ctx.path_params["scopeId"]
    if resource.scopes.pop(scope_id, None) is None:
        raise entity_not_found("scopes", scope_id)
    for role in server_of(ctx).directory.roles.values():
        role.scope_ids.discard(scope_id)
    return Response.empty(204)


RESOURCE_HANDLERS: dict[str, Callable[[ManagementContext], Response]] = {
    "ListResources": list_resources,
    "CreateResource": create_resource,
    "GetResource": get_resource,
    "DeleteResource": delete_resource,
    "ListResourceScopes": list_resource_scopes,
    "CreateResourceScope": create_resource_scope,
    "DeleteResourceScope": delete_resource_scope,
}
