"""AccountClient / AsyncAccountClient against scripted answers (httpx.MockTransport): the
user's token, the verification header, renewing a record, and each typed error with its hint.

The end-to-end runs against the embedded server are in tests/testing/account/."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from logto_dynamic import (
    ACCOUNT_SCOPES,
    AccountCenterDisabledError,
    AccountClient,
    AccountFieldError,
    AsyncAccountClient,
    MissingScopeError,
    Tokens,
    UnauthorizedError,
    VerificationRecord,
    VerificationRequiredError,
    account_scopes,
    load_spec,
)
from logto_dynamic._apis._account_scopes import OPERATION_SCOPES

BASE = "http://logto.test"
TOKEN = "opaque-user-token-0123456789abcdefghijklmno"
Handler = Callable[[httpx.Request], httpx.Response]


def _error(status: int, code: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": "m"})


def _record(rid: str, seconds: float = 600) -> httpx.Response:
    expires = datetime.fromtimestamp(time.time() + seconds, UTC).isoformat()
    return httpx.Response(201, json={"verificationRecordId": rid, "expiresAt": expires})


def _client(handler: Handler, token: str | Tokens = TOKEN) -> AccountClient:
    return AccountClient(BASE, token, http=httpx.Client(transport=httpx.MockTransport(handler)))


def test_the_document_is_shipped_with_38_operations() -> None:
    spec = load_spec("logto-account-1.42")
    assert len(spec.index) == 38
    for op_id in OPERATION_SCOPES:
        spec.operation(op_id)  # every operation the scope table names exists


def test_every_call_carries_the_users_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "u1", "hasSecurityVerificationMethod": True})

    with _client(handler) as account:
        assert account.ops.GetProfile().data["id"] == "u1"
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert seen[0].url.path == "/api/my-account"


def test_a_request_the_document_refuses_is_not_sent() -> None:
    from logto_dynamic import RequestValidationError

    def handler(request: httpx.Request) -> httpx.Response:  # pragma: no cover - never sent
        raise AssertionError("sent")

    with _client(handler) as account, pytest.raises(RequestValidationError) as caught:
        account.call("UpdateProfile", {"username": "1 bad name"})
    assert "username" in str(caught.value)


def test_verified_block_sends_the_record_and_renews_it_when_refused() -> None:
    records = iter(["rec-1", "rec-2"])
    calls: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        header = request.headers.get("logto-verification-id")
        calls.append((request.url.path, header))
        if request.url.path == "/api/verifications/password":
            assert json.loads(request.content) == {"password": "pw-of-alice"}
            return _record(next(records))
        if header == "rec-1" and len(calls) > 2:  # the server expired the first record
            return _error(401, "verification_record.permission_denied")
        return httpx.Response(204)

    with _client(handler) as account:
        with account.verified(password="pw-of-alice") as record:
            assert record.id == "rec-1" and "rec-1" not in repr(record)
            account.call("UpdatePassword", {"password": "N3w-passw0rd!"})
            account.call("UpdatePassword", {"password": "N3w-passw0rd!2"})
            account.call("GenerateTotpSecret", validate="off")  # takes no record
        assert account.account.record is None  # forgotten after the block
    assert calls == [
        ("/api/verifications/password", None),
        ("/api/my-account/password", "rec-1"),
        ("/api/my-account/password", "rec-1"),
        ("/api/verifications/password", None),
        ("/api/my-account/password", "rec-2"),
        ("/api/my-account/mfa-verifications/totp-secret/generate", None),
    ]


def test_a_record_about_to_expire_is_renewed_before_sending() -> None:
    made: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/verifications/password":
            made.append("record")
            return _record(f"rec-{len(made)}", seconds=10)  # within the renewal margin
        assert request.headers["logto-verification-id"] == f"rec-{len(made)}"
        return httpx.Response(204)

    with _client(handler) as account, account.verified(password="pw"):
        account.call("DeletePrimaryEmail")
    assert made == ["record", "record"]


def test_an_explicit_record_goes_in_the_header() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["logto-verification-id"] == "given"
        return httpx.Response(204)

    with _client(handler) as account:
        record = VerificationRecord("given", time.time() + 600)
        assert account.call("DeletePrimaryPhone", verification=record).status_code == 204


def test_account_center_disabled_says_how_to_enable_it() -> None:
    with _client(lambda r: _error(400, "account_center.not_enabled")) as account:
        with pytest.raises(AccountCenterDisabledError) as caught:
            account.ops.GetProfile()
    assert "PATCH /api/account-center" in str(caught.value)
    assert '"enabled": true' in caught.value.hint


def test_field_not_editable_names_the_field() -> None:
    with _client(lambda r: _error(400, "account_center.field_not_editable")) as account:
        with pytest.raises(AccountFieldError) as caught:
            account.call("UpdateProfile", {"name": "Bob"})
        assert caught.value.field == "name"
        assert "set `name` to Edit" in str(caught.value)
        with pytest.raises(AccountFieldError) as caught:
            account.call("UpdatePassword", {"password": "N3w-passw0rd!"})
        assert caught.value.field == "password"


def test_field_not_enabled_asks_for_read_only_or_edit() -> None:
    with _client(lambda r: _error(400, "account_center.field_not_enabled")) as account:
        with pytest.raises(AccountFieldError) as caught:
            account.ops.GetMfaVerifications()
    assert caught.value.field == "mfa"
    assert "set `mfa` to ReadOnly or Edit" in caught.value.hint


def test_permission_denied_says_verify_again() -> None:
    with _client(lambda r: _error(401, "verification_record.permission_denied")) as account:
        with pytest.raises(VerificationRequiredError) as caught:
            account.call("UpdatePassword", {"password": "N3w-passw0rd!"})
    assert isinstance(caught.value, UnauthorizedError)
    assert "account.verified(password=...)" in str(caught.value)


def _tokens(scope: str, refresh: str | None = None, expires_in: int = 3600) -> Tokens:
    return Tokens(
        id_token="id.token.x",
        access_token=TOKEN,
        refresh_token=refresh,
        expires_at=int(time.time()) + expires_in,
        scope=scope,
        token_type="Bearer",
        claims={"sub": "u1", "aud": "demo-app"},
    )


@pytest.mark.parametrize(
    ("status", "operation", "body", "scope"),
    [
        (401, "GetMfaVerifications", None, "identities"),
        (401, "GetSessions", None, "urn:logto:scope:sessions"),
        (400, "UpdateProfile", {"customData": {"a": 1}}, "custom_data"),
        (400, "UpdateOtherProfile", {"address": {"country": "NZ"}}, "address"),
        (400, "DeletePrimaryEmail", None, "email"),
    ],
)
def test_missing_scope_names_the_scope(status: int, operation: str, body: Any, scope: str) -> None:
    handler: Handler = lambda r: _error(status, "auth.unauthorized")  # noqa: E731
    with _client(handler, _tokens("openid profile")) as account:
        with pytest.raises(MissingScopeError) as caught:
            account.call(operation, body)
    assert caught.value.scope == scope
    assert f"needs the `{scope}` scope" in str(caught.value)
    assert caught.value.code == "auth.unauthorized" and caught.value.status_code == status


def test_a_400_unauthorized_is_a_missing_scope_even_for_a_bare_token() -> None:
    with _client(lambda r: _error(400, "auth.unauthorized")) as account:
        with pytest.raises(MissingScopeError) as caught:
            account.call("UpdateProfile", {"name": "x"})
    assert caught.value.scope == "profile"


def test_a_refused_token_with_the_scope_stays_unauthorized() -> None:
    full = _tokens(" ".join(ACCOUNT_SCOPES))
    with _client(lambda r: _error(401, "auth.unauthorized"), full) as a:
        with pytest.raises(UnauthorizedError) as caught:
            a.ops.GetMfaVerifications()
    assert not isinstance(caught.value, MissingScopeError)


def test_account_scopes_helper() -> None:
    assert account_scopes("profile", "mfa", "sessions") == (
        "openid",
        "profile",
        "identities",
        "urn:logto:scope:sessions",
    )
    assert account_scopes() == ACCOUNT_SCOPES
    assert account_scopes("email", offline=True)[-1] == "offline_access"
    with pytest.raises(ValueError, match="unknown Account API feature"):
        account_scopes("everything")


def test_the_client_takes_no_empty_token() -> None:
    with pytest.raises(TypeError):
        AccountClient(BASE, "")


@pytest.mark.anyio
async def test_async_verified_block_and_typed_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/verifications/password":
            return _record("rec-a")
        if request.url.path == "/api/my-account/password":
            assert request.headers["logto-verification-id"] == "rec-a"
            return httpx.Response(204)
        return _error(400, "account_center.not_enabled")

    transport = httpx.MockTransport(handler)
    async with AsyncAccountClient(BASE, TOKEN, http=httpx.AsyncClient(transport=transport)) as a:
        async with a.verified(password="pw") as record:
            assert record.id == "rec-a"
            result = await a.call("UpdatePassword", {"password": "N3w-passw0rd!"})
            assert result.status_code == 204
        with pytest.raises(AccountCenterDisabledError):
            await a.ops.GetProfile()


def test_each_operation_says_which_scope_and_record_it_needs() -> None:
    spec = load_spec("logto-account-1.42")
    sessions = spec.operation("GetSessions")
    assert "urn:logto:scope:sessions" in sessions.description
    assert "Verification record: required" in sessions.description
    for op_id, scope in OPERATION_SCOPES.items():
        assert f"`{scope}`" in spec.operation(op_id).description, op_id
    header = [p for p in spec.operation("UpdatePassword").parameters if p.location == "header"]
    assert [p.name for p in header] == ["logto-verification-id"]
