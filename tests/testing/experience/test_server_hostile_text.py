"""Text that is not ASCII (or not even valid UTF-16) where the server compares or hashes a
secret: a 4xx as Logto answers it, never a 500 (issue 26, found beside item 11)."""

from __future__ import annotations

import json

import httpx
import pytest
from _support import AUTH_QUERY, CODE_VERIFIER, SEED_USER

pytestmark = pytest.mark.anyio

PASSWORD = "/api/experience/verification/password"
SEND = "/api/experience/verification/verification-code"
VERIFY = "/api/experience/verification/verification-code/verify"


JSON = {"content-type": "application/json"}


def _escaped(body: object) -> bytes:
    return json.dumps(body).encode()  # ensure_ascii: a lone surrogate goes as "\\ud800"


@pytest.fixture
async def started(http: httpx.AsyncClient) -> httpx.AsyncClient:
    assert (await http.put("/api/experience", json={"interactionEvent": "SignIn"})).is_success
    return http


@pytest.mark.parametrize("password", ["\ud800", "é" * 3, "\udfff\ud800x"])
async def test_a_password_with_any_text_is_a_mismatch(
    started: httpx.AsyncClient, password: str
) -> None:
    # the JSON text carries the lone surrogates as escapes, as a hostile client sends them
    body = {"identifier": {"type": "username", "value": SEED_USER[0]}, "password": password}
    answer = await started.post(PASSWORD, content=_escaped(body), headers=JSON)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "session.invalid_credentials"


@pytest.mark.parametrize("code", ["ééééé", "\ud800\ud800"])
async def test_a_verification_code_with_any_text_is_a_mismatch(
    started: httpx.AsyncClient, code: str
) -> None:
    identifier = {"type": "email", "value": "ann@mail.example.org"}
    sent = await started.post(SEND, json={"identifier": identifier, "interactionEvent": "SignIn"})
    assert sent.status_code == 200, sent.text
    payload = {"identifier": identifier, "verificationId": sent.json()["verificationId"]}
    answer = await started.post(VERIFY, content=_escaped({**payload, "code": code}), headers=JSON)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "verification_code.code_mismatch"


async def test_a_non_ascii_pkce_challenge_fails_the_exchange_not_the_server(
    http: httpx.AsyncClient,
) -> None:
    query = {**AUTH_QUERY, "code_challenge": "é" * 43}
    assert (await http.get("/oidc/auth", params=query)).status_code == 303
    await http.put("/api/experience", json={"interactionEvent": "SignIn"})
    body = {"identifier": {"type": "username", "value": SEED_USER[0]}, "password": SEED_USER[1]}
    verified = (await http.post(PASSWORD, json=body)).json()
    await http.post("/api/experience/identification", json=verified)
    redirect_to = (await http.post("/api/experience/submit")).json()["redirectTo"]
    location = (await http.get(redirect_to)).headers["location"]
    code = httpx.URL(location).params["code"]
    answer = await http.post(
        "/oidc/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": AUTH_QUERY["client_id"],
            "redirect_uri": AUTH_QUERY["redirect_uri"],
            "code_verifier": CODE_VERIFIER,
        },
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_grant"
