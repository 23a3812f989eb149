"""The spec-driven input guard: 400 ``guard.invalid_input`` with zod-like issues."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio

PASSWORD = "/api/experience/verification/password"


@pytest.fixture
async def http(http: httpx.AsyncClient) -> httpx.AsyncClient:
    """The interaction with its experience started: Logto guards bodies only after that."""
    assert (await http.put("/api/experience", json={"interactionEvent": "SignIn"})).is_success
    return http


async def _invalid(response: httpx.Response, message: str = "The request body is invalid.") -> Any:
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["code"] == "guard.invalid_input"
    assert body["message"] == message
    assert body["data"]["name"] == "ZodError"
    return body


async def test_bad_enum_matches_observed_logto_body(http: httpx.AsyncClient) -> None:
    response = await http.post(
        PASSWORD, json={"identifier": {"type": "usernamex", "value": "a"}, "password": "x"}
    )
    body = await _invalid(response)
    assert list(body) == ["code", "data", "details", "message"]
    (issue,) = body["data"]["issues"]
    assert issue["code"] == "invalid_enum_value"
    assert issue["received"] == "usernamex"
    assert issue["options"] == ["username", "email", "phone"]
    assert issue["path"] == ["identifier", "type"]
    assert issue["message"].startswith("Invalid enum value.")
    assert body["details"].startswith('Error in key path "identifier.type": ')


async def test_bogus_interaction_event(http: httpx.AsyncClient) -> None:
    body = await _invalid(await http.put("/api/experience", json={"interactionEvent": "Bogus"}))
    assert [i["path"] for i in body["data"]["issues"]] == [["interactionEvent"]]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        # missing required property: zod says invalid_type, received "undefined"
        (
            {"identifier": {"type": "username"}, "password": "x"},
            {
                "code": "invalid_type",
                "received": "undefined",
                "expected": "string",
                "path": ["identifier", "value"],
                "message": "Required",
            },
        ),
        # wrong type
        (
            {"identifier": {"type": "username", "value": 5}, "password": "x"},
            {
                "code": "invalid_type",
                "expected": "string",
                "received": "number",
                "path": ["identifier", "value"],
            },
        ),
        # minLength
        (
            {"identifier": {"type": "username", "value": "a"}, "password": ""},
            {"code": "too_small", "minimum": 1, "type": "string", "path": ["password"]},
        ),
    ],
)
async def test_issue_shapes(
    http: httpx.AsyncClient, payload: dict[str, Any], expected: dict[str, Any]
) -> None:
    body = await _invalid(await http.post(PASSWORD, json=payload))
    (issue,) = body["data"]["issues"]
    assert expected.items() <= issue.items()


async def test_pattern_break_is_invalid_string(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/api/experience/verification/new-password-identity",
        json={"identifier": {"type": "username", "value": "1-bad"}, "password": "x"},
    )
    (issue,) = (await _invalid(response))["data"]["issues"]
    assert issue == {
        "validation": "regex",
        "code": "invalid_string",
        "message": "Invalid",
        "path": ["identifier", "value"],
    }


async def test_literal_mismatch_is_invalid_literal(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/api/experience/verification/new-password-identity",
        json={"identifier": {"type": "email", "value": "bob"}, "password": "x"},
    )
    (issue,) = (await _invalid(response))["data"]["issues"]
    assert issue["code"] == "invalid_literal" and issue["expected"] == "username"


async def test_bad_discriminator(http: httpx.AsyncClient) -> None:
    body = await _invalid(await http.post("/api/experience/profile", json={"type": "avatar"}))
    (issue,) = body["data"]["issues"]
    assert issue["code"] == "invalid_union_discriminator"
    assert issue["path"] == ["type"]
    assert issue["options"] == ["username", "password", "email", "phone", "social", "extraProfile"]


async def test_bad_email_query(http: httpx.AsyncClient) -> None:
    response = await http.get("/api/experience/sso-connectors", params={"email": "notanemail"})
    body = await _invalid(response, "The request query is invalid.")
    assert body["data"]["issues"] == [
        {
            "validation": "email",
            "code": "invalid_string",
            "message": "Invalid email",
            "path": ["email"],
        }
    ]


async def test_malformed_json_is_the_parsers_message_without_a_code(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        PASSWORD, content=b'{"identifier": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"message": "Unexpected end of JSON input"}


async def test_empty_body_is_an_empty_object(http: httpx.AsyncClient) -> None:
    body = await _invalid(await http.post(PASSWORD))
    paths = [i["path"] for i in body["data"]["issues"]]
    assert ["identifier"] in paths and ["password"] in paths


async def test_deep_nesting_is_a_400_not_a_crash(http: httpx.AsyncClient) -> None:
    deep = "[" * 5000 + "]" * 5000
    response = await http.post(
        PASSWORD, content=deep.encode(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "guard.invalid_input"


async def test_identification_without_verification_id_during_sign_in(
    http: httpx.AsyncClient,
) -> None:
    await http.put("/api/experience", json={"interactionEvent": "SignIn"})
    response = await http.post("/api/experience/identification", json={})
    assert response.status_code == 400
    assert response.json() == {
        "code": "guard.invalid_input",
        "message": "The request {{type}} is invalid.",
    }


async def test_unknown_keys_are_stripped_not_rejected(http: httpx.AsyncClient) -> None:
    response = await http.put(
        "/api/experience", json={"interactionEvent": "SignIn", "extra": {"nested": [1]}}
    )
    assert response.status_code == 204
