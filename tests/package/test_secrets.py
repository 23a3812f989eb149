"""No error string, repr, log record or violation report carries a secret value."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

import logto_dynamic as ld
from logto_dynamic._cli import main

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
    (
        "CreatePasswordVerification",
        {"identifier": {"type": "nope", "value": "alice"}, "password": CANARY},
    ),
    ("CreatePasswordVerification", {"identifier": "alice", "password": CANARY}),
    ("AddUserProfile", {"type": "pass", "value": CANARY}),
    ("AddUserProfile", {"type": "password", "value": [CANARY]}),
    ("AddUserProfile", {"type": "password"} | {"valu": CANARY}),
    ("VerifyTotpVerification", {"code": CANARY, "verificationId": 5}),
    ("VerifyBackupCode", {"code": {"nested": CANARY}}),
    ("ResetUserPassword", {"password": CANARY, "extra": None} | {"password": 7}),
    ("VerifySocialVerification", {"connectorData": [CANARY]}),
    (
        "CreateNewPasswordIdentityVerification",
        {"identifier": {"type": "username", "value": "1bad"}, "password": CANARY},
    ),
    # These two bite: the bundled document's WebAuthn credentials are secret objects whose
    # `type` is an enum, so an unredacted message would repeat the value.
    (
        "VerifyWebAuthnRegistrationVerification",
        {
            "verificationId": "v",
            "payload": {
                "type": CANARY,
                "id": "i",
                "rawId": "r",
                "response": {},
                "clientExtensionResults": {},
            },
        },
    ),
    (
        "VerifyWebAuthnAuthenticationVerification",
        {
            "verificationId": "v",
            "payload": {
                "type": CANARY,
                "id": "i",
                "rawId": "r",
                "response": {},
                "clientExtensionResults": {},
            },
        },
    ),
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
        "paths": {
            "/login": {
                "post": {
                    "operationId": "Login",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "password": {
                                            "type": "string",
                                            "pattern": "^x",
                                            "x-logto-secret": True,
                                        },
                                        "pin": {
                                            "type": "string",
                                            "enum": ["0000"],
                                            "x-logto-secret": True,
                                        },
                                        "otp": {
                                            "allOf": [{"type": "string", "format": "email"}],
                                            "x-logto-secret": True,
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {"204": {"description": "ok"}},
                }
            }
        },
    }
    client = ld.Client(
        "http://t", spec=document, transport=httpx.MockTransport(lambda r: httpx.Response(204))
    )
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
        return httpx.Response(
            200,
            json={"verificationId": "v"},
            headers={"set-cookie": f"_interaction={CANARY}; path=/"},
        )

    client = _client(answer)
    with caplog.at_level(logging.DEBUG):
        client.call("VerifyBackupCode", {"code": CANARY})
        client.call("VerifyBackupCode", {"code": CANARY})
    assert CANARY not in caplog.text
    client.close()


# --------------------------------------------------------------------------------------------
# Canaries that bite: every kind of secret sits in a field that FAILS a check whose message
# would repeat the value (pattern, enum, format, not, an enum deep inside a secret object), so
# only redaction keeps it out. Checked in every output: exception str/repr, violation dicts,
# logs (strict and warn), TrafficValidator reports and the `har` command (text and --json).
# --------------------------------------------------------------------------------------------

KINDS = ("password", "verificationCode", "totpSecret", "totpCode", "backupCode", "token", "cookie")
CANARIES = {kind: f"CANARY{i}-{kind}-7Qz" for i, kind in enumerate(KINDS)}


def _secret(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "x-logto-secret": True}


# Each field fails on its canary with a message that would echo the value.
SECRET_FIELDS = {
    "password": _secret({"type": "string", "pattern": "^[a-z]+$"}),
    "verificationCode": _secret({"type": "string", "pattern": "^[0-9]{6}$"}),
    "totpSecret": _secret({"type": "string", "enum": ["JBSWY3DPEHPK3PXP"]}),
    "totpCode": _secret({"type": "string", "format": "email"}),
    "backupCode": _secret({"type": "string", "not": {"pattern": "^CANARY"}}),
    # a secret object: the failing value sits in a plain-looking child
    "token": _secret(
        {"type": "object", "properties": {"refresh": {"type": "string", "enum": ["r"]}}}
    ),
}
SECRETS_BODY = {
    "password": CANARIES["password"],
    "verificationCode": CANARIES["verificationCode"],
    "totpSecret": CANARIES["totpSecret"],
    "totpCode": CANARIES["totpCode"],
    "backupCode": CANARIES["backupCode"],
    "token": {"refresh": CANARIES["token"]},
}
SECRETS_DOC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "secrets", "version": "1"},
    "paths": {
        "/api/experience/secrets": {
            "post": {
                "operationId": "Secrets",
                "parameters": [
                    {
                        "name": "_interaction",
                        "in": "cookie",
                        "schema": _secret({"type": "string", "pattern": "^[a-z]+$"}),
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"type": "object", "properties": SECRET_FIELDS}
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": SECRET_FIELDS}
                            }
                        },
                    }
                },
            }
        }
    },
}
COOKIE = f"_interaction={CANARIES['cookie']}"


def _leaks(texts: list[str]) -> dict[str, list[str]]:
    """Which canaries appear in which texts."""
    found: dict[str, list[str]] = {}
    for kind, canary in CANARIES.items():
        hits = [t for t in texts if canary in t]
        if hits:
            found[kind] = hits
    return found


def _secrets_client(**kwargs: Any) -> ld.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=SECRETS_BODY, headers={"set-cookie": COOKIE + "; path=/"})

    return ld.Client(
        "http://logto.test", spec=SECRETS_DOC, transport=httpx.MockTransport(answer), **kwargs
    )


def test_the_canaries_fail_their_fields() -> None:
    """Precondition: every secret field really fails (or the tests below prove nothing)."""
    spec = ld.load_spec(SECRETS_DOC)
    op = spec.operation("Secrets")
    violations = spec.check_request(
        op, body=SECRETS_BODY, cookies={"_interaction": CANARIES["cookie"]}
    )
    failing = {v.json_path.split(".")[1] if v.location == "body" else v.name for v in violations}
    assert failing == {*SECRET_FIELDS, "_interaction"}
    assert all("<redacted>" in v.message for v in violations), [v.message for v in violations]


def test_request_canaries_stay_out_of_errors_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    client = _secrets_client()  # the client sends cookies from its jar (not checked)
    client.http.cookies.set("_interaction", CANARIES["cookie"])
    with caplog.at_level(logging.DEBUG), pytest.raises(ld.RequestValidationError) as info:
        client.call("Secrets", SECRETS_BODY)
    assert len(info.value.violations) == len(SECRET_FIELDS)
    assert _leaks(_texts(info.value)) == {}
    assert _leaks([caplog.text]) == {}
    caplog.clear()
    with caplog.at_level(logging.DEBUG):  # warn: sent anyway, violations logged and attached
        result = client.call("Secrets", SECRETS_BODY, validate="warn")
    assert len(result.violations) == 2 * len(SECRET_FIELDS)  # request and response
    texts = [
        repr(result),
        *(repr(v.to_dict()) for v in result.violations),
        *(str(v) for v in result.violations),
        caplog.text,
    ]
    assert caplog.records and _leaks(texts) == {}
    client.close()


def test_response_canaries_stay_out_of_errors_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    client = _secrets_client(validate=ld.ValidationPolicy("off", "strict"))
    with caplog.at_level(logging.DEBUG), pytest.raises(ld.ResponseValidationError) as info:
        client.call("Secrets", {})
    assert len(info.value.violations) == len(SECRET_FIELDS)
    assert _leaks([*_texts(info.value), caplog.text]) == {}
    client.close()


def test_traffic_reports_never_show_canaries() -> None:
    tv = ld.TrafficValidator(SECRETS_DOC)
    body = json.dumps(SECRETS_BODY).encode()
    request = tv.validate_request(
        "POST",
        "/api/experience/secrets",
        {"content-type": "application/json", "cookie": COOKIE},
        body,
    )
    response = tv.validate_response(
        request, 200, [("content-type", "application/json"), ("set-cookie", COOKIE)], body
    )
    assert len(request.violations) == len(KINDS)  # the cookie too
    assert len(response.violations) == len(SECRET_FIELDS)
    texts = [
        repr(request),
        repr(response),
        json.dumps(request.to_dict()),
        json.dumps(response.to_dict()),
        *(str(v) for v in request.violations),
        *(str(v) for v in response.violations),
    ]
    assert _leaks(texts) == {}


def test_har_command_never_shows_canaries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec_file = tmp_path / "secrets.json"
    spec_file.write_text(json.dumps(SECRETS_DOC))
    body = json.dumps(SECRETS_BODY)
    entry = {
        "request": {
            "method": "POST",
            "url": "http://localhost:3001/api/experience/secrets",
            "headers": [
                {"name": "Cookie", "value": COOKIE},
                {"name": "Content-Type", "value": "application/json"},
            ],
            "cookies": [{"name": "_interaction", "value": CANARIES["cookie"]}],
            "postData": {"mimeType": "application/json", "text": body},
        },
        "response": {
            "status": 200,
            "headers": [
                {"name": "Content-Type", "value": "application/json"},
                {"name": "Set-Cookie", "value": COOKIE},
            ],
            "content": {"mimeType": "application/json", "text": body},
        },
    }
    recording = tmp_path / "flow.har"
    recording.write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}))
    outputs = []
    for extra in ([], ["--json"]):
        code = main(["har", str(recording), "--spec", str(spec_file), *extra])
        captured = capsys.readouterr()
        assert code == 1  # the entry fails ...
        outputs += [captured.out, captured.err]
    assert _leaks(outputs) == {}
    assert "<redacted>" in outputs[0] and "Secrets" in outputs[0]  # ... and says where
    (failure,) = json.loads(outputs[2])["failures"]
    assert len(failure["violations"]) == len(KINDS) + len(SECRET_FIELDS)
