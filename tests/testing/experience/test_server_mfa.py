"""TOTP (RFC 6238 vectors) and the MFA operations of the embedded server."""

from __future__ import annotations

import base64
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest
from _support import AUTH_QUERY, SEED_USER

from logto_dynamic.testing import (
    ExperienceServer,
    SignInExperience,
    hotp,
    new_totp_secret,
    totp,
    verify_totp,
)

RFC_SECRET = b"12345678901234567890"


@pytest.mark.parametrize(
    ("at", "code"),
    [  # RFC 6238 appendix B, SHA1 column
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc6238_sha1_vectors(at: int, code: str) -> None:
    assert totp(RFC_SECRET, at=at, digits=8) == code


def test_rfc4226_hotp_vectors() -> None:
    expected = ["755224", "287082", "359152", "969429", "338314"]
    assert [hotp(RFC_SECRET, i) for i in range(5)] == expected


def test_base32_secret_and_window() -> None:
    secret = base64.b32encode(RFC_SECRET).decode().rstrip("=").lower()
    assert totp(secret, at=59, digits=8) == "94287082"
    now = 1_700_000_000.0
    code = totp(secret, at=now)
    assert verify_totp(secret, code, at=now)
    assert verify_totp(secret, code, at=now + 30) and verify_totp(secret, code, at=now - 30)
    assert not verify_totp(secret, code, at=now + 90)
    assert not verify_totp(secret, "12345", at=now) and not verify_totp(secret, "abcdef", at=now)


def test_new_secret_is_unpadded_base32_of_20_bytes() -> None:
    secret = new_totp_secret()
    assert len(secret) == 32 and secret == secret.upper() and "=" not in secret
    assert len(base64.b32decode(secret)) == 20


# -- the MFA operations --------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _signed_in(
    factors: tuple[str, ...] = ("Totp", "BackupCode"), policy: Any = "UserControlled"
) -> AsyncIterator[tuple[ExperienceServer, httpx.AsyncClient]]:
    server = ExperienceServer(
        SignInExperience(seed_users=(SEED_USER,), mfa_factors=factors, mfa_policy=policy)
    )
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        await _identify(http)
        yield server, http


async def _identify(http: httpx.AsyncClient) -> None:
    await http.get("/oidc/auth", params=AUTH_QUERY)
    await http.put("/api/experience", json={"interactionEvent": "SignIn"})
    verified = await http.post(
        "/api/experience/verification/password",
        json={"identifier": {"type": "username", "value": SEED_USER[0]}, "password": SEED_USER[1]},
    )
    assert (
        await http.post("/api/experience/identification", json=verified.json())
    ).status_code == 204


@pytest.fixture
async def mfa() -> AsyncIterator[tuple[ExperienceServer, httpx.AsyncClient]]:
    async with _signed_in() as pair:
        yield pair


def _code(response: httpx.Response) -> tuple[int, str | None]:
    body = response.json() if response.content else {}
    return response.status_code, body.get("code") if isinstance(body, dict) else None


async def _bind_totp(http: httpx.AsyncClient) -> str:
    created = await http.post("/api/experience/verification/totp/secret")
    assert created.status_code == 200
    data = created.json()
    assert data["secretQrCode"].startswith("data:image/png;base64,")
    assert len(base64.b32decode(data["secret"])) == 20
    bad = await http.post(
        "/api/experience/verification/totp/verify",
        json={
            "code": "000000" if totp(data["secret"]) != "000000" else "111111",
            "verificationId": data["verificationId"],
        },
    )
    assert _code(bad) == (400, "session.mfa.invalid_totp_code")
    unverified = await http.post(
        "/api/experience/profile/mfa",
        json={"type": "Totp", "verificationId": data["verificationId"]},
    )
    assert _code(unverified) == (400, "session.verification_failed")
    verified = await http.post(
        "/api/experience/verification/totp/verify",
        json={"code": totp(data["secret"]), "verificationId": data["verificationId"]},
    )
    assert verified.json() == {"verificationId": data["verificationId"]}
    bound = await http.post(
        "/api/experience/profile/mfa",
        json={"type": "Totp", "verificationId": data["verificationId"]},
    )
    assert bound.status_code == 204
    return str(data["secret"])


async def _bind_backup_codes(http: httpx.AsyncClient) -> list[str]:
    generated = (await http.post("/api/experience/verification/backup-code/generate")).json()
    bound = await http.post(
        "/api/experience/profile/mfa",
        json={"type": "BackupCode", "verificationId": generated["verificationId"]},
    )
    assert bound.status_code == 204
    return list(generated["codes"])


@pytest.mark.anyio
async def test_totp_bind_then_require_on_next_sign_in(
    mfa: tuple[ExperienceServer, httpx.AsyncClient],
) -> None:
    server, http = mfa
    # Logto 1.42 suggests (not demands) MFA under UserControlled; no data, skippable.
    suggested = await http.post("/api/experience/submit")
    assert _code(suggested) == (422, "user.suggest_mfa") and "data" not in suggested.json()
    secret = await _bind_totp(http)
    # Backup codes are enabled too, so they must be bound before submit goes through.
    missing = await http.post("/api/experience/submit")
    assert _code(missing) == (422, "session.mfa.backup_code_required")
    await _bind_backup_codes(http)
    assert (await http.post("/api/experience/submit")).status_code == 200
    await _identify(http)
    forbidden = await http.post("/api/experience/submit")
    assert _code(forbidden) == (403, "session.mfa.require_mfa_verification")
    assert forbidden.json()["data"] == {
        "availableFactors": ["Totp", "BackupCode"],
        "maskedIdentifiers": {},
    }
    profile = await http.post("/api/experience/profile", json={"type": "username", "value": "x"})
    assert _code(profile) == (403, "session.mfa.require_mfa_verification")
    skip = await http.post("/api/experience/profile/mfa/mfa-skipped")
    assert _code(skip) == (403, "session.mfa.require_mfa_verification")
    verify = await http.post(
        "/api/experience/verification/totp/verify", json={"code": totp(secret, at=time.time())}
    )
    assert verify.status_code == 200
    assert (await http.post("/api/experience/submit")).status_code == 200


@pytest.mark.anyio
async def test_totp_codes_are_accepted_one_step_either_side_and_no_further(
    mfa: tuple[ExperienceServer, httpx.AsyncClient],
) -> None:
    """Logto 1.42 checks TOTP codes with a window of one 30 s step (otplib ``window: 1``)."""
    _, http = mfa
    secret = await _bind_totp(http)
    await _bind_backup_codes(http)
    assert (await http.post("/api/experience/submit")).status_code == 200
    await _identify(http)
    verify = "/api/experience/verification/totp/verify"
    if 30 - time.time() % 30 < 3:  # no step boundary between making a code and checking it
        await anyio.sleep(30 - time.time() % 30 + 0.1)
    now = time.time()
    for offset in (-90, -60, 60, 90, 300):
        far = await http.post(verify, json={"code": totp(secret, at=now + offset)})
        assert _code(far) == (400, "session.mfa.invalid_totp_code"), offset
    for offset in (-30, 0, 30):
        near = await http.post(verify, json={"code": totp(secret, at=now + offset)})
        assert near.status_code == 200, offset


@pytest.mark.anyio
async def test_backup_codes(mfa: tuple[ExperienceServer, httpx.AsyncClient]) -> None:
    server, http = mfa
    generated = await http.post("/api/experience/verification/backup-code/generate")
    data = generated.json()
    assert len(data["codes"]) == 10
    alone = await http.post(
        "/api/experience/profile/mfa",
        json={"type": "BackupCode", "verificationId": data["verificationId"]},
    )
    assert _code(alone) == (422, "session.mfa.backup_code_can_not_be_alone")
    await _bind_totp(http)
    both = await http.post(
        "/api/experience/profile/mfa",
        json={"type": "BackupCode", "verificationId": data["verificationId"]},
    )
    assert both.status_code == 204
    assert (await http.post("/api/experience/submit")).status_code == 200
    await _identify(http)
    wrong = await http.post("/api/experience/verification/backup-code/verify", json={"code": "x"})
    assert _code(wrong) == (400, "session.mfa.invalid_backup_code")
    used = await http.post(
        "/api/experience/verification/backup-code/verify", json={"code": data["codes"][0]}
    )
    assert used.status_code == 200
    assert (await http.post("/api/experience/submit")).status_code == 200


@pytest.mark.anyio
async def test_skip_mfa_when_user_controlled(
    mfa: tuple[ExperienceServer, httpx.AsyncClient],
) -> None:
    _, http = mfa
    assert (await http.post("/api/experience/profile/mfa/mfa-skipped")).status_code == 204
    assert (await http.post("/api/experience/submit")).status_code == 200


@pytest.mark.anyio
async def test_mandatory_mfa_cannot_be_skipped() -> None:
    async with _signed_in(("Totp",), "Mandatory") as (_, http):
        skip = await http.post("/api/experience/profile/mfa/mfa-skipped")
        assert _code(skip) == (422, "session.mfa.mfa_policy_not_user_controlled")
        missing = await http.post("/api/experience/submit")
        assert _code(missing) == (422, "user.missing_mfa")
        assert missing.json()["data"] == {"availableFactors": ["Totp"]}
        assert _code(await http.post("/api/experience/submit")) == (422, "user.missing_mfa")


@pytest.mark.anyio
async def test_factor_not_enabled_and_unidentified() -> None:
    async with _signed_in(factors=()) as (_, http):
        # as in Logto, a secret is handed out; the factor is checked when it is bound
        secret = await http.post("/api/experience/verification/totp/secret")
        assert secret.status_code == 200
        missing = await http.post(
            "/api/experience/profile/mfa", json={"type": "Totp", "verificationId": "nope"}
        )
        assert _code(missing) == (404, "session.verification_session_not_found")
        record = secret.json()["verificationId"]
        unverified = {"type": "Totp", "verificationId": record}
        bind = await http.post("/api/experience/profile/mfa", json=unverified)
        assert _code(bind) == (400, "session.verification_failed")
        code = totp(secret.json()["secret"])
        verify = {"code": code, "verificationId": record}
        assert (await http.post("/api/experience/verification/totp/verify", json=verify)).is_success
        bind = await http.post("/api/experience/profile/mfa", json=unverified)
        assert _code(bind) == (400, "session.mfa.mfa_factor_not_enabled")
        await http.put("/api/experience", json={"interactionEvent": "SignIn"})
        unidentified = await http.post("/api/experience/verification/backup-code/generate")
        assert _code(unidentified) == (404, "session.identifier_not_found")


@pytest.mark.anyio
async def test_webauthn_is_routed_but_never_verifies() -> None:
    async with _signed_in(("WebAuthn",)) as (_, http):
        created = await http.post("/api/experience/verification/web-authn/registration")
        assert created.status_code == 200
        options = created.json()["registrationOptions"]
        assert options["pubKeyCredParams"][0] == {"type": "public-key", "alg": -7}
        payload = {
            "type": "WebAuthn",
            "id": "i",
            "rawId": "r",
            "clientExtensionResults": {},
            "response": {"clientDataJSON": "c", "attestationObject": "a"},
        }
        verify = await http.post(
            "/api/experience/verification/web-authn/registration/verify",
            json={"verificationId": created.json()["verificationId"], "payload": payload},
        )
        assert _code(verify) == (400, "session.mfa.webauthn_verification_failed")
        auth = await http.post("/api/experience/verification/web-authn/authentication")
        assert _code(auth) == (400, "session.mfa.webauthn_verification_not_found")


# -- facts section 4: what SubmitInteraction answers under each MFA policy -------------------


@contextlib.asynccontextmanager
async def _registered(policy: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A new user registering (identified, not submitted) under ``policy``."""
    server = ExperienceServer(
        SignInExperience(mfa_factors=("Totp", "BackupCode"), mfa_policy=policy)
    )
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        await _start_registration(http)
        yield http


async def _start_registration(http: httpx.AsyncClient) -> None:
    await http.get("/oidc/auth", params=AUTH_QUERY)
    await http.put("/api/experience", json={"interactionEvent": "Register"})
    new = await http.post(
        "/api/experience/verification/new-password-identity",
        json={"identifier": {"type": "username", "value": "newbie"}, "password": SEED_USER[1]},
    )
    identified = await http.post("/api/experience/identification", json=new.json())
    assert identified.status_code == 201


@pytest.mark.anyio
@pytest.mark.parametrize("policy", ["UserControlled", "PromptAtSignInAndSignUp"])
async def test_optional_policies_suggest_mfa_and_can_be_skipped(policy: str) -> None:
    async with _registered(policy) as http:
        suggested = await http.post("/api/experience/submit")
        assert _code(suggested) == (422, "user.suggest_mfa")
        assert "data" not in suggested.json()
        assert (await http.post("/api/experience/profile/mfa/mfa-skipped")).status_code == 204
        assert (await http.post("/api/experience/submit")).status_code == 200


@pytest.mark.anyio
async def test_mandatory_policy_demands_a_factor() -> None:
    async with _registered("Mandatory") as http:
        missing = await http.post("/api/experience/submit")
        assert _code(missing) == (422, "user.missing_mfa")
        assert missing.json()["data"] == {"availableFactors": ["Totp"]}
        skip = await http.post("/api/experience/profile/mfa/mfa-skipped")
        assert _code(skip) == (422, "session.mfa.mfa_policy_not_user_controlled")
        assert _code(await http.post("/api/experience/submit")) == (422, "user.missing_mfa")


@pytest.mark.anyio
async def test_no_prompt_policy_submits_at_once() -> None:
    async with _registered("NoPrompt") as http:
        assert (await http.post("/api/experience/submit")).status_code == 200


@pytest.mark.anyio
async def test_prompt_only_at_sign_in_leaves_registration_alone() -> None:
    async with _registered("PromptOnlyAtSignIn") as http:
        assert (await http.post("/api/experience/submit")).status_code == 200


@pytest.mark.anyio
async def test_a_backup_code_works_once(mfa: tuple[ExperienceServer, httpx.AsyncClient]) -> None:
    _, http = mfa
    await _bind_totp(http)
    codes = await _bind_backup_codes(http)
    assert (await http.post("/api/experience/submit")).status_code == 200
    for expected in (200, 400):
        await _identify(http)
        used = await http.post(
            "/api/experience/verification/backup-code/verify", json={"code": codes[0]}
        )
        assert used.status_code == expected
    assert _code(used) == (400, "session.mfa.invalid_backup_code")
