"""The twelve operations Logto added after 1.22, answered as Logto 1.42 answers them."""

from __future__ import annotations

import httpx
import pytest
from _support.experience import Clock, answer, client, identify, interaction

from logto_dynamic.testing import ExperienceServer, SignInExperience

pytestmark = pytest.mark.anyio

PASSWORD = "Ap9!rainbow-Quartz"
MFA = "/api/experience/profile/mfa"
PASSKEY = "/api/experience/verification/sign-in-passkey/authentication"
PREFLIGHT = "/api/experience/preflight/sign-in-passkey/authentication"
MFA_CODE = "/api/experience/verification/mfa-verification-code"
OTT = "/api/experience/verification/one-time-token/verify"
AVATAR = "/api/experience/user-assets/avatar"
ASSERTION = {
    "type": "WebAuthn",
    "id": "cred",
    "rawId": "cred",
    "clientExtensionResults": {},
    "response": {"clientDataJSON": "c", "authenticatorData": "a", "signature": "s"},
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(clock: Clock) -> ExperienceServer:
    settings = SignInExperience(mfa_factors=("Totp", "EmailVerificationCode"))
    server = ExperienceServer(settings)
    server.clock = clock
    server.users.create(username="ann", password=PASSWORD, primary_email="ann@example.com")
    server.users.create(username="bo", password=PASSWORD)
    return server


@pytest.fixture
async def http(server: ExperienceServer) -> httpx.AsyncClient:
    async with client(server) as http:
        yield http


async def test_get_interaction(http: httpx.AsyncClient) -> None:
    await interaction(http, None)
    before = await http.get("/api/experience/interaction")
    assert answer(before) == (404, "session.interaction_not_found")
    await interaction(http)
    await identify(http, "ann", PASSWORD)
    await http.post("/api/experience/profile", json={"type": "password", "value": "N3w!pass-word"})
    body = (await http.get("/api/experience/interaction", headers={"user-agent": "t/1"})).json()
    keys = "interactionEvent userId profile verificationRecords mfa signInContext captcha"
    assert list(body) == keys.split()
    assert body["interactionEvent"] == "SignIn" and body["profile"] == {}
    (record,) = body["verificationRecords"]
    assert record["type"] == "Password" and record["verified"] is True
    assert record["identifier"] == {"type": "username", "value": "ann"}
    assert body["signInContext"]["userAgent"] == "t/1"
    assert body["captcha"] == {"verified": False, "skipped": False}
    assert PASSWORD not in str(body) and "N3w!pass-word" not in str(body)


@pytest.mark.parametrize("path", ["mfa-enabled", "mfa-suggestion-skipped", "passkey-skipped"])
async def test_mfa_flags(http: httpx.AsyncClient, path: str) -> None:
    await interaction(http)
    assert answer(await http.post(f"{MFA}/{path}")) == (404, "session.identifier_not_found")
    await interaction(http, "ForgotPassword")
    forgot = answer(await http.post(f"{MFA}/{path}"))
    assert forgot == (400, "session.not_supported_for_forgot_password")
    await interaction(http, "Register")
    assert (await http.post(f"{MFA}/{path}")).status_code == 204
    await interaction(http)
    await identify(http, "ann", PASSWORD)
    assert (await http.post(f"{MFA}/{path}")).status_code == 204
    flags = (await http.get("/api/experience/interaction")).json()["mfa"]
    expected = {"mfa-enabled": {"mfaEnabled": True}, "passkey-skipped": {"passkeySkipped": True}}
    assert flags == expected.get(path, {})


async def test_mfa_flags_wait_for_mfa_verification(
    http: httpx.AsyncClient, server: ExperienceServer
) -> None:
    user = server.users.find("username", "ann")
    assert user is not None
    user.totp_secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    await interaction(http)
    await identify(http, "ann", PASSWORD)
    response = await http.post(f"{MFA}/mfa-enabled")
    assert answer(response) == (403, "session.mfa.require_mfa_verification")


async def test_passkey_sign_in_when_no_one_has_a_passkey(http: httpx.AsyncClient) -> None:
    await interaction(http)
    before = await http.post(f"{PASSKEY}/verify", json={"payload": ASSERTION})
    assert answer(before) == (404, "session.verification_session_not_found")  # no preflight
    await interaction(http, None)  # the preflight needs no experience, only the interaction
    verify = {"payload": ASSERTION}
    unstarted = await http.post(f"{PASSKEY}/verify", json=verify)
    assert answer(unstarted) == (404, "session.interaction_not_found")
    options = (await http.post(PREFLIGHT)).json()["authenticationOptions"]
    assert options["rpId"] == "testserver" and options["allowCredentials"] == []
    await http.put("/api/experience", json={"interactionEvent": "SignIn"})
    unknown = answer(await http.post(f"{PASSKEY}/verify", json=verify))
    assert unknown == (400, "session.identifier_not_found")
    named = {"verificationId": "nope", "payload": ASSERTION}
    missing = answer(await http.post(f"{PASSKEY}/verify", json=named))
    assert missing == (404, "session.verification_session_not_found")
    identifier = {"identifier": {"type": "username", "value": "ann"}}
    assert answer(await http.post(PASSKEY, json=identifier)) == (
        400,
        "session.mfa.webauthn_verification_not_found",
    )
    bad = {"identifier": {"type": "passkey", "value": "ann"}}
    assert answer(await http.post(PASSKEY, json=bad)) == (400, "guard.invalid_input")


async def test_bind_passkey(http: httpx.AsyncClient) -> None:
    await interaction(http, "Register")
    bind = await http.post(f"{MFA}/passkey", json={"verificationId": "nope"})
    assert answer(bind) == (404, "session.verification_session_not_found")
    assert answer(await http.post(f"{MFA}/passkey", json={})) == (400, "guard.invalid_input")


async def test_mfa_verification_codes(http: httpx.AsyncClient, server: ExperienceServer) -> None:
    await interaction(http)
    unidentified = await http.post(MFA_CODE, json={"identifierType": "email"})
    assert answer(unidentified) == (400, "session.identifier_not_found")
    await identify(http, "bo", PASSWORD)
    no_email = await http.post(MFA_CODE, json={"identifierType": "email"})
    assert answer(no_email) == (400, "session.mfa.mfa_factor_not_enabled")
    await interaction(http)
    await identify(http, "ann", PASSWORD)
    capital = await http.post(MFA_CODE, json={"identifierType": "Email"})
    assert answer(capital) == (400, "guard.invalid_input")  # documented, refused at runtime
    sent = (await http.post(MFA_CODE, json={"identifierType": "email"})).json()
    code = server.outbox.last_code("ann@example.com")
    check = {"verificationId": sent["verificationId"], "identifierType": "email"}
    wrong = await http.post(f"{MFA_CODE}/verify", json={**check, "code": "000000"[: 6 - 1] + "x"})
    assert answer(wrong) == (400, "verification_code.code_mismatch")
    assert (await http.post(f"{MFA_CODE}/verify", json={**check, "code": code})).status_code == 200
    again = await http.post(f"{MFA_CODE}/verify", json={**check, "code": code})
    assert answer(again) == (400, "verification_code.not_found")  # a code works once
    other = await http.post(
        f"{MFA_CODE}/verify", json={**check, "identifierType": "phone", "code": code}
    )
    assert answer(other) == (404, "session.verification_session_not_found")


async def test_one_time_tokens(
    http: httpx.AsyncClient, server: ExperienceServer, clock: Clock
) -> None:
    token = server.one_time_tokens.issue("ann@example.com", now=clock.now)
    assert "redacted" in repr(token) and token.token not in repr(token)
    await interaction(http)
    body = {"identifier": {"type": "email", "value": "ann@example.com"}, "token": token.token}
    verified = await http.post(OTT, json=body)
    assert verified.status_code == 200
    identified = await http.post(
        "/api/experience/identification", json={"verificationId": verified.json()["verificationId"]}
    )
    assert identified.status_code == 204
    submitted = answer(await http.post("/api/experience/submit"))
    assert submitted == (422, "user.suggest_mfa")  # identified: on to the MFA policy
    await interaction(http)
    assert answer(await http.post(OTT, json=body)) == (400, "one_time_token.token_consumed")
    unknown = {**body, "token": "nope"}
    assert answer(await http.post(OTT, json=unknown)) == (404, "one_time_token.token_not_found")
    fresh = server.one_time_tokens.issue("ann@example.com", now=clock.now, expires_in=60)
    other = {"identifier": {"type": "email", "value": "bo@example.com"}, "token": fresh.token}
    assert answer(await http.post(OTT, json=other)) == (400, "one_time_token.email_mismatch")
    clock.advance(61)
    expired = {**body, "token": fresh.token}
    assert answer(await http.post(OTT, json=expired)) == (400, "one_time_token.token_expired")
    scoped = server.one_time_tokens.issue(
        "ann@example.com", now=clock.now, interaction_event="Register"
    )
    mismatch = await http.post(OTT, json={**body, "token": scoped.token})
    assert answer(mismatch) == (400, "one_time_token.interaction_event_mismatch")
    phone = {"identifier": {"type": "phone", "value": "1555"}, "token": "t"}
    assert answer(await http.post(OTT, json=phone)) == (400, "guard.invalid_input")


async def test_one_time_token_registers_its_email(
    http: httpx.AsyncClient, server: ExperienceServer, clock: Clock
) -> None:
    token = server.one_time_tokens.issue("new@example.com", now=clock.now)
    await interaction(http, "Register")
    body = {"identifier": {"type": "email", "value": "new@example.com"}, "token": token.token}
    verification_id = (await http.post(OTT, json=body)).json()["verificationId"]
    created = await http.post(
        "/api/experience/identification", json={"verificationId": verification_id}
    )
    assert created.status_code == 201
    assert server.users.find("email", "new@example.com") is not None


async def test_avatar_upload(http: httpx.AsyncClient) -> None:
    await interaction(http, "Register")
    json_body = answer(await http.post(AVATAR, json={"file": "x"}))
    assert json_body == (400, "guard.invalid_input")
    text = await http.post(AVATAR, files={"file": ("a.txt", b"hello", "text/plain")})
    assert answer(text) == (400, "guard.mime_type_not_allowed")
    png = await http.post(AVATAR, files={"file": ("a.png", PNG, "image/png")})
    assert answer(png) == (400, "storage.not_configured")
    await interaction(http)
    sign_in = await http.post(AVATAR, files={"file": ("a.png", PNG, "image/png")})
    assert answer(sign_in) == (400, "session.invalid_interaction_type")
    await interaction(http, "ForgotPassword")
    forgot = await http.post(AVATAR, files={"file": ("a.png", PNG, "image/png")})
    assert answer(forgot) == (400, "session.not_supported_for_forgot_password")


@pytest.mark.loopback
def test_one_time_token_over_loopback() -> None:
    from _support import auth_query

    from logto_dynamic.testing import running_server

    with running_server(SignInExperience()) as logto:
        logto.add_user("cy", PASSWORD, email="cy@example.com")
        token = logto.one_time_token("cy@example.com")
        with httpx.Client(base_url=logto.base_url) as http:
            assert http.get("/oidc/auth", params=auth_query(logto.base_url)).status_code == 303
            assert (
                http.put("/api/experience", json={"interactionEvent": "SignIn"}).status_code == 204
            )
            body = {"identifier": {"type": "email", "value": "cy@example.com"}, "token": token}
            verified = http.post(OTT, json=body)
            assert verified.status_code == 200
            identified = http.post(
                "/api/experience/identification",
                json={"verificationId": verified.json()["verificationId"]},
            )
            assert identified.status_code == 204
            submitted = http.post("/api/experience/submit")
            assert submitted.json()["redirectTo"].startswith(f"{logto.base_url}/oidc/auth/")
            assert http.post(OTT, json=body).json()["code"] == "one_time_token.token_consumed"
