"""The embedded server with the library's own sign-in flows, over loopback, sync and async.

These check that what ``client.interaction(...)`` expects of a Logto 1.42 (facts file) is what
the embedded server does: verified tokens, the consent hop, refresh rotation, each MFA answer
as its typed error, and the OIDC errors.
"""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest

from logto_dynamic import AsyncClient, Client, MfaBindingRequired, MfaRequired, MfaSuggested, Totp
from logto_dynamic._exceptions import (
    AuthorizationError,
    ConsentRequiredError,
    TokenRequestError,
)
from logto_dynamic.testing import LogtoTestServer, running_server

pytestmark = pytest.mark.loopback

PASSWORD = "Kd7*willow-Prism"


@pytest.fixture(scope="module")
def logto() -> Iterator[LogtoTestServer]:
    with running_server() as server:
        yield server


def _user(logto: LogtoTestServer, name: str, **extra: object) -> str:
    logto.add_user(name, PASSWORD, **extra)  # type: ignore[arg-type]
    return name


def test_sign_in_returns_verified_tokens(logto: LogtoTestServer) -> None:
    name = _user(logto, "sync_user")
    with Client(logto.base_url) as client:
        tokens = client.interaction("demo-app", logto.redirect_uri).sign_in(name, PASSWORD)
    assert tokens.claims["username"] == name and tokens.claims["iss"] == logto.issuer
    assert tokens.refresh_token is None  # prompt=login, no offline_access


def test_async_sign_in_with_consent_and_refresh_rotation(logto: LogtoTestServer) -> None:
    name = _user(logto, "async_user")

    async def main() -> None:
        async with AsyncClient(logto.base_url) as client:
            interaction = await client.interaction(
                "demo-app",
                logto.redirect_uri,
                prompt="consent",
                scopes=("openid", "profile", "offline_access"),
            )
            tokens = await interaction.sign_in(name, PASSWORD)
            assert tokens.refresh_token is not None
            renewed = await client.refresh_tokens("demo-app", tokens.refresh_token)
            assert renewed.subject == tokens.subject
            assert renewed.refresh_token not in (None, tokens.refresh_token)
            with pytest.raises(TokenRequestError) as refused:
                await client.refresh_tokens("demo-app", tokens.refresh_token)
            assert refused.value.error == "invalid_grant"
        await anyio.sleep(0.05)  # let closed connections settle before the loop ends

    anyio.run(main)


def test_mfa_answers_are_typed(logto: LogtoTestServer) -> None:
    codes = ["a1b2c3d4e5", "f6a7b8c9d0"]
    secret_user = logto.add_user("mfa_user", PASSWORD, totp=True, backup_codes=codes)
    plain = _user(logto, "plain_user")
    logto.set_mfa("UserControlled", ["Totp", "BackupCode"])
    try:
        with Client(logto.base_url) as client:
            with pytest.raises(MfaRequired) as required:
                client.interaction("demo-app", logto.redirect_uri).sign_in("mfa_user", PASSWORD)
            assert set(required.value.factors) == {"Totp", "BackupCode"}
            assert secret_user.totp_secret is not None
            tokens = client.interaction("demo-app", logto.redirect_uri).sign_in(
                "mfa_user", PASSWORD, mfa=Totp(secret_user.totp_secret)
            )
            assert tokens.subject == secret_user.id
            assert (
                client.interaction("demo-app", logto.redirect_uri)
                .sign_in("mfa_user", PASSWORD, mfa=codes[0])
                .subject
                == secret_user.id
            )
            steps = client.interaction("demo-app", logto.redirect_uri)
            steps.init("SignIn")
            steps.identify(steps.verify_password(plain, PASSWORD))
            with pytest.raises(MfaSuggested):
                steps.submit()
            # sign_in skips a mere suggestion, and Logto remembers the skip
            client.interaction("demo-app", logto.redirect_uri).sign_in(plain, PASSWORD)
            assert logto.server.users.find("username", plain).mfa_skipped  # type: ignore[union-attr]
            plain = _user(logto, "plain_user_2")
            logto.set_mfa("Mandatory", ["Totp"])
            with pytest.raises(MfaBindingRequired) as missing:
                client.interaction("demo-app", logto.redirect_uri).sign_in(plain, PASSWORD)
            assert list(missing.value.factors) == ["Totp"]
    finally:
        logto.set_mfa("NoPrompt", [])


def test_a_third_party_app_needs_a_person_to_consent(logto: LogtoTestServer) -> None:
    logto.add_app("partner", "/partner", third_party=True)
    name = _user(logto, "partner_user")
    with Client(logto.base_url) as client, pytest.raises(ConsentRequiredError):
        client.interaction("partner", f"{logto.base_url}/partner").sign_in(name, PASSWORD)


def test_oidc_errors_of_the_authorization_request(logto: LogtoTestServer) -> None:
    with Client(logto.base_url) as client:
        with pytest.raises(AuthorizationError) as unknown:
            client.interaction("nobody", logto.redirect_uri)
        assert unknown.value.error == "invalid_client"
        with pytest.raises(AuthorizationError) as elsewhere:
            client.interaction("demo-app", "http://127.0.0.1:9/cb")
        assert elsewhere.value.error == "invalid_redirect_uri"
