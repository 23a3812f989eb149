"""Arrange a test through the Management API only, then sign a user in and check the tokens.

The same functions run against the embedded server (``logto_server``) and a real Logto: give
the base URL and a machine-to-machine app holding the "Logto Management API access" role.

    python docs/examples/arrange.py http://localhost:3001 <m2m-app-id> <m2m-app-secret>

``spec=`` takes the Management document the client validates with (the bundled one by
default, which takes redirect URIs as the URL strings Logto takes).
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass, field
from typing import Any

from logto_dynamic import (
    AccessTokenVerifier,
    AsyncClient,
    AsyncManagementClient,
    Client,
    ManagementClient,
)

SCOPE = "read:reports"
ORGANIZATIONS = "urn:logto:scope:organizations"


@dataclass
class Arranged:
    """What was created (ids and the app's secret; the secret is not in the repr)."""

    base_url: str
    app_id: str
    app_secret: str = field(repr=False)
    redirect_uri: str
    resource_id: str
    indicator: str
    role_id: str
    user_id: str
    username: str
    password: str = field(repr=False)
    organization_id: str


def _plan(base_url: str) -> dict[str, Any]:
    tag = secrets.token_hex(4)
    return {
        "redirect_uri": base_url.rstrip("/") + "/arranged/callback",
        "app": f"arranged-web-{tag}",
        "indicator": f"https://api.arranged-{tag}.test",
        "role": f"report-reader-{tag}",
        "username": f"arranged_{tag}",
        "password": "Arr4nged-" + secrets.token_urlsafe(12),
        "organization": f"Arranged {tag}",
    }


def _app_body(plan: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": plan["app"],
        "type": "Traditional",
        "oidcClientMetadata": {
            "redirectUris": [plan["redirect_uri"]],
            "postLogoutRedirectUris": [],
        },
    }


def arrange(base_url: str, m2m_app_id: str, m2m_app_secret: str, **kwargs: Any) -> Arranged:
    """A confidential app, an API resource with a scope, a role granting it to a new user,
    an organization with that user: all through :class:`ManagementClient` (``kwargs`` are
    its keyword arguments: ``spec=``, ``http=`` ...)."""
    plan = _plan(base_url)
    with ManagementClient(
        base_url, app_id=m2m_app_id, app_secret=m2m_app_secret, validate="strict", **kwargs
    ) as logto:
        app = logto.call("CreateApplication", _app_body(plan)).data
        secret = logto.call("ListApplicationSecrets", path={"id": app["id"]}).data[0]["value"]
        resource = logto.call(
            "CreateResource", {"name": plan["indicator"], "indicator": plan["indicator"]}
        ).data
        scope = logto.call(
            "CreateResourceScope", {"name": SCOPE}, path={"resourceId": resource["id"]}
        ).data
        role = logto.call(
            "CreateRole",
            {"name": plan["role"], "description": "arranged", "scopeIds": [scope["id"]]},
        ).data
        user = logto.call(
            "CreateUser", {"username": plan["username"], "password": plan["password"]}
        ).data
        logto.call("AssignUserRoles", {"roleIds": [role["id"]]}, path={"userId": user["id"]})
        organization = logto.call("CreateOrganization", {"name": plan["organization"]}).data
        logto.call(
            "AddOrganizationUsers", {"userIds": [user["id"]]}, path={"id": organization["id"]}
        )
    return Arranged(
        base_url,
        app["id"],
        secret,
        plan["redirect_uri"],
        resource["id"],
        plan["indicator"],
        role["id"],
        user["id"],
        plan["username"],
        plan["password"],
        organization["id"],
    )


async def arrange_async(
    base_url: str, m2m_app_id: str, m2m_app_secret: str, **kwargs: Any
) -> Arranged:
    """:func:`arrange` with :class:`AsyncManagementClient`."""
    plan = _plan(base_url)
    async with AsyncManagementClient(
        base_url, app_id=m2m_app_id, app_secret=m2m_app_secret, validate="strict", **kwargs
    ) as logto:
        app = (await logto.call("CreateApplication", _app_body(plan))).data
        secrets_ = (await logto.call("ListApplicationSecrets", path={"id": app["id"]})).data
        resource = (
            await logto.call(
                "CreateResource", {"name": plan["indicator"], "indicator": plan["indicator"]}
            )
        ).data
        scope = (
            await logto.call(
                "CreateResourceScope", {"name": SCOPE}, path={"resourceId": resource["id"]}
            )
        ).data
        role = (
            await logto.call(
                "CreateRole",
                {"name": plan["role"], "description": "arranged", "scopeIds": [scope["id"]]},
            )
        ).data
        user = (
            await logto.call(
                "CreateUser", {"username": plan["username"], "password": plan["password"]}
            )
        ).data
        await logto.call("AssignUserRoles", {"roleIds": [role["id"]]}, path={"userId": user["id"]})
        organization = (await logto.call("CreateOrganization", {"name": plan["organization"]})).data
        await logto.call(
            "AddOrganizationUsers", {"userIds": [user["id"]]}, path={"id": organization["id"]}
        )
    return Arranged(
        base_url,
        app["id"],
        secrets_[0]["value"],
        plan["redirect_uri"],
        resource["id"],
        plan["indicator"],
        role["id"],
        user["id"],
        plan["username"],
        plan["password"],
        organization["id"],
    )


def tear_down(arranged: Arranged, m2m_app_id: str, m2m_app_secret: str, **kwargs: Any) -> None:
    """Delete what :func:`arrange` created (a real Logto keeps it otherwise)."""
    a = arranged
    with ManagementClient(
        a.base_url, app_id=m2m_app_id, app_secret=m2m_app_secret, validate="strict", **kwargs
    ) as logto:
        logto.call("DeleteOrganization", path={"id": a.organization_id})
        logto.call("DeleteUser", path={"userId": a.user_id})
        logto.call("DeleteRole", path={"id": a.role_id})
        logto.call("DeleteResource", path={"id": a.resource_id})
        logto.call("DeleteApplication", path={"id": a.app_id})


@dataclass
class Checked:
    """The verified claims of the resource token and of the organization token."""

    resource: dict[str, Any]
    organization: dict[str, Any]


def _scopes() -> tuple[str, ...]:
    return ("openid", "profile", "offline_access", ORGANIZATIONS, SCOPE)


def sign_in_and_check(arranged: Arranged) -> Checked:
    """Sign the arranged user in with the confidential app; a resource token carrying the
    scope and an organization token, both verified with :class:`AccessTokenVerifier`."""
    a = arranged
    issuer = a.base_url.rstrip("/") + "/oidc"
    with Client(a.base_url) as client:
        interaction = client.interaction(
            a.app_id,
            a.redirect_uri,
            scopes=_scopes(),
            resources=(a.indicator,),
            prompt="consent",
            client_secret=a.app_secret,
        )
        tokens = interaction.sign_in(a.username, a.password)
        for_api = client.refresh_tokens(
            a.app_id, tokens.refresh_token, resource=a.indicator, client_secret=a.app_secret
        )
        for_org = client.refresh_tokens(
            a.app_id,
            for_api.refresh_token,
            organization_id=a.organization_id,
            client_secret=a.app_secret,
        )
    resource = AccessTokenVerifier(issuer, a.indicator).verify(
        for_api.access_token, scopes=(SCOPE,)
    )
    audience = f"urn:logto:organization:{a.organization_id}"
    organization = AccessTokenVerifier(issuer, audience).verify(for_org.access_token)
    return Checked(dict(resource), dict(organization))


async def sign_in_and_check_async(arranged: Arranged) -> Checked:
    """:func:`sign_in_and_check` with :class:`AsyncClient`."""
    a = arranged
    issuer = a.base_url.rstrip("/") + "/oidc"
    async with AsyncClient(a.base_url) as client:
        interaction = await client.interaction(
            a.app_id,
            a.redirect_uri,
            scopes=_scopes(),
            resources=(a.indicator,),
            prompt="consent",
            client_secret=a.app_secret,
        )
        tokens = await interaction.sign_in(a.username, a.password)
        for_api = await client.refresh_tokens(
            a.app_id, tokens.refresh_token, resource=a.indicator, client_secret=a.app_secret
        )
        for_org = await client.refresh_tokens(
            a.app_id,
            for_api.refresh_token,
            organization_id=a.organization_id,
            client_secret=a.app_secret,
        )
    resource = await AccessTokenVerifier(issuer, a.indicator).averify(
        for_api.access_token, scopes=(SCOPE,)
    )
    audience = f"urn:logto:organization:{a.organization_id}"
    organization = await AccessTokenVerifier(issuer, audience).averify(for_org.access_token)
    return Checked(dict(resource), dict(organization))


if __name__ == "__main__":  # pragma: no cover - run by hand against a server
    base, app_id, app_secret = sys.argv[1:4]
    arranged = arrange(base, app_id, app_secret)
    try:
        checked = sign_in_and_check(arranged)
        print("resource token scope:", checked.resource["scope"])
        print("organization token aud:", checked.organization["aud"])
    finally:
        tear_down(arranged, app_id, app_secret)
