"""The document a real Logto 1.42.0 server publishes, loaded and normalised at runtime.

What the real server accepts must pass and what it rejects must fail (experience-facts.md,
observed-traffic.md). Each test skips, with a reason, when the shared reference file is absent.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from logto_dynamic import (
    Client,
    Mode,
    RequestValidationError,
    ResponseValidationError,
    Spec,
    ValidationPolicy,
    load_spec,
)

NEW_SINCE_122 = (
    "GetInteraction",
    "CreateSignInPasskeyAuthentication",
    "CreateSignInPasskeyAuthenticationWithIdentifier",
    "VerifySignInPasskeyAuthentication",
    "VerifyOneTimeTokenVerification",
    "CreateAndSendMfaVerificationCode",
    "VerifyMfaVerificationCode",
    "UploadExperienceAvatar",
    "MarkMfaEnabled",
    "SkipMfaSuggestion",
    "SkipPasskeyBinding",
    "BindPasskey",
)
CONNECTOR = {"connectorId": "github"}
REG_PAYLOAD = {
    "type": "WebAuthn",
    "id": "cred",
    "rawId": "cred",
    "response": {"clientDataJSON": "e30", "attestationObject": "o2M"},
    "clientExtensionResults": {},
}
AUTH_PAYLOAD = {
    "type": "WebAuthn",
    "id": "cred",
    "rawId": "cred",
    "response": {"clientDataJSON": "e30", "authenticatorData": "SZY", "signature": "MEU"},
    "clientExtensionResults": {},
}

# operationId -> (a body the server accepts, bodies it refuses)
BODIES: dict[str, tuple[Any, list[Any]]] = {
    "InitInteraction": (
        {"interactionEvent": "SignIn"},
        [{"interactionEvent": "Bogus"}, {}, {"interactionEvent": "signin"}],
    ),
    "UpdateInteractionEvent": ({"interactionEvent": "Register"}, [{"interactionEvent": 1}]),
    "IdentifyUser": (
        {"verificationId": "v1"},
        [{"verificationId": 5}, {"linkSocialIdentity": "yes"}],
    ),
    "CreatePasswordVerification": (
        {"identifier": {"type": "username", "value": "u"}, "password": "p"},
        [
            {"identifier": {"type": "usernamex", "value": "u"}, "password": "p"},
            {"identifier": {"type": "username", "value": "u"}, "password": ""},
        ],
    ),
    "CreateAndSendVerificationCode": (
        {"identifier": {"type": "email", "value": "a@b.co"}, "interactionEvent": "SignIn"},
        [
            {
                "identifier": {"type": "email", "value": "not-an-email"},
                "interactionEvent": "SignIn",
            },
            {"identifier": {"type": "phone", "value": "+1 555"}, "interactionEvent": "SignIn"},
            {"identifier": {"type": "Email", "value": "a@b.co"}, "interactionEvent": "SignIn"},
            {
                "identifier": {"type": "email", "value": "a@b.co" + "x" * 256},
                "interactionEvent": "SignIn",
            },
        ],
    ),
    "VerifyVerificationCodeVerification": (
        {
            "identifier": {"type": "phone", "value": "15551234"},
            "verificationId": "v",
            "code": "123456",
        },
        [
            {"identifier": {"type": "phone", "value": "1555x"}, "verificationId": "v", "code": "1"},
            {"identifier": {"type": "email", "value": "a@b.co"}, "verificationId": "v"},
        ],
    ),
    "CreateAndSendMfaVerificationCode": (
        {"identifierType": "email"},
        [{"identifierType": "Email"}, {"identifierType": "Phone"}],
    ),
    "VerifyMfaVerificationCode": (
        {"verificationId": "v", "code": "123456", "identifierType": "phone"},
        [{"verificationId": "v", "code": "123456", "identifierType": "Phone"}],
    ),
    "CreateSocialVerification": ({"state": "s", "redirectUri": "https://a/cb"}, [{"state": "s"}]),
    "VerifySocialVerification": ({"connectorData": {"code": "c"}}, [{"connectorData": "code"}, {}]),
    "CreateEnterpriseSsoVerification": (
        {"state": "s", "redirectUri": "https://a/cb"},
        [{"redirectUri": "https://a/cb"}],
    ),
    "VerifyEnterpriseSsoVerification": (
        {"connectorData": {}, "verificationId": "v"},
        [{"connectorData": {}}],
    ),
    "VerifyTotpVerification": ({"code": "123456"}, [{"code": ""}, {}]),
    "VerifyWebAuthnRegistrationVerification": (
        {"verificationId": "v", "payload": REG_PAYLOAD},
        [{"verificationId": "v", "payload": {**REG_PAYLOAD, "type": "public-key"}}],
    ),
    "VerifyWebAuthnAuthenticationVerification": (
        {"verificationId": "v", "payload": AUTH_PAYLOAD},
        [{"verificationId": "v", "payload": {**AUTH_PAYLOAD, "type": "Passkey"}}],
    ),
    "CreateSignInPasskeyAuthenticationWithIdentifier": (
        {"identifier": {"type": "email", "value": "a@b.co"}},
        [{"identifier": {"type": "social", "value": "x"}}],
    ),
    "VerifySignInPasskeyAuthentication": (
        {"payload": AUTH_PAYLOAD},
        [{"payload": {**AUTH_PAYLOAD, "type": "webauthn"}}, {}],
    ),
    "VerifyBackupCode": ({"code": "abcd-1234"}, [{"code": ""}]),
    "CreateNewPasswordIdentityVerification": (
        {"identifier": {"type": "username", "value": "new_user1"}, "password": "pw"},
        [
            {"identifier": {"type": "email", "value": "a@b.co"}, "password": "pw"},
            {"identifier": {"type": "username", "value": "1abc"}, "password": "pw"},
            {"identifier": {"type": "username", "value": "bad-name"}, "password": "pw"},
            {"identifier": {"type": "username", "value": "ünï"}, "password": "pw"},
            {"identifier": {"type": "username", "value": "abc\n"}, "password": "pw"},
        ],
    ),
    "VerifyOneTimeTokenVerification": (
        {"identifier": {"type": "email", "value": "a@b.co"}, "token": "t"},
        [
            {"identifier": {"type": "phone", "value": "a@b.co"}, "token": "t"},
            {"identifier": {"type": "email", "value": "nope"}, "token": "t"},
            {"identifier": {"type": "email", "value": "a@b.co"}, "token": ""},
        ],
    ),
    "AddUserProfile": (
        {"type": "email", "verificationId": "v"},
        [
            {"type": "username", "value": "1abc"},
            {"type": "nickname", "value": "x"},
            {"type": "email"},
            {"type": "extraProfile", "values": "x"},
        ],
    ),
    "ResetUserPassword": ({"password": "new-password"}, [{}, {"password": 1}]),
    "BindPasskey": ({"verificationId": "v"}, [{}]),
    "BindMfaVerification": (
        {"type": "EmailVerificationCode", "verificationId": "v"},
        [{"type": "Sms", "verificationId": "v"}, {"type": "Totp"}],
    ),
}
MORE_VALID: dict[str, list[Any]] = {
    "AddUserProfile": [
        {"type": "username", "value": "Some_user"},
        {"type": "password", "value": "x"},
        {"type": "social", "verificationId": "v"},
        {"type": "phone", "verificationId": "v"},
        {"type": "extraProfile", "values": {"nickname": "n"}},
    ],
    "CreateAndSendMfaVerificationCode": [{"identifierType": "phone"}],
}


@pytest.fixture(scope="module")
def spec(experience_142: Path) -> Spec:
    start = time.perf_counter()
    loaded = load_spec(experience_142, refresh=True)
    print(
        f"REPORT 1.42.0 experience document: load + normalise + index "
        f"{(time.perf_counter() - start) * 1000:.0f} ms, rewrites "
        f"{loaded.normalization.counts()}"
    )
    return loaded


def _path_for(spec: Spec, op_id: str) -> dict[str, str]:
    return {p.name: "github" for p in spec.operation(op_id).parameters_in("path")}


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(204)


def test_all_37_operations_index_and_build_requests(spec: Spec) -> None:
    assert len(spec.index) == 37 and not spec.quarantined
    assert len(spec.validators) == 0  # nothing compiled yet
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        return httpx.Response(204)

    with Client(
        "http://logto.test",
        spec=spec,
        transport=httpx.MockTransport(handler),
        validate=ValidationPolicy(Mode.STRICT, Mode.OFF),
    ) as client:
        for op in spec.index:
            body = BODIES[op.operation_id][0] if op.operation_id in BODIES else None
            if op.operation_id == "UploadExperienceAvatar":
                body = {"file": ("a.png", b"png", "image/png")}
            query = {"email": "a@b.co"} if op.operation_id == "GetEnabledSsoConnectors" else None
            client.call(op.operation_id, body, path=_path_for(spec, op.operation_id), query=query)
            assert seen[-1] == (op.method, op.path.replace("{connectorId}", "github"))
    assert len(seen) == 37


def test_every_body_operation_is_covered(spec: Spec) -> None:
    with_body = {op.operation_id for op in spec.index if op.has_body}
    assert with_body - {"UploadExperienceAvatar"} == set(BODIES)


@pytest.mark.parametrize("op_id", sorted(BODIES))
def test_valid_bodies_pass_and_invalid_bodies_fail(spec: Spec, op_id: str) -> None:
    op = spec.operation(op_id)
    valid, invalid = BODIES[op_id]
    for body in [valid, *MORE_VALID.get(op_id, [])]:
        assert spec.check_request(op, body=body, path_params=_path_for(spec, op_id)) == [], body
    for body in invalid:
        problems = spec.check_request(op, body=body, path_params=_path_for(spec, op_id))
        assert problems, f"{op_id} accepted {body!r}"


def test_client_refuses_what_the_server_refuses(spec: Spec) -> None:
    with Client("http://t", spec=spec, transport=httpx.MockTransport(_answer)) as client:
        with pytest.raises(RequestValidationError, match="identifier.type"):
            client.call(
                "CreateNewPasswordIdentityVerification",
                {"identifier": {"type": "email", "value": "a@b.co"}, "password": "p"},
            )
        with pytest.raises(RequestValidationError, match="pattern"):
            client.call(
                "CreateNewPasswordIdentityVerification",
                {"identifier": {"type": "username", "value": "1abc"}, "password": "p"},
            )
        with pytest.raises(RequestValidationError, match="Email"):
            client.call("CreateAndSendMfaVerificationCode", {"identifierType": "Email"})


def _respond(
    spec: Spec, op_id: str, status: int, content_type: str | None, body: bytes
) -> list[Any]:
    return list(spec.responses.check(spec.operation(op_id), status, content_type, body).violations)


def test_real_server_responses_pass(spec: Spec) -> None:
    assert _respond(spec, "IdentifyUser", 201, "text/plain; charset=utf-8", b"Created") == []
    assert _respond(spec, "IdentifyUser", 204, None, b"") == []
    assert _respond(spec, "InitInteraction", 204, None, b"") == []
    error = {"code": "session.invalid_credentials", "message": "Incorrect account or password."}
    assert (
        _respond(
            spec, "CreatePasswordVerification", 422, "application/json", json.dumps(error).encode()
        )
        == []
    )
    guard = {
        "code": "guard.invalid_input",
        "message": "The request body is invalid.",
        "data": {"issues": [], "name": "ZodError"},
        "details": "Error in key path",
    }
    assert (
        _respond(
            spec,
            "CreatePasswordVerification",
            400,
            "application/json; charset=utf-8",
            json.dumps(guard).encode(),
        )
        == []
    )
    no_session = {
        "code": "session.not_found",
        "message": "Session not found.",
        "error": "invalid_request",
        "error_description": "cookie not found",
    }
    assert (
        _respond(spec, "InitInteraction", 400, "application/json", json.dumps(no_session).encode())
        == []
    )
    assert (
        _respond(
            spec,
            "SubmitInteraction",
            200,
            "application/json",
            b'{"redirectTo": "http://x/oidc/auth/1"}',
        )
        == []
    )
    assert _respond(spec, "SubmitInteraction", 200, "text/plain; charset=utf-8", b"OK") == []
    assert (
        _respond(
            spec,
            "CreatePasswordVerification",
            200,
            "application/json",
            b'{"verificationId": "vjlpbt7m9l5i6jt1jzzk0"}',
        )
        == []
    )
    interaction = {
        "interactionEvent": "SignIn",
        "userId": "u",
        "profile": {},
        "verificationRecords": [
            {
                "id": "r",
                "type": "Password",
                "identifier": {"type": "username", "value": "flowuser1"},
                "verified": True,
            }
        ],
        "mfa": {},
        "signInContext": {"ip": "127.0.0.1", "userAgent": "ua"},
        "captcha": {"verified": False, "skipped": False},
    }
    assert (
        _respond(spec, "GetInteraction", 200, "application/json", json.dumps(interaction).encode())
        == []
    )


def test_wrong_responses_still_fail(spec: Spec) -> None:
    assert _respond(
        spec, "CreatePasswordVerification", 422, "application/json", b'{"message": "no code"}'
    )
    assert _respond(spec, "SubmitInteraction", 200, "application/json", b"{}")
    assert _respond(spec, "CreatePasswordVerification", 200, "application/json", b"{}")


@pytest.mark.parametrize("op_id", NEW_SINCE_122)
def test_operations_new_since_122_are_callable(spec: Spec, op_id: str) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(204)

    op = spec.operation(op_id)
    body: Any = BODIES[op_id][0] if op_id in BODIES else None
    if op_id == "UploadExperienceAvatar":
        body = {"file": ("a.png", b"png", "image/png")}
    with Client(
        "http://t",
        spec=spec,
        transport=httpx.MockTransport(handler),
        validate=ValidationPolicy(Mode.STRICT, Mode.OFF),
    ) as client:
        getattr(client.ops, op_id)(body)
    assert calls == [op.path]


def test_normalisation_counts_of_the_published_document(spec: Spec) -> None:
    counts = spec.normalization.counts()
    assert counts["case-duplicate-enum"] == 2
    assert counts["oneof-sibling-properties"] == 1
    assert counts["schemaless-json-response"] == 1 and counts["submit-text-ok"] == 1
    assert counts["js-regex"] == counts["regex-marker"] == 7
    assert counts["literal-format"] == 41


PROJECT_142 = Path(__file__).resolve().parents[2] / "spec" / "logto-experience-1.42.openapi.json"


@pytest.mark.parametrize(
    ("profile", "accepted"),
    [
        ({"username": "alice", "name": None, "avatar": None, "primaryEmail": None}, True),
        ({"username": None, "primaryPhone": None}, True),
        ({"username": "alice", "name": 5}, False),  # nullable is not "anything goes"
        ({"username": "alice", "name": "x" * 129}, False),  # its other keywords still hold
    ],
)
def test_nullable_typed_properties_accept_null(profile: dict[str, Any], accepted: bool) -> None:
    """Logto 1.42 marks typed profile fields ``nullable`` (``{"type": "string", "nullable":
    true}``); a client reading an interaction with ``"name": null`` must accept it."""
    body = {"interactionEvent": "SignIn", "profile": profile}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    with Client(
        "http://logto.test", spec=str(PROJECT_142), http=httpx.Client(transport=transport)
    ) as client:
        if accepted:
            assert client.ops.GetInteraction().data == body
        else:
            with pytest.raises(ResponseValidationError, match=r"profile\.name"):
                client.ops.GetInteraction()
