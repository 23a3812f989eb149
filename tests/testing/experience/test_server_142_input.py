"""Logto 1.42's answers to malformed input, beyond the conformance corpus: the body parser,
the order of checks, identifier formats and the connector errors (embedded server, in process).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from logto_dynamic.testing import ExperienceServer, SignInExperience

pytestmark = pytest.mark.anyio

NOT_OBJECT = {"message": "invalid JSON, only supports object and array"}
PASSWORD = "/api/experience/verification/password"
SEND = "/api/experience/verification/verification-code"
VERIFY = "/api/experience/verification/verification-code/verify"


@pytest.fixture
async def started(http: httpx.AsyncClient) -> httpx.AsyncClient:
    """An interaction whose experience has started (``SignIn``)."""
    assert (await http.put("/api/experience", json={"interactionEvent": "SignIn"})).is_success
    return http


def _code(response: httpx.Response) -> tuple[int, Any]:
    body = response.json()
    return response.status_code, body.get("code") if isinstance(body, dict) else body


async def _raw(http: httpx.AsyncClient, method: str, path: str, text: str, media: str) -> Any:
    return await http.request(method, path, content=text.encode(), headers={"content-type": media})


@pytest.mark.parametrize("text", ["42", "null", "true", '"text"', "-1.5e3", "  7", "   ", "x"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/api/experience"), ("POST", PASSWORD), ("PUT", "/api/experience/profile/password")],
)
async def test_json_that_is_not_an_object_or_array(
    started: httpx.AsyncClient, method: str, path: str, text: str
) -> None:
    response = await _raw(started, method, path, text, "application/json")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == NOT_OBJECT


@pytest.mark.parametrize("media", ["application/vnd.api+json", "application/json; charset=utf-8"])
async def test_other_json_media_types_are_parsed_strictly(
    started: httpx.AsyncClient, media: str
) -> None:
    assert (await _raw(started, "PUT", "/api/experience", "0", media)).json() == NOT_OBJECT


AT = "in JSON at position"
MALFORMED = [
    ("{bad", f"Expected property name or '}}' {AT} 1 (line 1 column 2)"),
    ('{"a": 1,}', f"Expected double-quoted property name {AT} 8 (line 1 column 9)"),
    ("[1,", "Unexpected end of JSON input"),
    ('{"a": 1} x', "Unexpected non-whitespace character after JSON at position 9 (line 1 column 10)"),  # noqa: E501
    ('{"a" 1}', f"Expected ':' after property name {AT} 5 (line 1 column 6)"),
    ("[1 2]", f"Expected ',' or ']' after array element {AT} 3 (line 1 column 4)"),
    ('{\n"a": 1 "b"}', f"Expected ',' or '}}' after property value {AT} 9 (line 2 column 8)"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), MALFORMED)
async def test_malformed_json_gets_the_parsers_message_and_no_code(
    started: httpx.AsyncClient, text: str, message: str
) -> None:
    response = await _raw(started, "POST", PASSWORD, text, "application/json")
    assert (response.status_code, response.json()) == (400, {"message": message})


async def test_nan_is_not_json(started: httpx.AsyncClient) -> None:
    response = await _raw(started, "POST", PASSWORD, '{"a": NaN}', "application/json")
    assert response.status_code == 400 and set(response.json()) == {"message"}


async def test_other_media_types(started: httpx.AsyncClient) -> None:
    urlencoded = "application/x-www-form-urlencoded"
    form = await _raw(started, "PUT", "/api/experience", "interactionEvent=Register", urlencoded)
    assert form.status_code == 204  # a form is read as an object of strings
    text = await _raw(
        started, "PUT", "/api/experience", '{"interactionEvent":"SignIn"}', "text/plain"
    )
    assert _code(text) == (400, "guard.invalid_input")  # text arrives as a string
    unknown = await _raw(started, "PUT", "/api/experience", "42", "application/octet-stream")
    body = unknown.json()
    assert body["code"] == "guard.invalid_input"  # not read at all: the guard sees {}
    assert body["data"]["issues"][0]["path"] == ["interactionEvent"]


async def test_operations_without_a_body_never_parse_one(started: httpx.AsyncClient) -> None:
    response = await _raw(started, "POST", "/api/experience/submit", "42", "application/json")
    assert _code(response) == (404, "session.identifier_not_found")


async def test_order_cookie_then_started_experience_then_body(server: ExperienceServer) -> None:
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as bare:
        response = await _raw(bare, "POST", PASSWORD, "42", "application/json")
        assert _code(response) == (400, "session.not_found")
        from _support import AUTH_QUERY

        assert (await bare.get("/oidc/auth", params=AUTH_QUERY)).status_code == 303
        for text in ("42", "{bad", "{}"):
            response = await _raw(bare, "POST", PASSWORD, text, "application/json")
            assert _code(response) == (404, "session.interaction_not_found")
        assert (await bare.put("/api/experience", content=b"42")).status_code == 400


BAD_EMAILS = ["a@b", "Bogus", "@x.io", "x@y.", "a b@c.io", "", "x" * 250 + "@example.com"]
BAD_PHONES = ["+15551234567", "555-1234", "12ab", "", "1 555"]


@pytest.mark.parametrize(
    "identifier",
    [{"type": "email", "value": v} for v in BAD_EMAILS]
    + [{"type": "phone", "value": v} for v in BAD_PHONES]
    + [{"type": "username", "value": "alice"}, {"type": "email"}, {"type": "phone", "value": 5}],
)
async def test_code_identifiers_logto_refuses(
    started: httpx.AsyncClient, identifier: dict[str, Any]
) -> None:
    send = await started.post(SEND, json={"identifier": identifier, "interactionEvent": "SignIn"})
    assert _code(send) == (400, "guard.invalid_input")
    payload = {"identifier": identifier, "verificationId": "v", "code": "1"}
    assert _code(await started.post(VERIFY, json=payload)) == (400, "guard.invalid_input")


GOOD = [{"type": "email", "value": "ann+x@mail.example.org"}, {"type": "phone", "value": "4915"}]


@pytest.mark.parametrize("identifier", GOOD)
async def test_code_identifiers_logto_takes(
    started: httpx.AsyncClient, identifier: dict[str, Any]
) -> None:
    send = await started.post(SEND, json={"identifier": identifier, "interactionEvent": "SignIn"})
    assert send.status_code == 200


async def test_connector_errors_when_connectors_exist(server: ExperienceServer) -> None:
    server.settings = SignInExperience(
        social_connectors=("github",), sso_connectors={"corp.com": ("okta",)}
    )
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        from _support import AUTH_QUERY

        await http.get("/oidc/auth", params=AUTH_QUERY)
        await http.put("/api/experience", json={"interactionEvent": "SignIn"})
        social = "/api/experience/verification/social"
        empty = {"state": "", "redirectUri": "http://127.0.0.1/cb"}
        assert _code(await http.post(f"{social}/github/authorization-uri", json=empty)) == (
            400,
            "session.insufficient_info",
        )
        ok = {"state": "s", "redirectUri": "http://127.0.0.1/cb"}
        created = (await http.post(f"{social}/github/authorization-uri", json=ok)).json()
        data = {"connectorData": {"code": "c"}}
        assert _code(await http.post(f"{social}/github/verify", json=data)) == (
            404,
            "session.verification_session_not_found",
        )
        wrong = {**data, "verificationId": "nope"}
        assert _code(await http.post(f"{social}/github/verify", json=wrong))[0] == 404
        right = {**data, "verificationId": created["verificationId"]}
        assert _code(await http.post(f"{social}/github/verify", json=right)) == (
            400,
            "session.verification_failed",
        )
        assert _code(await http.post(f"{social}/gitlab/verify", json=right)) == (
            422,
            "session.invalid_connector_id",
        )
        sso = "/api/experience/verification/sso"
        sso_created = (await http.post(f"{sso}/okta/authorization-uri", json=empty)).json()
        other = {**data, "verificationId": sso_created["verificationId"]}
        assert _code(await http.post(f"{sso}/other/verify", json=other)) == (
            404,
            "session.verification_session_not_found",
        )
        assert _code(await http.post(f"{sso}/other/authorization-uri", json=ok)) == (
            404,
            "entity.not_exists_with_id",
        )
