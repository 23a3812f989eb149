"""The embedded server's Management API rules that the shared corpus does not exercise, each
read from Logto 1.42's source (koa-router, ``koaPagination``, ``koaGuard``, the ``admin-user``
routes, ``utils/search``, the sign-in experience library) and the database under it."""

from __future__ import annotations

import base64
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from logto_dynamic.testing import ExperienceServer, SignInExperience
from logto_dynamic.testing.management._context import js_number
from logto_dynamic.testing.oidc._m2m import M2MApp

pytestmark = pytest.mark.anyio

APP = ("rules-backend", "Rules-S3cret")


def _server(**settings: Any) -> ExperienceServer:
    base = {"verification_code_connector": False, "sign_in_identifiers": ("username",)}
    return ExperienceServer(SignInExperience(**{**base, **settings}), m2m_apps=[M2MApp(*APP)])


@asynccontextmanager
async def _client(server: ExperienceServer) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``server`` holding a Management API token."""
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await _authorize(client)
        yield client


async def _authorize(client: httpx.AsyncClient) -> None:
    basic = base64.b64encode(":".join(APP).encode()).decode()
    token = await client.post(
        "/oidc/token",
        data={
            "grant_type": "client_credentials",
            "resource": "https://default.logto.app/api",
            "scope": "all",
        },
        headers={"authorization": f"Basic {basic}"},
    )
    client.headers["authorization"] = f"Bearer {token.json()['access_token']}"


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with _client(_server()) as client:
        yield client


def _answer(response: httpx.Response) -> tuple[int, str | None]:
    try:
        body = response.json()
    except ValueError:
        return response.status_code, None
    return response.status_code, body.get("code") if isinstance(body, dict) else None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("", 0.0), ("  2 ", 2.0), ("1e1", 10.0), ("1.0", 1.0), ("0x2", 2.0), ("0B11", 3.0),
        ("0o17", 15.0), (".5", 0.5), ("5.", 5.0), ("\ufeff3", 3.0), ("+4", 4.0),
        ("Infinity", math.inf), ("-Infinity", -math.inf),
    ],
)  # fmt: skip
def test_page_values_are_read_as_javascript_numbers(text: str, value: float) -> None:
    assert js_number(text) == value


@pytest.mark.parametrize("text", ["abc", "-0x2", "1_0", "inf", "nan", "0x", "1e", "2 2"])
def test_what_javascript_reads_as_nan(text: str) -> None:
    assert math.isnan(js_number(text))


async def _users(api: httpx.AsyncClient, count: int, prefix: str = "pg") -> None:
    for index in range(count):
        created = await api.post("/api/users", json={"username": f"{prefix}_{index}"})
        assert created.status_code == 200, created.text


@pytest.mark.parametrize(
    ("query", "status", "code", "returned"),
    [
        ({"page": ""}, 200, None, 3),
        ({"page": "0x2", "page_size": "2"}, 200, None, 1),
        ({"page_size": "1e1"}, 200, None, 3),
        ({"page": "1.0", "page_size": "2.0"}, 200, None, 2),
        ({"page": " 2", "page_size": "2"}, 200, None, 1),
        ({"page": "1.5"}, 200, None, 0),  # offset 10 of 3 users: an empty page
        ({"page_size": "2.5"}, 422, "entity.invalid_input", None),  # LIMIT '2.5'
        ({"page": "1.5", "page_size": "3"}, 422, "entity.invalid_input", None),  # OFFSET '1.5'
        ({"page": "Infinity"}, 422, "entity.invalid_input", None),
        ({"page": "99999999999999999999"}, 422, "entity.invalid_input", None),  # '2e+21'
        ({"page": "12345678901234567890"}, 500, None, None),  # out of bigint range
        ({"page": "0.5"}, 500, None, None),  # a negative OFFSET
        ({"page": ["1", "2"]}, 400, "guard.invalid_pagination", None),
        ({"page": "0"}, 400, "guard.invalid_pagination", None),
        ({"page": "  "}, 400, "guard.invalid_pagination", None),  # Number("  ") is 0
        ({"page_size": "101"}, 400, "guard.invalid_pagination", None),
        ({"page_size": "Infinity"}, 400, "guard.invalid_pagination", None),
    ],
)
async def test_pagination_follows_javascript_and_the_database(
    api: httpx.AsyncClient, query: dict[str, Any], status: int, code: str | None, returned: int
) -> None:
    await _users(api, 3)
    answer = await api.get("/api/users", params=query)
    assert _answer(answer) == (status, code), answer.text
    if returned is not None:
        assert len(answer.json()) == returned and answer.headers["total-number"] == "3"


async def test_a_search_error_comes_before_the_database_window(api: httpx.AsyncClient) -> None:
    answer = await api.get("/api/users", params={"page_size": "2.5", "joint": "xor"})
    assert _answer(answer) == (400, "request.invalid_input")


async def test_routing_as_koa_router_answers() -> None:
    server = _server()
    async with _client(server) as api:
        await _users(api, 2)
        upper = await api.get("/api/Users")
        assert upper.status_code == 200 and upper.headers["total-number"] == "2"
        assert (await api.get("/API/users")).status_code == 404  # the mount keeps its case
        head = await api.head("/api/users")
        assert (head.status_code, head.content, head.headers["total-number"]) == (200, b"", "2")
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anonymous:
        refused = await anonymous.head("/api/users")
        assert (refused.status_code, refused.content) == (401, b"")
        options = await anonymous.options("/api/users/someone")  # no auth: allowedMethods
        assert (options.status_code, options.content) == (200, b"")
        assert options.headers["allow"] == "HEAD, GET, PATCH, DELETE"
        assert (await anonymous.options("/api/nothing")).status_code == 404
        assert (await anonymous.put("/api/users/someone")).status_code == 405
        # a path of the document this server does not serve still has its methods
        assert (await anonymous.get("/api/users/someone/password")).status_code == 405
        assert (await anonymous.request("BREW", "/api/users")).status_code == 501


async def test_user_columns_and_identifiers(api: httpx.AsyncClient) -> None:
    too_long = await api.post("/api/users", json={"username": "u" * 129})
    assert _answer(too_long) == (422, "entity.value_too_long")
    assert (await api.post("/api/users", json={"username": "u" * 128})).status_code == 200
    assert _answer(await api.post("/api/users", json={"name": "n" * 129})) == (
        422,
        "entity.value_too_long",
    )
    assert (await api.post("/api/users", json={"username": "Case_Kept"})).status_code == 200
    assert (await api.post("/api/users", json={"username": "case_kept"})).status_code == 200
    await api.post("/api/users", json={"primaryEmail": "Mixed@Example.org"})
    email = await api.post("/api/users", json={"primaryEmail": "mixed@example.ORG"})
    assert _answer(email) == (422, "user.email_already_in_use")
    phone = await api.post("/api/users", json={"primaryPhone": "0123456789"})
    assert _answer(phone) == (422, "user.invalid_phone")  # no country calling code
    first = (await api.post("/api/users", json={"username": "first_one"})).json()
    second = (await api.post("/api/users", json={"username": "second_one"})).json()
    emptied = await api.patch(f"/api/users/{first['id']}", json={"username": ""})
    assert emptied.status_code == 200 and emptied.json()["username"] == ""
    twice = await api.patch(f"/api/users/{second['id']}", json={"username": ""})
    assert _answer(twice) == (422, "user.username_already_in_use")  # the unique column


@pytest.mark.parametrize(
    ("digest", "status", "code"),
    [
        ('["md5", ["salt", "@"], "5f4dcc3b5aa765d61d8327deb882cf99"]', 200, None),
        ('["pbkdf2", ["hex:00ff", "1000", "32", "sha256", "@"], "x"]', 200, None),
        ("5f4dcc3b5aa765d61d8327deb882cf99", 400, "password.invalid_legacy_password_format"),
        ('["md5", ["salt"], "x"]', 400, "password.invalid_legacy_password_format"),
        ('["pbkdf2", ["hex:0f0", "@"], "x"]', 400, "password.invalid_legacy_password_format"),
        ('["rot13", ["@"], "x"]', 400, "password.unsupported_legacy_hash_algorithm"),
    ],
)
async def test_legacy_password_digests(
    api: httpx.AsyncClient, digest: str, status: int, code: str | None
) -> None:
    body = {"passwordDigest": digest, "passwordAlgorithm": "Legacy"}
    assert _answer(await api.post("/api/users", json=body)) == (status, code)


async def test_a_bom_before_the_json_is_accepted(api: httpx.AsyncClient) -> None:
    raw = b"\xef\xbb\xbf" + b'{"username": "bom_user"}'
    answer = await api.post("/api/users", content=raw, headers={"content-type": "application/json"})
    assert answer.status_code == 200 and answer.json()["username"] == "bom_user"


async def test_a_patch_that_sets_nothing_is_refused_and_stores_nothing(
    api: httpx.AsyncClient,
) -> None:
    user = (await api.post("/api/users", json={"username": "keeper"})).json()
    path = f"/api/users/{user['id']}"
    for options in ({"json": {}}, {"json": {"junk": 1, "isSuspended": True}}, {}):
        assert _answer(await api.patch(path, **options)) == (422, "entity.invalid_input")
    patched = await api.patch(path, json={"name": "Kept", "junk": 1, "profile": {"x": 1}})
    assert patched.status_code == 200
    assert "junk" not in patched.json() and patched.json()["profile"] == {}
    assert _answer(await api.get("/api/users/gone")) == (404, "entity.not_found")


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"search.username": "a\\_b"}, ["a_b"]),  # an escaped LIKE wildcard
        ({"search.username": "a_b"}, ["axb", "a_b"]),
        ({"search.username": "A_B", "mode.username": "exact"}, ["a_b"]),
        ({"search.username": "A_B", "mode": "exact", "isCaseSensitive": "true"}, []),
        ({"search.username": ["a_b", "axb"], "mode.username": "exact"}, ["axb", "a_b"]),
        ({"search.username": "^a.b$", "mode.username": "posix"}, ["axb", "a_b"]),
        ({"search.username": "a(x|y)b", "mode": "similar_to", "isCaseSensitive": "1"}, ["axb"]),
        ({"search.primary_email": "%@x.org"}, ["a_b"]),
        ({"search": "%B", "joint": "and", "search.name": "%"}, []),
        ({"search": "%B", "jointMode": "or", "search.name": "%"}, ["axb", "a_b"]),
    ],
)
async def test_search_as_logto_and_postgres_apply_it(
    api: httpx.AsyncClient, query: dict[str, Any], names: list[str]
) -> None:
    await api.post("/api/users", json={"username": "a_b", "primaryEmail": "ab@x.org"})
    await api.post("/api/users", json={"username": "axb"})
    answer = await api.get("/api/users", params=query)
    assert answer.status_code == 200, answer.text
    assert sorted(u["username"] for u in answer.json()) == sorted(names)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"search.username": "a(b)", "mode.username": "similar_to"}, 400),  # needs case
        ({"search.nickname": "x"}, 400),
        ({"search.username.first": "x"}, 400),
        ({"search": ""}, 400),
        ({"search": ["%a%", "%b%"]}, 400),
        ({"search": "x", "mode": "regex"}, 400),
        ({"search": "x", "joint": "xor"}, 400),
        ({"excludeRoleId": "r", "excludeOrganizationId": "o"}, 400),
        ({"search": "x\\"}, 500),  # a LIKE pattern ending in its escape character
        ({"search": "(", "mode": "posix"}, 500),  # an invalid regular expression
    ],
)
async def test_search_refusals(api: httpx.AsyncClient, query: dict[str, Any], status: int) -> None:
    answer = await api.get("/api/users", params=query)
    expected = (400, "request.invalid_input") if status == 400 else (500, None)
    assert _answer(answer) == expected


async def test_sign_in_experience_rules(api: httpx.AsyncClient) -> None:
    before = (await api.get("/api/sign-in-exp")).json()
    for body in ({}, {"unknownTopLevel": 1}):
        answer = await api.patch("/api/sign-in-exp", json=body)
        assert _answer(answer) == (422, "entity.invalid_input")
    email = {"signUp": {"identifiers": ["email"], "password": True, "verify": True}}
    refused = await api.patch("/api/sign-in-exp", json=email)
    assert _answer(refused) == (400, "sign_in_experiences.enabled_connector_not_found")
    for policy, status in (
        ({"length": {"min": 300}}, 200),
        ({"length": {"min": 0}}, 400),
        ({"length": {"min": 8.5}}, 400),
        ({"characterTypes": {"min": 5}}, 400),
        ({"rejects": {"words": [1]}}, 400),
        ({"bogus": 1}, 200),
    ):
        answer = await api.patch("/api/sign-in-exp", json={"passwordPolicy": policy})
        assert answer.status_code == status, (policy, answer.text)
    now = (await api.get("/api/sign-in-exp")).json()
    assert now["passwordPolicy"] == {} and set(now) == set(before)
    branding = await api.patch("/api/sign-in-exp", json={"hideLogtoBranding": True})
    assert _answer(branding) == (400, "request.invalid_input")  # Logto Cloud only
    restore = {k: v for k, v in before.items() if k not in ("tenantId", "id")}
    assert (await api.patch("/api/sign-in-exp", json=restore)).status_code == 200
    assert (await api.get("/api/sign-in-exp")).json() == before


async def test_email_sign_up_with_a_connector() -> None:
    async with _client(_server(verification_code_connector=True)) as api:
        body = {"signUp": {"identifiers": ["email"], "password": True, "verify": True}}
        assert (await api.patch("/api/sign-in-exp", json=body)).status_code == 200
