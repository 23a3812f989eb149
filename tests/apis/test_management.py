"""The Management API from outside, over loopback: ManagementClient, paginate, M2MAuth on a
plain httpx client, and the MFA policy a sign-in-experience patch sets (issue 19)."""

from __future__ import annotations

import httpx
import pytest

from logto_dynamic import (
    AsyncManagementClient,
    M2MAuth,
    ManagementClient,
    MfaBindingRequired,
    PaginationError,
    TokenRequestError,
    UnprocessableEntityError,
    load_spec,
)
from logto_dynamic.testing import LogtoTestServer

PASSWORD = "Xk9#mountain-River"


def _create_five(client: ManagementClient) -> list[str]:
    ids = []
    for n in range(5):
        body = {"username": f"tag_user{n}", "password": PASSWORD, "name": f"Tagged {n}"}
        result = client.call("CreateUser", body, validate="strict")
        assert result.status_code == 200 and result.violations == ()
        ids.append(result.data["id"])
    return ids


@pytest.mark.loopback
def test_an_app_id_and_secret_are_enough_to_create_and_list_users(
    logto_server: LogtoTestServer,
) -> None:
    app = logto_server.m2m_app
    with ManagementClient(
        logto_server.base_url, app_id=app.id, app_secret=app.secret, validate="strict"
    ) as client:
        assert client.spec.title == "Logto Management API" and len(client.spec.index) == 284
        ids = _create_five(client)
        client.call("CreateUser", {"username": "someone_else", "password": PASSWORD})
        first = client.call("ListUsers", query={"search": "%tag%", "page": 1, "page_size": 2})
        total = int(first.headers["total-number"])
        assert total == 5 and len(first.data) == 2
        found = list(client.paginate("ListUsers", query={"search": "%tag%"}, page_size=2))
    assert len(found) == total
    assert sorted(user["id"] for user in found) == sorted(ids)
    assert [user["username"] for user in found] == [f"tag_user{n}" for n in (4, 3, 2, 1, 0)]
    assert logto_server.server.m2m.issued == 1  # one token for the whole session


@pytest.mark.loopback
def test_paginate_sends_page_numbers_and_never_follows_link(
    logto_server: LogtoTestServer, logto_management: ManagementClient
) -> None:
    _create_five(logto_management)
    seen: list[httpx.URL] = []
    logto_management.http.event_hooks["request"].append(lambda r: seen.append(r.url))
    found = list(logto_management.paginate("ListUsers", page_size=2))
    assert len(found) == 5
    pages = [(u.path, u.params.get("page"), u.params.get("page_size")) for u in seen]
    assert pages == [("/api/users", str(n), "2") for n in (1, 2, 3)]
    # Logto's Link header points under /users (no /api): following it would give 404
    answer = logto_management.call("ListUsers", query={"page": 2, "page_size": 2})
    links = answer.headers.get_list("link")
    assert any(f'{logto_server.base_url}/users?page=3&page_size=2>; rel="next"' in x for x in links)
    assert httpx.get(f"{logto_server.base_url}/users?page=3&page_size=2").status_code == 404


@pytest.mark.loopback
def test_paginate_stops_on_a_short_page_and_refuses_a_non_list(
    logto_management: ManagementClient,
) -> None:
    assert list(logto_management.paginate("ListUsers", query={"search": "%nobody%"})) == []
    with pytest.raises(PaginationError, match="not a JSON array"):
        list(logto_management.paginate("GetSignInExp"))
    with pytest.raises(ValueError, match="page_size"):
        list(logto_management.paginate("ListUsers", page_size=0))
    with pytest.raises(ValueError, match="sets page"):
        list(logto_management.paginate("ListUsers", query={"page": 2}))


@pytest.mark.loopback
@pytest.mark.anyio
async def test_the_async_client_paginates_the_same(logto_server: LogtoTestServer) -> None:
    with logto_server.management() as client:
        _create_five(client)
        expected = [u["id"] for u in client.paginate("ListUsers", query={"search": "%tag%"})]
    app = logto_server.m2m_app
    async with AsyncManagementClient(
        logto_server.base_url, app_id=app.id, app_secret=app.secret
    ) as client:
        found = [
            user["id"]
            async for user in client.paginate("ListUsers", query={"search": "%tag%"}, page_size=2)
        ]
        created = await client.call("GetUser", path={"userId": found[0]})
    assert found == expected and len(found) == 5
    assert created.data["username"] == "tag_user4"


@pytest.mark.loopback
def test_a_mandatory_mfa_policy_set_through_the_api_governs_the_next_sign_in(
    logto_server: LogtoTestServer, logto_management: ManagementClient
) -> None:
    logto_management.call("CreateUser", {"username": "mfa_person", "password": PASSWORD})
    assert logto_server.sign_in("mfa_person", PASSWORD).subject  # no MFA asked yet
    patched = logto_management.call(
        "UpdateSignInExp", {"mfa": {"factors": ["Totp"], "policy": "Mandatory"}}
    )
    assert patched.data["mfa"] == {"factors": ["Totp"], "policy": "Mandatory"}
    assert logto_management.call("GetSignInExp").data["mfa"]["policy"] == "Mandatory"
    with pytest.raises(MfaBindingRequired) as caught:
        logto_server.sign_in("mfa_person", PASSWORD)
    assert caught.value.code == "user.missing_mfa" and caught.value.factors == ("Totp",)


@pytest.mark.loopback
def test_set_mfa_shows_in_the_management_api(
    logto_server: LogtoTestServer, logto_management: ManagementClient
) -> None:
    logto_server.set_mfa("PromptAtSignInAndSignUp", ["Totp", "BackupCode"])
    mfa = logto_management.call("GetSignInExp").data["mfa"]
    assert mfa == {"factors": ["Totp", "BackupCode"], "policy": "PromptAtSignInAndSignUp"}


@pytest.mark.loopback
def test_a_wrong_secret_raises_a_typed_error_naming_invalid_client(
    logto_server: LogtoTestServer,
) -> None:
    wrong = "not-the-Secret-42"
    app_id = logto_server.m2m_app.id
    with ManagementClient(logto_server.base_url, app_id=app_id, app_secret=wrong) as client:
        with pytest.raises(TokenRequestError) as caught:
            client.call("ListUsers")
    err = caught.value
    assert (err.status_code, err.error, err.code) == (401, "invalid_client", "oidc.invalid_client")
    assert "invalid_client" in str(err) and wrong not in str(err) + repr(err)


@pytest.mark.loopback
def test_m2m_auth_works_on_a_plain_httpx_client(logto_server: LogtoTestServer) -> None:
    app = logto_server.m2m_app
    auth = M2MAuth(logto_server.base_url, app.id, app.secret)
    with httpx.Client(base_url=logto_server.base_url, auth=auth) as http:
        created = http.post("/api/users", json={"username": "plain_httpx"})
        listed = http.get("/api/users", params={"search": "plain%"})
    assert created.status_code == 200 and listed.status_code == 200
    assert [u["username"] for u in listed.json()] == ["plain_httpx"]
    assert listed.headers["total-number"] == "1"


@pytest.mark.loopback
def test_the_management_client_validates_and_maps_errors(
    logto_management: ManagementClient,
) -> None:
    from logto_dynamic import NotFoundError, RequestValidationError

    with pytest.raises(RequestValidationError):  # refused before sending
        logto_management.call("CreateUser", {"username": "1 not valid"})
    logto_management.call("CreateUser", {"username": "taken_name"})
    with pytest.raises(UnprocessableEntityError) as taken:
        logto_management.call("CreateUser", {"username": "taken_name"})
    assert taken.value.code == "user.username_already_in_use"
    with pytest.raises(NotFoundError) as missing:
        logto_management.call("GetUser", path={"userId": "nobody"})
    assert missing.value.code == "entity.not_found"


@pytest.mark.loopback
def test_users_can_be_updated_and_deleted(logto_management: ManagementClient) -> None:
    user = logto_management.call("CreateUser", {"username": "short_lived"}).data
    assert user["hasPassword"] is False
    patched = logto_management.call(
        "UpdateUser",
        {"name": "Short Lived", "customData": {"plan": "pro"}},
        path={"userId": user["id"]},
    ).data
    assert (patched["name"], patched["customData"]) == ("Short Lived", {"plan": "pro"})
    assert patched["updatedAt"] >= user["updatedAt"]
    gone = logto_management.call("DeleteUser", path={"userId": user["id"]})
    assert gone.status_code == 204 and gone.data is None
    answer = logto_management.call("GetUser", path={"userId": user["id"]}, raise_for_status=False)
    assert answer.status_code == 404


@pytest.mark.loopback
def test_from_server_loads_the_document_the_server_publishes(
    logto_server: LogtoTestServer,
) -> None:
    app = logto_server.m2m_app
    with ManagementClient.from_server(
        logto_server.base_url, app_id=app.id, app_secret=app.secret
    ) as client:
        assert client.spec is not load_spec("logto-management-1.42")
        assert len(client.spec.index) == 284
        assert client.call("GetSignInExp").status_code == 200


@pytest.mark.loopback
@pytest.mark.anyio
async def test_async_from_server(logto_server: LogtoTestServer) -> None:
    app = logto_server.m2m_app
    client = await AsyncManagementClient.from_server(
        logto_server.base_url, app_id=app.id, app_secret=app.secret
    )
    async with client:
        assert (await client.call("ListUsers")).data == []


@pytest.mark.loopback
def test_http_given_gets_the_auth_and_auth_cannot_be_given_twice(
    logto_server: LogtoTestServer,
) -> None:
    app = logto_server.m2m_app
    with httpx.Client() as http:
        client = ManagementClient(
            logto_server.base_url, app_id=app.id, app_secret=app.secret, http=http
        )
        assert http.auth is client.auth
        assert client.call("ListUsers").data == []
        with pytest.raises(TypeError, match="auth already"):
            ManagementClient(logto_server.base_url, app_id=app.id, app_secret="x", http=http)
    with pytest.raises(TypeError, match="sets auth"):
        ManagementClient("http://127.0.0.1:9", app_id="a", app_secret="b", auth=("u", "p"))
    with pytest.raises(ValueError, match="app id and an app secret"):
        M2MAuth("http://127.0.0.1:9", "a", "")


BACKOFFICE_TESTS = """
def test_backoffice_creates_users(logto_management, logto_server):
    logto_management.call("CreateUser", {"username": "carol", "password": "Hn3&pepper-Vault"})
    assert logto_server.sign_in("carol", "Hn3&pepper-Vault").subject


def test_the_fixture_is_authenticated_as_the_default_app(logto_management, logto_server):
    assert logto_management.auth.app_id == logto_server.m2m_app.id
    assert logto_management.call("GetSignInExp").data["signInMode"] == "SignInAndRegister"
"""


@pytest.mark.process
def test_the_fixture_in_a_user_test_file(pytester: pytest.Pytester) -> None:
    """The README's example, run the way a user runs it (the plugin found by entry point)."""
    from importlib.metadata import entry_points

    if not [ep for ep in entry_points(group="pytest11") if ep.name == "logto_dynamic"]:
        pytest.skip("logto-dynamic is not installed, so pytest cannot find its plugin")
    pytester.makepyfile(test_backoffice=BACKOFFICE_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2)
