"""The embedded server's client-credentials grant, bearer checks and Management API subset,
answered as Logto 1.42 answers them (over loopback, raw HTTP)."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from logto_dynamic.testing import ExperienceServer, serve_app
from logto_dynamic.testing.oidc._m2m import M2MApp, parse_m2m_app

MANAGEMENT = "https://default.logto.app/api"


@pytest.fixture
def server() -> ExperienceServer:
    return ExperienceServer(m2m_apps=[M2MApp("backend", "S3cret-value")])


@pytest.fixture
def http(server: ExperienceServer) -> Iterator[httpx.Client]:
    with serve_app(server) as url, httpx.Client(base_url=url) as client:
        yield client


def _issuer(http: httpx.Client) -> str:
    return str(http.base_url).rstrip("/") + "/oidc"


def _basic(app_id: str, secret: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{app_id}:{secret}".encode()).decode()}


def _token(http: httpx.Client, **form: str) -> httpx.Response:
    data = {"grant_type": "client_credentials", "resource": MANAGEMENT, "scope": "all", **form}
    return http.post("/oidc/token", data=data, headers=_basic("backend", "S3cret-value"))


def _bearer(http: httpx.Client) -> dict[str, str]:
    return {"authorization": "Bearer " + _token(http).json()["access_token"]}


@pytest.mark.loopback
def test_the_client_credentials_grant(server: ExperienceServer, http: httpx.Client) -> None:
    answer = _token(http)
    body = answer.json()
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert list(body) == ["access_token", "expires_in", "token_type", "scope"]
    assert (body["expires_in"], body["token_type"], body["scope"]) == (3600, "Bearer", "all")
    claims = server.key.verify(body["access_token"])
    assert claims["aud"] == MANAGEMENT and claims["iss"] == _issuer(http)
    assert claims["sub"] == claims["client_id"] == "backend"
    assert claims["exp"] - claims["iat"] == 3600
    header = body["access_token"].split(".")[0]
    assert b'"typ":"at+jwt"' in base64.urlsafe_b64decode(header + "==")
    post = http.post(
        "/oidc/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "backend",
            "client_secret": "S3cret-value",
            "resource": MANAGEMENT,
            "scope": "all unknown",
        },
    )
    assert post.status_code == 200 and post.json()["scope"] == "all"  # client_secret_post


@pytest.mark.loopback
@pytest.mark.parametrize(
    ("headers", "form", "status", "error"),
    [
        (_basic("backend", "wrong"), {}, 401, "invalid_client"),
        (_basic("nobody", "S3cret-value"), {}, 401, "invalid_client"),
        ({"authorization": "Basic !!!"}, {}, 401, "invalid_client"),
        ({}, {}, 401, "invalid_client"),
        ({}, {"client_id": "demo-app"}, 400, "unauthorized_client"),
        (
            _basic("backend", "S3cret-value"),
            {"resource": "https://other.test"},
            400,
            "invalid_target",
        ),
        (_basic("backend", "S3cret-value"), {"resource": ""}, 400, "invalid_target"),
    ],
)
def test_token_refusals(
    http: httpx.Client, headers: dict[str, str], form: dict[str, str], status: int, error: str
) -> None:
    data = {"grant_type": "client_credentials", "resource": MANAGEMENT, **form}
    answer = http.post("/oidc/token", data=data, headers=headers)
    assert answer.status_code == status
    body = answer.json()
    assert (body["error"], body["code"]) == (error, f"oidc.{error}")


def _forged(server: ExperienceServer, http: httpx.Client, **changes: Any) -> dict[str, str]:
    now = int(time.time())
    claims = {"sub": "backend", "client_id": "backend", "iss": _issuer(http), "aud": MANAGEMENT}
    claims.update({"scope": "all", "iat": now, "exp": now + 3600, **changes})
    return {"authorization": "Bearer " + server.key.sign(claims, typ="at+jwt")}


@pytest.mark.loopback
def test_bearer_checks(server: ExperienceServer, http: httpx.Client) -> None:
    def code(headers: dict[str, str]) -> tuple[int, str]:
        answer = http.get("/api/users", headers=headers)
        return answer.status_code, answer.json()["code"]

    assert code({}) == (401, "auth.authorization_header_missing")
    assert code({"authorization": "Basic abc"}) == (
        401,
        "auth.authorization_token_type_not_supported",
    )
    assert code({"authorization": "Bearer not-a-jwt"}) == (401, "auth.unauthorized")
    assert code(_forged(server, http, aud="https://other.test")) == (401, "auth.unauthorized")
    assert code(_forged(server, http, iss="https://elsewhere.test/oidc")) == (
        401,
        "auth.unauthorized",
    )
    assert code(_forged(server, http, exp=int(time.time()) - 1)) == (401, "auth.unauthorized")
    assert code(_forged(server, http, scope="read")) == (403, "auth.forbidden")
    other = ExperienceServer()  # a token signed by another server's key
    assert code(_forged(other, http)) == (401, "auth.unauthorized")
    assert http.get("/api/users", headers=_forged(server, http)).status_code == 200


@pytest.mark.loopback
def test_a_token_expires_with_the_server_clock(
    server: ExperienceServer, http: httpx.Client
) -> None:
    headers = _bearer(http)
    assert http.get("/api/sign-in-exp", headers=headers).status_code == 200
    later = time.time() + 3601
    server.clock = lambda: later
    answer = http.get("/api/sign-in-exp", headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (401, "auth.unauthorized")


@pytest.mark.loopback
def test_unserved_routes_answer_as_unknown_routes(http: httpx.Client) -> None:
    for method, path in [
        ("GET", "/api/connectors"),  # a Management API route this server does not serve
        ("GET", "/api/nothing-here"),
    ]:
        answer = http.request(method, path)  # no token: no auth check either
        assert (answer.status_code, answer.text) == (404, "Not Found"), path
    wrong = http.put("/api/users")  # a known path: koa-router's 405, before any auth check
    assert (wrong.status_code, wrong.text) == (405, "Method Not Allowed")
    assert wrong.headers["allow"] == "HEAD, GET, POST"
    document = http.get("/api/swagger.json")
    assert document.status_code == 200 and document.json()["info"]["version"] == "1.42.0"


def _create(http: httpx.Client, headers: dict[str, str], **body: Any) -> httpx.Response:
    return http.post("/api/users", json=body, headers=headers)


@pytest.mark.loopback
def test_pagination_and_search(http: httpx.Client) -> None:
    headers = _bearer(http)
    for name in ("Ada", "ada_two", "Bob", "Cy"):
        assert _create(http, headers, username=name.replace(" ", "_")).status_code == 200
    _create(http, headers, username="mail_user", primaryEmail="someone@example.org")

    def names(**query: str) -> tuple[list[str], str]:
        answer = http.get("/api/users", params=query, headers=headers)
        assert answer.status_code == 200, answer.text
        return [u["username"] for u in answer.json()], answer.headers["total-number"]

    assert names() == (["mail_user", "Cy", "Bob", "ada_two", "Ada"], "5")
    assert names(page="2", page_size="2") == (["Bob", "ada_two"], "5")
    assert names(page="9", page_size="2") == ([], "5")
    assert names(search="%ada%") == (["ada_two", "Ada"], "2")  # ilike by default
    assert names(search="%ada%", isCaseSensitive="true") == (["ada_two"], "1")
    assert names(search="_ob") == (["Bob"], "1")
    assert names(**{"search.primaryEmail": "%@example.org"}) == (["mail_user"], "1")
    for bad in ({"page": "0"}, {"page_size": "101"}, {"page": "x"}):
        answer = http.get("/api/users", params=bad, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (400, "guard.invalid_pagination")
    for bad in ({"search.password": "x"}, {"search": ""}, {"joint": "xor", "search": "a"}):
        answer = http.get("/api/users", params=bad, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (400, "request.invalid_input")


@pytest.mark.loopback
def test_user_routes_refuse_as_logto_does(http: httpx.Client) -> None:
    headers = _bearer(http)
    invalid = _create(http, headers, username="1-not-valid")
    assert (invalid.status_code, invalid.json()["code"]) == (400, "guard.invalid_input")
    both = _create(http, headers, password="Pw-123456", passwordDigest="abc")
    assert (both.status_code, both.json()["code"]) == (400, "user.password_and_digest")
    digest = _create(http, headers, passwordDigest="abc")
    assert digest.json()["code"] == "user.password_algorithm_required"
    hashed = _create(http, headers, passwordDigest="abc", passwordAlgorithm="MD5")
    assert hashed.status_code == 200 and hashed.json()["hasPassword"] is True
    first = _create(http, headers, username="one", primaryEmail="one@example.org").json()
    second = _create(http, headers, username="two").json()
    again = _create(http, headers, username="one")
    assert (again.status_code, again.json()["code"]) == (422, "user.username_already_in_use")
    other_case = _create(http, headers, username="ONE")  # usernames keep their case
    assert other_case.status_code == 200
    answer = _create(http, headers, primaryEmail="One@Example.org")  # emails do not
    assert (answer.status_code, answer.json()["code"]) == (422, "user.email_already_in_use")
    for body, code in (
        ({"username": "one"}, "user.username_already_in_use"),
        ({"primaryEmail": "One@Example.org"}, "user.email_already_in_use"),
    ):
        patch = http.patch(f"/api/users/{second['id']}", json=body, headers=headers)
        assert (patch.status_code, patch.json()["code"]) == (422, code)
    cleared = http.patch(f"/api/users/{first['id']}", json={"primaryEmail": ""}, headers=headers)
    assert cleared.status_code == 200 and cleared.json()["primaryEmail"] == ""  # kept as ""
    nulled = http.patch(f"/api/users/{first['id']}", json={"primaryEmail": None}, headers=headers)
    assert nulled.status_code == 200 and nulled.json()["primaryEmail"] is None
    missing = http.delete("/api/users/nobody", headers=headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "entity.not_found")
    assert missing.json()["message"] == "The resource does not exist."


@pytest.mark.loopback
def test_sign_in_experience_patch_checks_and_effects(
    server: ExperienceServer, http: httpx.Client
) -> None:
    headers = _bearer(http)

    def patch(body: dict[str, Any]) -> httpx.Response:
        return http.patch("/api/sign-in-exp", json=body, headers=headers)

    for mfa, status, code in (
        (
            {"factors": ["BackupCode"], "policy": "UserControlled"},
            400,
            "backup_code_cannot_be_enabled_alone",
        ),
        ({"factors": ["Totp", "Totp"], "policy": "UserControlled"}, 400, "duplicated_mfa_factors"),
        (
            {"factors": ["Totp"], "policy": "PromptOnlyAtSignInMandatory"},
            422,
            "non_adaptive_mfa_requires_skippable_policy",
        ),
    ):
        answer = patch({"mfa": mfa})
        assert (answer.status_code, answer.json()["code"]) == (
            status,
            f"sign_in_experiences.{code}",
        )
    adaptive = patch(
        {"adaptiveMfa": {"enabled": True}, "mfa": {"factors": [], "policy": "Mandatory"}}
    )
    assert adaptive.json()["code"] == "sign_in_experiences.adaptive_mfa_requires_mfa"
    done = patch(
        {
            "signInMode": "SignIn",
            "passwordPolicy": {"length": {"min": 12, "max": 256}},
            "color": {
                "primaryColor": "#123456",
                "isDarkModeEnabled": True,
                "darkPrimaryColor": "#654321",
            },
            "termsOfUseUrl": "",
        }
    )
    assert done.status_code == 200, done.text
    assert (server.settings.sign_in_mode, server.settings.password_min_length) == ("SignIn", 12)
    view = http.get("/api/sign-in-exp", headers=headers).json()
    assert view["color"]["primaryColor"] == "#123456" and view["signInMode"] == "SignIn"
    assert view["passwordPolicy"]["length"] == {"min": 12, "max": 256}


def test_parse_m2m_app() -> None:
    app = parse_m2m_app("backend:a:b")
    assert (app.id, app.secret) == ("backend", "a:b") and "a:b" not in repr(app)
    for bad in ("backend", ":secret", "backend:"):
        with pytest.raises(ValueError, match="ID=SECRET"):
            parse_m2m_app(bad)
    assert M2MApp("x").secret != M2MApp("x").secret  # random by default
