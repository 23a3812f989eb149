"""The Management API's applications, their secrets and (machine-to-machine) roles, answered
as Logto 1.42's ``applications`` routes answer them.

An app created here is an app of the server at once: a ``SPA`` or ``Native`` app signs in
with PKCE, a ``Traditional`` app authenticates with its secret at the token endpoint (read it
from ``GET .../secrets``), a ``MachineToMachine`` app gets client-credentials tokens for the
resources its roles grant (none until a role is assigned, as in Logto).
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable
from typing import Any

from .._asgi import Response
from .._errors import LogtoError
from .._state import new_id
from ..oidc._apps import AppSecret, OidcApp
from ..oidc._entities import now_ms
from ..oidc._m2m import M2MApp
from ._app_views import App, app_view, secret_views
from ._common import entity_not_found, invalid_input, listed, server_of
from ._context import ManagementContext
from ._roles import find_role, grant_role, relation_not_found, role_view, take_role

__all__ = ["APPLICATION_HANDLERS"]

_MESSAGES = {
    "application.invalid_type": "Only machine to machine applications can have associated roles.",
    "application.invalid_role_type": "Can not assign user type role to machine to machine "
    "application.",
    "application.invalid_third_party_application_type": "Only traditional web, single-page, "
    "and native applications can be marked as third-party apps.",
    "application.device_flow_native_only": "Device flow is only available for native applications.",
    "application.protected_app_metadata_is_required": "Protected app metadata is required.",
    "application.protected_app_not_configured": "Protected app provider is not configured. "
    "This feature is not available for open source version.",
    "application.saml.use_saml_app_api": "Use `[METHOD] /saml-applications(/.*)?` API to "
    "operate SAML app.",
    "application.secret_name_exists": "Secret name already exists.",
    "entity.invalid_input": "Invalid input. Value list must not be empty.",
}


def _error(status: int, code: str) -> LogtoError:
    return LogtoError(status, code, message=_MESSAGES[code])


def _all(ctx: ManagementContext) -> dict[str, App]:
    server = server_of(ctx)
    return {**server.apps, **server.m2m.apps}


def find_app(ctx: ManagementContext, app_id: str) -> App:
    """The app ``app_id`` (public, confidential or M2M); Logto's 404 otherwise."""
    app = _all(ctx).get(app_id)
    if app is None:
        raise entity_not_found("applications", app_id)
    return app


def _view(ctx: ManagementContext) -> Callable[[App], dict[str, Any]]:
    return lambda app: app_view(app, ctx.request.base_url)


def list_applications(ctx: ManagementContext) -> Response:
    """GET /api/applications: newest first; ``types`` (repeatable), ``isThirdParty``."""
    types = {v for k, v in ctx.request.query_items if k == "types"}
    third = ctx.request.query.get("isThirdParty")
    apps = sorted(_all(ctx).values(), key=lambda a: a.created_at, reverse=True)
    views = [app_view(a, ctx.request.base_url) for a in apps]
    if types:
        views = [v for v in views if v["type"] in types]
    if third in ("true", "false"):
        views = [v for v in views if v["isThirdParty"] == (third == "true")]
    return listed(ctx, views, lambda view: view, optional=True)


def _check_create(body: dict[str, Any]) -> None:
    kind = body["type"]
    if kind == "SAML":
        raise _error(400, "application.saml.use_saml_app_api")
    if kind != "Native" and (body.get("customClientMetadata") or {}).get("isDeviceFlow"):
        raise _error(422, "application.device_flow_native_only")
    if kind == "Protected":
        if not body.get("protectedAppMetadata"):
            raise _error(400, "application.protected_app_metadata_is_required")
        raise _error(501, "application.protected_app_not_configured")
    if body.get("isThirdParty") and kind not in ("Traditional", "SPA", "Native"):
        raise _error(400, "application.invalid_third_party_application_type")


def create_application(ctx: ManagementContext) -> Response:
    """POST /api/applications: 200, the app (its secret, if any, under ``/secrets``)."""
    body: dict[str, Any] = ctx.body
    _check_create(body)
    server = server_of(ctx)
    app_id, name, description = new_id(), body["name"], body.get("description")
    app: App
    if body["type"] == "MachineToMachine":
        app = M2MApp(app_id, secrets.token_urlsafe(24), name=name, description=description)
        server.m2m.register(app, management=False)
    else:
        metadata = body.get("oidcClientMetadata") or {}
        app = OidcApp(
            app_id,
            tuple(metadata.get("redirectUris", ())),
            third_party=bool(body.get("isThirdParty")),
            secret=secrets.token_urlsafe(24) if body["type"] == "Traditional" else None,
            post_logout_redirect_uris=tuple(metadata.get("postLogoutRedirectUris", ())),
            name=name,
            app_type=body["type"],
            description=description,
        )
        server.apps[app_id] = app
    return Response.json(200, app_view(app, ctx.request.base_url))


def _is_admin(ctx: ManagementContext, app: App) -> bool:
    directory = server_of(ctx).directory
    return directory.management_role_id in directory.app_roles.get(app.id, set())


def get_application(ctx: ManagementContext) -> Response:
    """GET /api/applications/{id}: the app and ``isAdmin`` (holds the Management API role)."""
    app = find_app(ctx, ctx.path_params["id"])
    return Response.json(
        200, {**app_view(app, ctx.request.base_url), "isAdmin": _is_admin(ctx, app)}
    )


def update_application(ctx: ManagementContext) -> Response:
    """PATCH /api/applications/{id}: name, description, redirect URIs, ``isAdmin``."""
    app = find_app(ctx, ctx.path_params["id"])
    body: dict[str, Any] = ctx.body or {}
    changes: dict[str, Any] = {k: body[k] for k in ("name", "description") if k in body}
    metadata = body.get("oidcClientMetadata")
    if isinstance(metadata, dict) and isinstance(app, OidcApp):
        changes["redirect_uris"] = tuple(metadata.get("redirectUris", ()))
        changes["post_logout_redirect_uris"] = tuple(metadata.get("postLogoutRedirectUris", ()))
    if not changes and "isAdmin" not in body and not ({"customClientMetadata"} & body.keys()):
        raise _error(422, "entity.invalid_input")
    server = server_of(ctx)
    if isinstance(app, M2MApp):
        app = server.m2m.register(dataclasses.replace(app, **changes), management=False)
        if "isAdmin" in body:
            held = server.directory.app_roles.setdefault(app.id, set())
            role_id = server.directory.management_role_id
            held.add(role_id) if body["isAdmin"] else held.discard(role_id)
    else:
        app = dataclasses.replace(app, **changes)
        server.apps[app.id] = app
    return Response.json(200, app_view(app, ctx.request.base_url))


def delete_application(ctx: ManagementContext) -> Response:
    """DELETE /api/applications/{id}: 204; its roles and secrets go with it."""
    app = find_app(ctx, ctx.path_params["id"])
    server = server_of(ctx)
    server.apps.pop(app.id, None)
    server.m2m.apps.pop(app.id, None)
    server.directory.app_roles.pop(app.id, None)
    return Response.empty(204)


def list_secrets(ctx: ManagementContext) -> Response:
    """GET /api/applications/{id}/secrets."""
    return Response.json(200, secret_views(find_app(ctx, ctx.path_params["id"])))


def create_secret(ctx: ManagementContext) -> Response:
    """POST /api/applications/{id}/secrets: 201, the new secret (it works at once)."""
    body: dict[str, Any] = ctx.body
    expires_at = body.get("expiresAt")
    if expires_at is not None and expires_at <= now_ms():
        raise invalid_input("The value of `expiresAt` must be in the future.")
    app = find_app(ctx, ctx.path_params["id"])
    if any(view["name"] == body["name"] for view in secret_views(app)):
        raise _error(422, "application.secret_name_exists")
    secret = AppSecret(body["name"], secrets.token_urlsafe(24), now_ms(), expires_at)
    extra = (*app.extra_secrets, secret)
    server = server_of(ctx)
    if isinstance(app, M2MApp):
        server.m2m.register(dataclasses.replace(app, extra_secrets=extra), management=False)
    else:
        server.apps[app.id] = dataclasses.replace(app, extra_secrets=extra)
    return Response.json(201, secret_views(dataclasses.replace(app, extra_secrets=extra))[-1])


def _m2m_app(ctx: ManagementContext, app_id: str) -> M2MApp:
    app = find_app(ctx, app_id)
    if not isinstance(app, M2MApp):
        raise _error(422, "application.invalid_type")
    return app


def list_application_roles(ctx: ManagementContext) -> Response:
    """GET /api/applications/{applicationId}/roles (M2M apps only)."""
    app = _m2m_app(ctx, ctx.path_params["applicationId"])
    roles = server_of(ctx).directory.roles_of(app.id, app=True)
    return listed(ctx, [r for r in roles if r.type == "MachineToMachine"], role_view)


def assign_application_roles(ctx: ManagementContext) -> Response:
    """POST /api/applications/{applicationId}/roles: 201 ``{roleIds, addedRoleIds}``."""
    app = _m2m_app(ctx, ctx.path_params["applicationId"])
    role_ids: list[str] = ctx.body["roleIds"]
    held = server_of(ctx).directory.app_roles.setdefault(app.id, set())
    added = [r for r in dict.fromkeys(role_ids) if r not in held]
    for role_id in added:
        if find_role(ctx, role_id).type != "MachineToMachine":
            raise _error(422, "application.invalid_role_type")
    held.update(added)
    return Response.json(201, {"roleIds": role_ids, "addedRoleIds": added})


def delete_application_role(ctx: ManagementContext) -> Response:
    """DELETE /api/applications/{applicationId}/roles/{roleId}: 204."""
    app = _m2m_app(ctx, ctx.path_params["applicationId"])
    held = server_of(ctx).directory.app_roles.get(app.id, set())
    if ctx.path_params["roleId"] not in held:
        raise relation_not_found()
    held.discard(ctx.path_params["roleId"])
    return Response.empty(204)


def list_role_applications(ctx: ManagementContext) -> Response:
    """GET /api/roles/{id}/applications."""
    role = find_role(ctx, ctx.path_params["id"])
    held = server_of(ctx).directory.app_roles
    apps = [a for a in server_of(ctx).m2m.apps.values() if role.id in held.get(a.id, set())]
    return listed(ctx, apps, _view(ctx))


def create_role_applications(ctx: ManagementContext) -> Response:
    """POST /api/roles/{id}/applications: 201 with no body."""
    role = find_role(ctx, ctx.path_params["id"])
    return grant_role(
        server_of(ctx).directory.app_roles,
        role.id,
        ctx.body["applicationIds"],
        lambda app_id: find_app(ctx, app_id),
        lambda _: LogtoError(
            422,
            "role.application_exists",
            # Logto leaves the placeholder unfilled in this message
            message="The application id {{applicationId}} is already been added to this role",
        ),
    )


def delete_role_application(ctx: ManagementContext) -> Response:
    """DELETE /api/roles/{id}/applications/{applicationId}: 204."""
    held = server_of(ctx).directory.app_roles
    return take_role(held, ctx.path_params["applicationId"], ctx.path_params["id"])


APPLICATION_HANDLERS: dict[str, Callable[[ManagementContext], Response]] = {
    "ListApplications": list_applications,
    "CreateApplication": create_application,
    "GetApplication": get_application,
    "UpdateApplication": update_application,
    "DeleteApplication": delete_application,
    "ListApplicationSecrets": list_secrets,
    "CreateApplicationSecret": create_secret,
    "ListApplicationRoles": list_application_roles,
    "AssignApplicationRoles": assign_application_roles,
    "DeleteApplicationRole": delete_application_role,
    "ListRoleApplications": list_role_applications,
    "CreateRoleApplication": create_role_applications,
    "DeleteRoleApplication": delete_role_application,
}
