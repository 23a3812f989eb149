"""Interaction, identification, profile and verification-code behaviour of the server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from _support import AUTH_QUERY, SEED_USER

from logto_dynamic.testing import ExperienceServer, SignInExperience

pytestmark = pytest.mark.anyio

ALICE = {"type": "username", "value": SEED_USER[0]}


async def _start(http: httpx.AsyncClient, event: str) -> None:
    response = await http.put("/api/experience", json={"interactionEvent": event})
    assert response.status_code == 204, response.text


async def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str)
    return body


async def _password_verification(http: httpx.AsyncClient, password: str) -> httpx.Response:
    return await http.post(
        "/api/experience/verification/password", json={"identifier": ALICE, "password": password}
    )


async def test_wrong_password(http: httpx.AsyncClient) -> None:
    await _start(http, "SignIn")
    body = await _error(
        await _password_verification(http, "nope"), 422, "session.invalid_credentials"
    )
    assert body == {
        "code": "session.invalid_credentials",
        "message": "Incorrect account or password. Please check your input.",
    }


async def test_unknown_user_is_invalid_credentials_too(http: httpx.AsyncClient) -> None:
    await _start(http, "SignIn")
    response = await http.post(
        "/api/experience/verification/password",
        json={"identifier": {"type": "email", "value": "x@y.com"}, "password": "whatever"},
    )
    await _error(response, 422, "session.invalid_credentials")


async def test_sign_in_identify_is_204_and_submit_redirects(http: httpx.AsyncClient) -> None:
    await _start(http, "SignIn")
    verified = await _password_verification(http, SEED_USER[1])
    assert verified.status_code == 200
    assert verified.headers["content-type"] == "application/json; charset=utf-8"
    identified = await http.post("/api/experience/identification", json=verified.json())
    assert identified.status_code == 204 and "content-type" not in identified.headers
    submitted = await http.post("/api/experience/submit")
    assert submitted.status_code == 200
    assert submitted.json()["redirectTo"].startswith("http://testserver/oidc/auth/")


async def test_bogus_verification_id(http: httpx.AsyncClient) -> None:
    await _start(http, "SignIn")
    response = await http.post("/api/experience/identification", json={"verificationId": "bogus"})
    await _error(response, 404, "session.verification_session_not_found")


async def test_submit_before_identification(http: httpx.AsyncClient) -> None:
    await _start(http, "SignIn")
    await _error(await http.post("/api/experience/submit"), 404, "session.identifier_not_found")


async def test_register_identify_is_201_text_created(http: httpx.AsyncClient) -> None:
    await _start(http, "Register")
    created = await http.post(
        "/api/experience/verification/new-password-identity",
        json={"identifier": {"type": "username", "value": "bob"}, "password": "Zr8$meadow-Lynx"},
    )
    assert created.status_code == 200
    identified = await http.post("/api/experience/identification", json=created.json())
    assert identified.status_code == 201
    assert identified.headers["content-type"] == "text/plain; charset=utf-8"
    assert identified.text == "Created"
    assert (await http.post("/api/experience/submit")).status_code == 200


async def test_username_taken(http: httpx.AsyncClient) -> None:
    await _start(http, "Register")
    response = await http.post(
        "/api/experience/verification/new-password-identity",
        json={"identifier": ALICE, "password": "Zr8$meadow-Lynx"},
    )
    body = await _error(response, 422, "user.username_already_in_use")
    assert body["message"] == "This username is already in use."


async def test_weak_password_is_rejected_with_data(http: httpx.AsyncClient) -> None:
    await _start(http, "Register")
    response = await http.post(
        "/api/experience/verification/new-password-identity",
        json={"identifier": {"type": "username", "value": "bob"}, "password": "123"},
    )
    body = await _error(response, 422, "password.rejected")
    assert body["data"] == [
        {"code": "password_rejected.too_short", "interpolation": {"min": 8}},
        {"code": "password_rejected.restricted.sequence"},
    ]


async def test_update_interaction_event(http: httpx.AsyncClient) -> None:
    await _start(http, "SignIn")
    path = "/api/experience/interaction-event"
    assert (await http.put(path, json={"interactionEvent": "Register"})).status_code == 204
    response = await http.put(path, json={"interactionEvent": "ForgotPassword"})
    await _error(response, 400, "session.not_supported_for_forgot_password")
    await _start(http, "ForgotPassword")
    response = await http.put(path, json={"interactionEvent": "SignIn"})
    await _error(response, 400, "session.not_supported_for_forgot_password")


@pytest.mark.parametrize(("mode", "event"), [("SignIn", "Register"), ("Register", "SignIn")])
async def test_disabled_events_are_forbidden(mode: Any, event: str) -> None:
    server = ExperienceServer(SignInExperience(sign_in_mode=mode))
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        await http.get("/oidc/auth", params=AUTH_QUERY)
        response = await http.put("/api/experience", json={"interactionEvent": event})
        await _error(response, 403, "auth.forbidden")


async def test_disabled_sign_in_method(server: ExperienceServer) -> None:
    server.settings = SignInExperience(sign_in_identifiers=("email",))
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        await http.get("/oidc/auth", params=AUTH_QUERY)
        await _start(http, "SignIn")
        verified = await _password_verification(http, SEED_USER[1])
        response = await http.post("/api/experience/identification", json=verified.json())
        await _error(response, 422, "user.sign_in_method_not_enabled")


async def _email_code(
    http: httpx.AsyncClient, server: ExperienceServer, email: str, event: str
) -> str:
    identifier = {"type": "email", "value": email}
    sent = await http.post(
        "/api/experience/verification/verification-code",
        json={"identifier": identifier, "interactionEvent": event},
    )
    assert sent.status_code == 200
    verification_id: str = sent.json()["verificationId"]
    wrong = await http.post(
        "/api/experience/verification/verification-code/verify",
        json={"identifier": identifier, "verificationId": verification_id, "code": "000000x"},
    )
    await _error(wrong, 400, "verification_code.code_mismatch")
    verified = await http.post(
        "/api/experience/verification/verification-code/verify",
        json={
            "identifier": identifier,
            "verificationId": verification_id,
            "code": server.outbox.last_code(email),
        },
    )
    assert verified.status_code == 200
    return verification_id


async def test_register_by_email_then_forgot_password(
    http: httpx.AsyncClient, server: ExperienceServer
) -> None:
    await _start(http, "Register")
    email_id = await _email_code(http, server, "carol@example.com", "Register")
    identified = await http.post(
        "/api/experience/identification", json={"verificationId": email_id}
    )
    assert identified.status_code == 201
    assert (await http.post("/api/experience/submit")).status_code == 200
    await http.get("/oidc/auth", params=AUTH_QUERY)
    await _start(http, "ForgotPassword")
    response = await http.put("/api/experience/profile/password", json={"password": "x"})
    await _error(response, 404, "session.identifier_not_found")
    email_id = await _email_code(http, server, "carol@example.com", "ForgotPassword")
    await http.post("/api/experience/identification", json={"verificationId": email_id})
    response = await http.post("/api/experience/profile", json={"type": "username", "value": "c"})
    await _error(response, 400, "session.not_supported_for_forgot_password")
    await _error(
        await http.post("/api/experience/submit"), 422, "user.new_password_required_in_profile"
    )
    reset = await http.put("/api/experience/profile/password", json={"password": "Vb2%harbor-Owl"})
    assert reset.status_code == 204
    submitted = await http.post("/api/experience/submit")
    assert submitted.status_code == 200
    assert submitted.headers["content-type"] == "text/plain; charset=utf-8"
    assert submitted.text == "OK"
    assert server.users.find("email", "carol@example.com").check_password(  # type: ignore[union-attr]
        "Vb2%harbor-Owl"
    )


async def test_reset_password_outside_forgot_password(http: httpx.AsyncClient) -> None:
    await _start(http, "SignIn")
    response = await http.put("/api/experience/profile/password", json={"password": "x"})
    await _error(response, 400, "session.invalid_interaction_type")


async def test_verification_code_connector_missing(server: ExperienceServer) -> None:
    server.settings = SignInExperience(verification_code_connector=False)
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        await http.get("/oidc/auth", params=AUTH_QUERY)
        await _start(http, "SignIn")
        response = await http.post(
            "/api/experience/verification/verification-code",
            json={
                "identifier": {"type": "email", "value": "a@b.com"},
                "interactionEvent": "SignIn",
            },
        )
        await _error(response, 501, "connector.not_found")


async def test_add_profile_in_sign_in_needs_identification(http: httpx.AsyncClient) -> None:
    await _start(http, "SignIn")
    response = await http.post("/api/experience/profile", json={"type": "username", "value": "z"})
    await _error(response, 404, "session.identifier_not_found")


async def test_sso_connectors(server: ExperienceServer, http: httpx.AsyncClient) -> None:
    server.settings = SignInExperience(sso_connectors={"corp.com": ("okta-1",)})
    found = await http.get("/api/experience/sso-connectors", params={"email": "a@corp.com"})
    assert found.json() == {"connectorIds": ["okta-1"]}
    none = await http.get("/api/experience/sso-connectors", params={"email": "a@b.com"})
    assert none.json() == {"connectorIds": []}
    # Logto reads the interaction before routing, so even this one needs the cookie
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as bare:
        response = await bare.get("/api/experience/sso-connectors", params={"email": "a@b.com"})
        assert response.status_code == 400 and response.json()["code"] == "session.not_found"


async def test_social_connectors(server: ExperienceServer) -> None:
    server.settings = SignInExperience(social_connectors=("github",))
    transport = httpx.ASGITransport(app=server)
    payload = {"state": "s", "redirectUri": "http://127.0.0.1/cb"}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        await http.get("/oidc/auth", params=AUTH_QUERY)
        await _start(http, "SignIn")
        base = "/api/experience/verification/social"
        await _error(
            await http.post(f"{base}/nope/authorization-uri", json=payload), 404, "entity.not_found"
        )
        created = await http.post(f"{base}/github/authorization-uri", json=payload)
        assert created.status_code == 200
        assert created.json()["authorizationUri"].startswith("http://testserver/")
        verify = await http.post(
            f"{base}/github/verify",
            json={
                "connectorData": {"code": "c"},
                "verificationId": created.json()["verificationId"],
            },
        )
        await _error(verify, 400, "session.verification_failed")
