"""The Account API from outside, against the embedded server over loopback, sync and async:
enable the account center through the Management API, sign in with the scopes the helper
names, read the profile, change the name, change the password under a verification record
(then sign in with the new one), bind TOTP (then sign-in asks for it), list the sessions and
revoke the current one (then its token is refused)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import pytest

from logto_dynamic import (
    AccountCenterDisabledError,
    AccountClient,
    AsyncAccountClient,
    AsyncClient,
    Client,
    MfaRequired,
    MissingScopeError,
    Tokens,
    Totp,
    UnauthorizedError,
    UnprocessableEntityError,
    account_scopes,
)
from logto_dynamic.testing import LogtoTestServer, running_server
from logto_dynamic.testing import totp as totp_code

pytestmark = [pytest.mark.loopback]

USERNAME, PASSWORD, NEW_PASSWORD = "mira", "Tq8#harbor-Lumen", "Zx4!meadow-Quill"
EVERY_FIELD_EDIT = {
    name: "Edit"
    for name in (
        "name",
        "avatar",
        "profile",
        "email",
        "phone",
        "password",
        "username",
        "social",
        "customData",
        "mfa",
        "session",
    )
}


@pytest.fixture
def logto() -> Iterator[LogtoTestServer]:
    with running_server() as server:
        server.add_user(USERNAME, PASSWORD)
        server.set_mfa("UserControlled", ("Totp", "BackupCode"))
        yield server


def _enable_account_center(logto: LogtoTestServer) -> None:
    with logto.management() as management:
        answer = management.call(
            "UpdateAccountCenterSettings", {"enabled": True, "fields": EVERY_FIELD_EDIT}
        )
        assert answer.data["enabled"] is True
        assert management.call("GetAccountCenterSettings").data["fields"] == EVERY_FIELD_EDIT


def _sign_in(logto: LogtoTestServer, password: str, mfa: Totp | None = None) -> Tokens:
    with Client(logto.base_url) as client:
        interaction = client.interaction(logto.app_id, logto.redirect_uri, scopes=account_scopes())
        return interaction.sign_in(USERNAME, password, mfa)


def test_an_account_page_end_to_end(logto: LogtoTestServer) -> None:
    with AccountClient(logto.base_url, _sign_in(logto, PASSWORD)) as account:
        with pytest.raises(AccountCenterDisabledError):  # off until the admin enables it
            account.ops.GetProfile()
    _enable_account_center(logto)
    tokens = _sign_in(logto, PASSWORD)
    assert set(account_scopes()) <= set(tokens.scope.split())
    with AccountClient(logto.base_url, tokens) as account:
        profile = account.ops.GetProfile().data
        assert profile["username"] == USERNAME and profile["hasPassword"] is True
        assert account.call("UpdateProfile", {"name": "Mira K."}).data["name"] == "Mira K."
        assert account.ops.GetProfile().data["name"] == "Mira K."

        with account.verified(password=PASSWORD):
            account.call("UpdatePassword", {"password": NEW_PASSWORD})
            secret = account.call("GenerateTotpSecret").data["secret"]
            account.call(
                "AddMfaVerification", {"type": "Totp", "secret": secret, "code": totp_code(secret)}
            )
            factors = account.call("GetMfaVerifications").data
            assert [f["type"] for f in factors] == ["Totp"]
            sessions = account.call("GetSessions").data["sessions"]
            current = [s for s in sessions if s["isCurrent"]]
            assert len(current) == 1
            account.call("DeleteSessionById", path={"sessionId": current[0]["payload"]["uid"]})
        with pytest.raises(UnauthorizedError) as refused:
            account.ops.GetProfile()
        assert refused.value.code == "auth.unauthorized"

    with pytest.raises(UnprocessableEntityError) as old:  # the old password no longer works
        _sign_in(logto, PASSWORD, Totp(secret))
    assert old.value.code == "session.invalid_credentials"
    with pytest.raises(MfaRequired) as asked:  # the new one does, and asks for the TOTP code
        _sign_in(logto, NEW_PASSWORD)
    assert "Totp" in asked.value.factors
    assert _sign_in(logto, NEW_PASSWORD, Totp(secret)).access_token


def test_a_token_without_the_scope_gets_the_scope_named(logto: LogtoTestServer) -> None:
    _enable_account_center(logto)
    with Client(logto.base_url) as client:
        interaction = client.interaction(
            logto.app_id, logto.redirect_uri, scopes=account_scopes("profile")
        )
        tokens = interaction.sign_in(USERNAME, PASSWORD)
    with AccountClient(logto.base_url, tokens) as account, account.verified(password=PASSWORD):
        with pytest.raises(MissingScopeError) as caught:
            account.call("GetSessions")
    assert caught.value.scope == "urn:logto:scope:sessions"


def test_an_expired_access_token_is_refreshed_once(logto: LogtoTestServer) -> None:
    _enable_account_center(logto)
    tokens = logto.sign_in(USERNAME, PASSWORD, scopes=account_scopes(offline=True))
    assert tokens.refresh_token
    logto.server.tokens.access.clear()  # the server forgot the access token: a 401
    with AccountClient(logto.base_url, tokens) as account:
        assert account.ops.GetProfile().data["username"] == USERNAME
        assert account.tokens is not None and account.tokens.access_token != tokens.access_token


def test_an_access_token_past_its_expiry_is_refreshed_before_sending(
    logto: LogtoTestServer,
) -> None:
    _enable_account_center(logto)
    tokens = logto.sign_in(USERNAME, PASSWORD, scopes=account_scopes(offline=True))
    stale = dataclasses.replace(tokens, expires_at=int(time.time()) - 1)
    with AccountClient(logto.base_url, stale) as account:
        assert account.ops.GetProfile().data["username"] == USERNAME
        assert account.tokens is not None and not account.tokens.expired


@pytest.mark.anyio
async def test_the_async_client_refreshes_once_too(logto: LogtoTestServer) -> None:
    _enable_account_center(logto)
    tokens = logto.sign_in(USERNAME, PASSWORD, scopes=account_scopes(offline=True))
    logto.server.tokens.access.clear()
    async with AsyncAccountClient(logto.base_url, tokens) as account:
        assert (await account.ops.GetProfile()).data["username"] == USERNAME
        assert account.tokens is not None and account.tokens.access_token != tokens.access_token


def test_a_verified_block_renews_a_record_the_server_expired(logto: LogtoTestServer) -> None:
    _enable_account_center(logto)
    with AccountClient(logto.base_url, _sign_in(logto, PASSWORD)) as account:
        with account.verified(password=PASSWORD) as first:
            logto.server.account_records.by_id.clear()  # as if 600 s had passed
            account.call("UpdateProfile", {"username": "mira_k"})
            assert account.account.record is not None and account.account.record.id != first.id


def test_the_logto_account_fixture(
    logto_account: AccountClient, logto_user: tuple[str, str]
) -> None:
    assert logto_account.ops.GetProfile().data["username"] == logto_user[0]
    with logto_account.verified(password=logto_user[1]):
        assert logto_account.call("GetSessions").data["sessions"]


@pytest.mark.anyio
async def test_an_account_page_end_to_end_async(logto: LogtoTestServer) -> None:
    _enable_account_center(logto)
    async with AsyncClient(logto.base_url) as client:
        interaction = await client.interaction(
            logto.app_id, logto.redirect_uri, scopes=account_scopes()
        )
        tokens = await interaction.sign_in(USERNAME, PASSWORD)
    async with AsyncAccountClient(logto.base_url, tokens) as account:
        assert (await account.ops.GetProfile()).data["username"] == USERNAME
        assert (await account.call("UpdateProfile", {"name": "Async"})).data["name"] == "Async"
        async with account.verified(password=PASSWORD):
            await account.call("UpdatePassword", {"password": NEW_PASSWORD})
            secret = (await account.call("GenerateTotpSecret")).data["secret"]
            body = {"type": "Totp", "secret": secret, "code": totp_code(secret)}
            await account.call("AddMfaVerification", body)
            sessions = (await account.call("GetSessions")).data["sessions"]
            uid = next(s["payload"]["uid"] for s in sessions if s["isCurrent"])
            await account.call("DeleteSessionById", path={"sessionId": uid})
        with pytest.raises(UnauthorizedError):
            await account.ops.GetProfile()
    with pytest.raises(MfaRequired):
        _sign_in(logto, NEW_PASSWORD)
    assert _sign_in(logto, NEW_PASSWORD, Totp(secret)).access_token
