"""How the Management API shows applications and their secrets, and the one known error of
the bundled document the server works around (redirect URIs are URL strings in Logto)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..oidc._apps import AppSecret, OidcApp
from ..oidc._m2m import M2MApp
from ._common import TENANT_ID

if TYPE_CHECKING:
    pass

__all__ = ["DEFAULT_SECRET_NAME", "app_view", "secret_views"]

DEFAULT_SECRET_NAME = "Default secret"
_URI_LISTS = ("redirectUris", "postLogoutRedirectUris")
_OBJECT_ITEMS = {"type": "object", "additionalProperties": True}
# Logto's check: a URL whose scheme is http(s) (web) or a lower-case custom scheme (native;
# ``new URL`` lower-cases it first), with something after the colon.
URL_ITEMS = {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9+_.-]*:[^\s]+$"}

App = OidcApp | M2MApp


def app_view(app: App, endpoint: str) -> dict[str, Any]:
    """An application as Logto answers it (no secret: Logto keeps it in ``/secrets``).
    Relative redirect URIs of apps given to the server directly are put under ``endpoint``."""
    if isinstance(app, M2MApp):
        kind, third_party, redirects, logouts = "MachineToMachine", False, [], []
    else:
        kind, third_party = app.type, app.third_party
        redirects = list(app.resolved(endpoint))
        logouts = [endpoint + u if u.startswith("/") else u for u in app.post_logout_redirect_uris]
    return {
        "tenantId": TENANT_ID,
        "id": app.id,
        "name": app.name or app.id,
        "description": app.description,
        "type": kind,
        "oidcClientMetadata": {"redirectUris": redirects, "postLogoutRedirectUris": logouts},
        "customClientMetadata": {},
        "protectedAppMetadata": None,
        "customData": {},
        "isThirdParty": third_party,
        "appLevelAccessControlEnabled": False,
        "createdAt": app.created_at,
    }


def _secret_view(app_id: str, secret: AppSecret) -> dict[str, Any]:
    return {
        "tenantId": TENANT_ID,
        "applicationId": app_id,
        "name": secret.name,
        "value": secret.value,
        "createdAt": secret.created_at,
        "expiresAt": secret.expires_at,
    }


def secret_views(app: App) -> list[dict[str, Any]]:
    """The app's secrets (the first is ``Default secret``); public apps have none."""
    found: list[AppSecret] = []
    if app.secret is not None:
        found.append(AppSecret(DEFAULT_SECRET_NAME, app.secret, app.created_at))
    found.extend(app.extra_secrets)
    return [_secret_view(app.id, s) for s in found]


def _repaired(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if (
                key in _URI_LISTS
                and isinstance(value, dict)
                and value.get("items") == _OBJECT_ITEMS
            ):
                value = {**value, "items": URL_ITEMS}
            out[key] = _repaired(value)
        return out
    if isinstance(node, list):
        return [_repaired(item) for item in node]
    return node
