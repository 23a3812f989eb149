"""The embedded server's Management API routes under one user (password, suspension, custom
data, profile, roles, organizations) and its organizations, in process and over loopback:
each answer is checked strictly against the bundled Management document, and the Python
arranging API and the routes change one state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from _support import auth_query
from _support.management import StrictApi, strict_api_for, strict_document

from logto_dynamic.testing import ExperienceServer, LogtoTestServer

pytestmark = pytest.mark.anyio
PASSWORD = "Ap9!rainbow-Quartz"


@pytest.fixture
def server() -> ExperienceServer:
    return ExperienceServer()


@pytest.fixture(params=["in-process", pytest.param("loopback", marks=pytest.mark.loopback)])
async def api(server: ExperienceServer, request: pytest.FixtureRequest) -> AsyncIterator[StrictApi]:
    """Every test runs in process and, marked ``loopback``, over a real socket."""
    async with strict_api_for(server, loopback=request.param == "loopback") as api:
        yield api


async def _user(api: StrictApi, username: str = "alice") -> dict[str, Any]:
    status, user = await api("POST", "/api/users", {"username": username, "password": PASSWORD})
    assert status == 200
    return user  # type: ignore[no-any-return]


async def test_a_users_password_suspension_custom_data_and_profile(
    api: StrictApi, server: ExperienceServer
) -> None:
    user = await _user(api)
    base = f"/api/users/{user['id']}"
    assert await api("POST", f"{base}/password/verify", {"password": PASSWORD}) == (204, None)
    status, body = await api("POST", f"{base}/password/verify", {"password": "wrong-Passw0rd"})
    assert (status, body["code"]) == (422, "session.invalid_credentials")
    status, body = await api("PATCH", f"{base}/password", {"password": "N3w-password-Z"})
    assert status == 200 and body["id"] == user["id"] and body["hasPassword"] is True
    assert server.users.by_id[user["id"]].check_password("N3w-password-Z")
    assert await api("GET", f"{base}/has-password") == (200, {"hasPassword": True})
    assert await api("GET", f"{base}/custom-data") == (200, {})
    data = {"plan": "pro", "seats": [1, 2]}
    assert await api("PATCH", f"{base}/custom-data", {"customData": data}) == (200, data)
    assert await api("GET", f"{base}/custom-data") == (200, data)
    profile = {"givenName": "Alice", "address": {"country": "NZ"}}
    assert await api("PATCH", f"{base}/profile", {"profile": profile}) == (200, profile)
    status, shown = await api("GET", base)
    assert (shown["customData"], shown["profile"], shown["isSuspended"]) == (data, profile, False)
    status, body = await api("PATCH", f"{base}/is-suspended", {"isSuspended": True})
    assert status == 200 and body["isSuspended"] is True
    assert server.users.by_id[user["id"]].is_suspended
    status, body = await api("PATCH", f"{base}/is-suspended", {"isSuspended": "yes"})
    assert (status, body["code"]) == (400, "guard.invalid_input")


async def test_a_suspended_user_cannot_sign_in(api: StrictApi, server: ExperienceServer) -> None:
    user = await _user(api)
    await api("PATCH", f"/api/users/{user['id']}/is-suspended", {"isSuspended": True})
    http = api.http
    started = await http.get("/oidc/auth", params=auth_query(str(http.base_url).rstrip("/")))
    assert started.status_code == 303
    await http.put("/api/experience", json={"interactionEvent": "SignIn"})
    verified = await http.post(
        "/api/experience/verification/password",
        json={"identifier": {"type": "username", "value": "alice"}, "password": PASSWORD},
    )
    assert (verified.status_code, verified.json()["code"]) == (401, "user.suspended")


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "/password", {"password": "N3w-password-Z"}),
        ("POST", "/password/verify", {"password": "x"}),
        ("PATCH", "/is-suspended", {"isSuspended": True}),
        ("PATCH", "/custom-data", {"customData": {}}),
        ("PATCH", "/profile", {"profile": {}}),
        ("GET", "/roles", None),
        ("POST", "/roles", {"roleIds": ["r"]}),
        ("GET", "/organizations", None),
    ],
)
async def test_an_unknown_user_is_not_found(
    api: StrictApi, method: str, suffix: str, body: Any
) -> None:
    document = strict_document()
    op = document.match(method, f"/api/users/nobody{suffix}")[0]  # type: ignore[index]
    listed = "404" in {str(code) for code in op.raw["responses"]}  # Logto's own gaps
    status, answer = await api(method, f"/api/users/nobody{suffix}", body, undocumented=not listed)
    if suffix == "":  # the users routes are another module's (their code is being aligned)
        assert status == 404
    else:
        assert (status, answer["code"]) == (404, "entity.not_found")


async def test_roles_of_users(api: StrictApi, server: ExperienceServer) -> None:
    user = await _user(api)
    server.directory.add_resource("https://api.test", ("read",))
    scope_id = server.directory.resource("https://api.test").scope_named("read").id  # type: ignore[union-attr]
    status, role = await api(
        "POST", "/api/roles", {"name": "reader", "description": "d", "scopeIds": [scope_id]}
    )
    assert role["type"] == "User"
    management_scope = next(iter(server.directory.by_id["management-api"].scopes))
    status, body = await api(
        "POST", "/api/roles", {"name": "x", "description": "d", "scopeIds": [management_scope]}
    )
    assert (status, body["code"]) == (400, "role.management_api_scopes_not_assignable_to_user_role")
    status, body = await api(
        "POST", "/api/roles", {"name": "y", "description": "d", "scopeIds": ["missing"]}
    )
    assert (status, body["code"]) == (404, "entity.not_exists_with_id")
    base = f"/api/users/{user['id']}/roles"
    assert await api("POST", base, {"roleIds": [role["id"]]}) == (
        201,
        {"roleIds": [role["id"]], "addedRoleIds": [role["id"]]},
    )
    assert server.directory.user_scopes(user["id"], "https://api.test") == {"read"}
    status, again = await api("POST", base, {"roleIds": [role["id"]]})
    assert again["addedRoleIds"] == []
    status, m2m_role = await api(
        "POST", "/api/roles", {"name": "m", "description": "d", "type": "MachineToMachine"}
    )
    status, body = await api("POST", base, {"roleIds": [m2m_role["id"]]})
    assert (status, body["code"]) == (422, "user.invalid_role_type")
    status, held = await api("GET", base)
    assert [r["name"] for r in held] == ["reader"]
    status, users = await api("GET", f"/api/roles/{role['id']}/users")
    assert [u["id"] for u in users] == [user["id"]]
    status, listed = await api("GET", "/api/roles", type="User")
    counted = {r["name"]: r["usersCount"] for r in listed}
    assert counted == {"reader": 1}
    status, listed = await api("GET", "/api/roles", excludeUserId=user["id"])
    assert "reader" not in {r["name"] for r in listed}
    assert await api("PUT", base, {"roleIds": []}) == (200, {"roleIds": []})
    assert server.directory.user_scopes(user["id"], "https://api.test") == set()
    assert await api("POST", f"/api/roles/{role['id']}/users", {"userIds": [user["id"]]}) == (
        201,
        "Created",  # Koa sends the status message when a route sets no body
    )
    status, body = await api("POST", f"/api/roles/{role['id']}/users", {"userIds": [user["id"]]})
    assert (status, body["code"]) == (422, "role.user_exists")
    assert await api("DELETE", f"{base}/{role['id']}") == (204, None)
    status, body = await api("DELETE", f"/api/roles/{role['id']}/users/{user['id']}")
    assert (status, body["code"]) == (404, "entity.not_found")
    assert await api("DELETE", f"/api/roles/{role['id']}") == (204, None)
    status, body = await api("GET", f"/api/roles/{role['id']}")
    assert (status, body["code"]) == (404, "entity.not_exists_with_id")


async def test_organizations_and_members(api: StrictApi, server: ExperienceServer) -> None:
    user = await _user(api)
    body = {"name": "Acme", "description": None, "customData": {"tier": 1}}
    status, org = await api("POST", "/api/organizations", body)
    assert status == 201 and org["customData"] == {"tier": 1} and org["customCss"] is None
    assert await api("GET", f"/api/organizations/{org['id']}") == (200, org)
    members = f"/api/organizations/{org['id']}/users"
    assert await api("POST", members, {"userIds": [user["id"]]}) == (
        201,
        {"userIds": [user["id"]]},
    )
    assert server.directory.organizations[org["id"]].members == {user["id"]}
    status, body = await api("POST", members, {"userIds": ["nobody"]})
    assert (status, body["code"]) == (422, "entity.relation_foreign_key_not_found")
    status, listed = await api("GET", members)
    assert [(u["id"], u["organizationRoles"]) for u in listed] == [(user["id"], [])]
    status, mine = await api("GET", f"/api/users/{user['id']}/organizations")
    assert [o["id"] for o in mine] == [org["id"]]
    status, found = await api("GET", "/api/organizations", q="acm", showFeatured="true")
    assert [(o["id"], o["usersCount"]) for o in found] == [(org["id"], 1)]
    assert await api("DELETE", f"{members}/{user['id']}") == (204, None)
    status, body = await api("DELETE", f"{members}/{user['id']}")
    assert (status, body["code"]) == (404, "entity.not_found")
    assert await api("DELETE", f"/api/organizations/{org['id']}") == (204, None)
    status, body = await api("GET", f"/api/organizations/{org['id']}")
    assert (status, body["code"]) == (404, "entity.not_exists_with_id")


async def test_the_python_door_and_the_api_door_share_one_state(
    api: StrictApi, server: ExperienceServer
) -> None:
    base = str(api.http.base_url).rstrip("/")
    harness = LogtoTestServer(server, base)
    user = harness.add_user("bob", PASSWORD)
    harness.add_resource("https://py.test", ("read",))
    role = harness.add_role(user, ("read",), resource="https://py.test", name="py-reader")
    harness.add_organization("org-py", [user])
    harness.add_app("py-web", "/py-web", secret="Py-s3cret")
    status, resources = await api("GET", "/api/resources", includeScopes="1")
    assert ["read"] == next(
        [s["name"] for s in r["scopes"]] for r in resources if r["indicator"] == "https://py.test"
    )
    status, roles = await api("GET", f"/api/users/{user.id}/roles")
    assert [r["id"] for r in roles] == [role.id]
    status, orgs = await api("GET", f"/api/users/{user.id}/organizations")
    assert [o["id"] for o in orgs] == ["org-py"]
    status, app = await api("GET", "/api/applications/py-web")
    assert app["type"] == "Traditional"
    assert app["oidcClientMetadata"]["redirectUris"] == [f"{base}/py-web"]
    status, secrets = await api("GET", "/api/applications/py-web/secrets")
    assert [s["value"] for s in secrets] == ["Py-s3cret"]
    assert await api("DELETE", f"/api/users/{user.id}/roles/{role.id}") == (204, None)
    assert server.directory.user_scopes(user.id, "https://py.test") == set()
