"""The embedded server's applications, API resources, scopes and roles of the Management API,
in process and over loopback: each answer is checked strictly against the bundled Management
document; M2M tokens carry what the roles grant."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from _support.management import StrictApi, strict_api_for

from logto_dynamic._spec import load_spec
from logto_dynamic.testing import ExperienceServer
from logto_dynamic.testing.management._arranging import ARRANGING_ROUTES

pytestmark = pytest.mark.anyio


@pytest.fixture
def server() -> ExperienceServer:
    return ExperienceServer()


@pytest.fixture(params=["in-process", pytest.param("loopback", marks=pytest.mark.loopback)])
async def api(server: ExperienceServer, request: pytest.FixtureRequest) -> AsyncIterator[StrictApi]:
    """Every test runs in process and, marked ``loopback``, over a real socket."""
    async with strict_api_for(server, loopback=request.param == "loopback") as api:
        yield api


async def test_applications_of_every_kind(api: StrictApi, server: ExperienceServer) -> None:
    made = {}
    for kind in ("SPA", "Native", "Traditional", "MachineToMachine"):
        uris = ["io.example.app://callback"] if kind == "Native" else ["https://app.test/cb"]
        metadata = {"redirectUris": uris, "postLogoutRedirectUris": []}
        body = {"name": f"{kind} app", "type": kind, "oidcClientMetadata": metadata}
        status, app = await api("POST", "/api/applications", body)
        assert status == 200 and app["type"] == kind and "secret" not in app
        made[kind] = app
    spa, web, m2m = made["SPA"], made["Traditional"], made["MachineToMachine"]
    assert web["oidcClientMetadata"]["redirectUris"] == ["https://app.test/cb"]
    assert server.apps[spa["id"]].secret is None and server.apps[web["id"]].confidential
    assert m2m["id"] in server.m2m.apps and m2m["oidcClientMetadata"]["redirectUris"] == []
    status, shown = await api("GET", f"/api/applications/{web['id']}")
    assert status == 200 and shown["isAdmin"] is False and shown["name"] == "Traditional app"
    status, listed = await api("GET", "/api/applications")
    ids = [a["id"] for a in listed]
    assert set(ids) >= {a["id"] for a in made.values()} | {"demo-app", "m2m-app"}
    assert ids[:4] == [m2m["id"], web["id"], made["Native"]["id"], spa["id"]]  # newest first
    status, only = await api("GET", "/api/applications", types="MachineToMachine")
    assert {a["id"] for a in only} == {m2m["id"], "m2m-app"}
    status, paged = await api("GET", "/api/applications", page="1", page_size="2")
    assert status == 200 and len(paged) == 2
    patch = {
        "name": "Renamed",
        "oidcClientMetadata": {
            "redirectUris": ["https://app.test/new"],
            "postLogoutRedirectUris": ["https://app.test/"],
        },
    }
    status, patched = await api("PATCH", f"/api/applications/{web['id']}", patch)
    assert status == 200 and patched["name"] == "Renamed"
    assert server.apps[web["id"]].redirect_uris == ("https://app.test/new",)
    status, body = await api("PATCH", f"/api/applications/{web['id']}", {})
    assert (status, body["code"]) == (422, "entity.invalid_input")
    assert await api("DELETE", f"/api/applications/{spa['id']}") == (204, None)
    assert spa["id"] not in server.apps
    status, body = await api("GET", f"/api/applications/{spa['id']}")
    assert (status, body["code"]) == (404, "entity.not_exists_with_id")
    bad = {"redirectUris": ["not a url"], "postLogoutRedirectUris": []}
    status, body = await api(
        "POST", "/api/applications", {"name": "b", "type": "SPA", "oidcClientMetadata": bad}
    )
    assert (status, body["code"]) == (400, "guard.invalid_input")
    status, body = await api("POST", "/api/applications", {"name": "s", "type": "SAML"})
    assert (status, body["code"]) == (400, "application.saml.use_saml_app_api")


async def test_application_secrets(api: StrictApi, server: ExperienceServer) -> None:
    status, web = await api("POST", "/api/applications", {"name": "w", "type": "Traditional"})
    status, secrets = await api("GET", f"/api/applications/{web['id']}/secrets")
    assert status == 200 and [s["name"] for s in secrets] == ["Default secret"]
    assert server.apps[web["id"]].secret == secrets[0]["value"]
    status, spa = await api("POST", "/api/applications", {"name": "s", "type": "SPA"})
    assert await api("GET", f"/api/applications/{spa['id']}/secrets") == (200, [])
    status, extra = await api("POST", f"/api/applications/{web['id']}/secrets", {"name": "ci"})
    assert status == 201 and extra["name"] == "ci" and extra["expiresAt"] is None
    assert server.apps[web["id"]].accepts(extra["value"])
    assert server.apps[web["id"]].accepts(secrets[0]["value"])
    status, body = await api("POST", f"/api/applications/{web['id']}/secrets", {"name": "ci"})
    assert (status, body["code"]) == (422, "application.secret_name_exists")
    past = {"name": "old", "expiresAt": 1_000}
    status, body = await api("POST", f"/api/applications/{web['id']}/secrets", past)
    assert (status, body["code"]) == (400, "request.invalid_input")
    status, body = await api("GET", "/api/applications/nope/secrets")
    assert (status, body["code"]) == (404, "entity.not_exists_with_id")


async def _client_credentials(
    http: httpx.AsyncClient, app_id: str, secret: str, resource: str, scope: str
) -> tuple[int, dict[str, Any]]:
    pair = base64.b64encode(f"{app_id}:{secret}".encode()).decode()
    answer = await http.post(
        "/oidc/token",
        data={"grant_type": "client_credentials", "resource": resource, "scope": scope},
        headers={"authorization": f"Basic {pair}"},
    )
    return answer.status_code, answer.json()


async def test_resources_scopes_and_roles_give_m2m_tokens_their_scopes(
    api: StrictApi, server: ExperienceServer
) -> None:
    body = {"name": "Reports", "indicator": "https://reports.test", "accessTokenTtl": 600}
    status, resource = await api("POST", "/api/resources", body)
    assert status == 201 and resource["scopes"] == [] and resource["accessTokenTtl"] == 600
    status, again = await api("POST", "/api/resources", body)
    assert (status, again["code"]) == (422, "resource.resource_identifier_in_use")
    scopes_path = f"/api/resources/{resource['id']}/scopes"
    status, read = await api("POST", scopes_path, {"name": "read", "description": "Read"})
    status, write = await api("POST", scopes_path, {"name": "write"})
    assert status == 201 and write["resourceId"] == resource["id"]
    status, body = await api("POST", scopes_path, {"name": "read"})
    assert (status, body["code"]) == (422, "scope.name_exists")
    status, body = await api("POST", scopes_path, {"name": "has space"})
    assert (status, body["code"]) == (400, "scope.name_with_space")
    status, listed = await api("GET", scopes_path)
    assert [s["name"] for s in listed] == ["read", "write"]
    status, resources = await api("GET", "/api/resources", includeScopes="true")
    named = {r["indicator"]: r for r in resources}
    assert [s["name"] for s in named["https://reports.test"]["scopes"]] == ["read", "write"]
    assert "https://default.logto.app/api" in named  # the Management API, as on Logto
    status, body = await api("DELETE", "/api/resources/management-api")
    assert (status, body["code"]) == (400, "resource.cannot_delete_management_api")

    role_body = {"name": "reporter", "description": "d", "type": "MachineToMachine"}
    status, role = await api("POST", "/api/roles", {**role_body, "scopeIds": [read["id"]]})
    assert status == 200 and role["type"] == "MachineToMachine"
    status, body = await api("POST", "/api/roles", role_body)
    assert (status, body["code"]) == (422, "role.name_in_use")
    status, m2m = await api("POST", "/api/applications", {"name": "w", "type": "MachineToMachine"})
    status, secrets = await api("GET", f"/api/applications/{m2m['id']}/secrets")
    secret = secrets[0]["value"]
    token = await _client_credentials(api.http, m2m["id"], secret, "https://reports.test", "read")
    assert token[0] == 200 and token[1]["scope"] == ""  # no role yet
    app_roles = f"/api/applications/{m2m['id']}/roles"
    assert await api("POST", app_roles, {"roleIds": [role["id"]]}) == (
        201,
        {"roleIds": [role["id"]], "addedRoleIds": [role["id"]]},
    )
    status, held = await api("GET", app_roles)
    assert [r["id"] for r in held] == [role["id"]]
    token = await _client_credentials(
        api.http, m2m["id"], secret, "https://reports.test", "read write"
    )
    assert (token[1]["scope"], token[1]["expires_in"]) == ("read", 600)  # accessTokenTtl
    claims = server.key.verify(token[1]["access_token"])
    assert (claims["scope"], claims["exp"] - claims["iat"]) == ("read", 600)
    role_scopes = f"/api/roles/{role['id']}/scopes"
    status, now = await api("POST", role_scopes, {"scopeIds": [write["id"]]})
    assert status == 201 and {s["name"] for s in now} == {"read", "write"}
    status, body = await api("POST", role_scopes, {"scopeIds": [write["id"]]})
    assert (status, body["code"]) == (422, "role.scope_exists")
    status, shown = await api("GET", role_scopes)
    assert {s["resource"]["indicator"] for s in shown} == {"https://reports.test"}
    token = await _client_credentials(
        api.http, m2m["id"], secret, "https://reports.test", "read write"
    )
    assert token[1]["scope"] == "read write"
    assert await api("DELETE", f"{role_scopes}/{read['id']}") == (204, None)
    assert await api("DELETE", f"{scopes_path}/{write['id']}") == (204, None)
    token = await _client_credentials(
        api.http, m2m["id"], secret, "https://reports.test", "read write"
    )
    assert token[1]["scope"] == ""
    status, apps = await api("GET", f"/api/roles/{role['id']}/applications")
    assert [a["id"] for a in apps] == [m2m["id"]]
    role_apps = f"/api/roles/{role['id']}/applications"
    status, body = await api("POST", role_apps, {"applicationIds": [m2m["id"]]})
    assert (status, body["code"]) == (422, "role.application_exists")
    assert await api("DELETE", f"{role_apps}/{m2m['id']}") == (204, None)
    assert await api("POST", role_apps, {"applicationIds": [m2m["id"]]}) == (201, "Created")
    assert await api("DELETE", f"{app_roles}/{role['id']}") == (204, None)
    status, body = await api("DELETE", f"{app_roles}/{role['id']}")
    assert (status, body["code"]) == (404, "entity.not_found")
    status, body = await api("GET", "/api/applications/demo-app/roles")
    assert (status, body["code"]) == (422, "application.invalid_type")
    status, body = await api("GET", f"/api/applications/{m2m['id']}/roles")
    assert body == []
    assert await api("DELETE", f"/api/resources/{resource['id']}") == (204, None)
    assert server.directory.resource("https://reports.test") is None
    status, body = await api("GET", f"/api/resources/{resource['id']}")
    assert (status, body["code"]) == (404, "entity.not_exists_with_id")


async def test_every_arranging_route_is_documented() -> None:
    document = load_spec("logto-management-1.42")
    for method, pattern, op_id in ARRANGING_ROUTES:
        op = document.operation(op_id)
        assert op.method.upper() == method
        template = op.path.replace("{", "").replace("}", "")
        assert pattern.fullmatch(template) is not None, op_id


async def test_an_m2m_app_made_through_the_api_calls_it_once_given_the_role(
    api: StrictApi, server: ExperienceServer
) -> None:
    status, app = await api(
        "POST", "/api/applications", {"name": "ops", "type": "MachineToMachine"}
    )
    status, secrets = await api("GET", f"/api/applications/{app['id']}/secrets")
    own = StrictApi(api.http, app["id"], secrets[0]["value"])
    status, body = await own("GET", "/api/roles")  # no role yet: a token without ``all``
    assert (status, body["code"]) == (403, "auth.forbidden")
    status, roles = await api("GET", "/api/roles", type="MachineToMachine")
    management = next(r for r in roles if r["name"] == "Logto Management API access")
    await api("POST", f"/api/applications/{app['id']}/roles", {"roleIds": [management["id"]]})
    own.token = None
    assert (await own("GET", "/api/roles"))[0] == 200
    status, shown = await api("GET", f"/api/applications/{app['id']}")
    assert shown["isAdmin"] is True
    status, patched = await api("PATCH", f"/api/applications/{app['id']}", {"isAdmin": False})
    assert status == 200 and server.directory.app_roles[app["id"]] == set()
