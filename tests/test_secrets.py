"""No error string, repr, log record or violation report carries a secret value."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

import logto_dynamic as ld

CANARY = "CANARY-pw-9f3b1c"


def _client(answer: Any = None, **kwargs: Any) -> ld.Client:
    handler = answer or (lambda request: httpx.Response(200, json={"verificationId": "v"}))
    return ld.Client("http://logto.test", transport=httpx.MockTransport(handler), **kwargs)


def _texts(exc: BaseException) -> list[str]:
    out = [str(exc), repr(exc)]
    for v in getattr(exc, "violations", ()):
        out += [str(v), repr(v), repr(v.to_dict())]
    return out


INVALID_WITH_CANARY = [
    ("CreatePasswordVerification",
     {"identifier": {"type": "nope", "value": "alice"}, "password": CANARY}),
    ("CreatePasswordVerification", {"identifier": "alice", "password": CANARY}),
    ("AddUserProfile", {"type": "pass", "value": CANARY}),
    ("AddUserProfile", {"type": "password", "value": [CANARY]}),
    ("AddUserProfile", {"type": "password"} | {"valu": CANARY}),
    ("VerifyTotpVerification", {"code": CANARY, "verificationId": 5}),
    ("VerifyBackupCode", {"code": {"nested": CANARY}}),
    ("ResetUserPassword", {"password": CANARY, "extra": None} | {"password": 7}),
    ("VerifySocialVerification", {"connectorData": [CANARY]}),
    ("CreateNewPasswordIdentityVerification",
     {"identifier": {"type": "username", "value": "1bad"}, "password": CANARY}),
]


@pytest.mark.parametrize(("op_id", "body"), INVALID_WITH_CANARY)
def test_request_errors_never_show_secrets(
    op_id: str, body: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    client = _client()
    path = {"connectorId": "c"} if "Social" in op_id else None
    with caplog.at_level(logging.DEBUG), pytest.raises(ld.RequestValidationError) as info:
        client.call(op_id, body, path=path)
    texts = _texts(info.value)
    assert not any(CANARY in t for t in texts), texts
    # warn mode logs the violations instead: the log must be clean too
    client.call(op_id, body, path=path, validate="warn")
    assert CANARY not in caplog.text
    assert all(CANARY not in r.getMessage() for r in caplog.records)
    client.close()


def test_secret_field_failing_its_own_constraint_is_redacted() -> None:
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/login": {"post": {
            "operationId": "Login",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {
                    "password": {"type": "string", "pattern": "^x", "x-logto-secret": True},
                    "pin": {"type": "string", "enum": ["0000"], "x-logto-secret": True},
                    "otp": {"allOf": [{"type": "string", "format": "email"}],
                            "x-logto-secret": True},
                },
            }}}},
            "responses": {"204": {"description": "ok"}},
        }}},
    }
    client = ld.Client("http://t", spec=document,
                       transport=httpx.MockTransport(lambda r: httpx.Response(204)))
    with pytest.raises(ld.RequestValidationError) as info:
        client.call("Login", {"password": CANARY, "pin": CANARY, "otp": CANARY})
    assert len(info.value.violations) == 3
    texts = _texts(info.value)
    assert not any(CANARY in t for t in texts), texts
    assert all("<redacted>" in v.message for v in info.value.violations)


def test_response_secrets_stay_out_of_errors_logs_and_reprs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = {"secret": CANARY, "secretQrCode": CANARY, "verificationId": 3}
    client = _client(lambda request: httpx.Response(200, json=body))
    with caplog.at_level(logging.DEBUG), pytest.raises(ld.ResponseValidationError) as info:
        client.call("CreateTotpSecret")
    assert not any(CANARY in t for t in _texts(info.value))
    result = client.call("CreateTotpSecret", validate="warn")
    assert result.data["secret"] == CANARY  # the caller gets the data ...
    assert CANARY not in repr(result)  # ... but it is never shown
    assert CANARY not in caplog.text
    client.close()


def test_cookies_and_codes_are_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"verificationId": "v"},
                              headers={"set-cookie": f"_interaction={CANARY}; path=/"})

    client = _client(answer)
    with caplog.at_level(logging.DEBUG):
        client.call("VerifyBackupCode", {"code": CANARY})
        client.call("VerifyBackupCode", {"code": CANARY})
    assert CANARY not in caplog.text
    client.close()
