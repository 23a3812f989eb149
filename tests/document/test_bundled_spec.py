"""Checks of the bundled, hand-written Logto Experience API document (spec/*.yaml).

These tests read the YAML file directly and do not import logto_dynamic. The operation
table below was written by hand from the reference (experience-facts.md §4, Logto 1.22.0),
not generated from the document under test.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from openapi_spec_validator import validate

SPEC_PATH = Path(__file__).parents[2] / "spec" / "logto-experience-1.22.openapi.yaml"
ERROR_REF = "#/components/schemas/Error"
SERVER_ERROR_REF = "#/components/schemas/ServerError"
SERVER_ERROR_RESPONSE = {"$ref": "#/components/responses/ServerError"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


# operationId -> (method, path, documented status codes), from experience-facts.md §4.
OPERATIONS: dict[str, tuple[str, str, set[int]]] = {
    "InitInteraction": ("put", "/api/experience", {204, 400}),
    "UpdateInteractionEvent": ("put", "/api/experience/interaction-event", {204, 400, 403}),
    "IdentifyUser": (
        "post",
        "/api/experience/identification",
        {201, 204, 400, 401, 403, 404, 409, 422},
    ),
    "SubmitInteraction": ("post", "/api/experience/submit", {200, 400, 403, 404, 422}),
    "CreatePasswordVerification": (
        "post",
        "/api/experience/verification/password",
        {200, 400, 401, 422},
    ),
    "CreateAndSendVerificationCode": (
        "post",
        "/api/experience/verification/verification-code",
        {200, 400, 404, 501},
    ),
    "VerifyVerificationCodeVerification": (
        "post",
        "/api/experience/verification/verification-code/verify",
        {200, 400, 404, 501},
    ),
    "CreateSocialVerification": (
        "post",
        "/api/experience/verification/social/{connectorId}/authorization-uri",
        {200, 400, 404, 500},
    ),
    "VerifySocialVerification": (
        "post",
        "/api/experience/verification/social/{connectorId}/verify",
        {200, 400, 404, 500},
    ),
    "CreateEnterpriseSsoVerification": (
        "post",
        "/api/experience/verification/sso/{connectorId}/authorization-uri",
        {200, 400, 404, 500},
    ),
    "VerifyEnterpriseSsoVerification": (
        "post",
        "/api/experience/verification/sso/{connectorId}/verify",
        {200, 400, 404, 500},
    ),
    "CreateTotpSecret": ("post", "/api/experience/verification/totp/secret", {200, 400, 404}),
    "VerifyTotpVerification": (
        "post",
        "/api/experience/verification/totp/verify",
        {200, 400, 404},
    ),
    "CreateWebAuthnRegistrationVerification": (
        "post",
        "/api/experience/verification/web-authn/registration",
        {200, 400, 404},
    ),
    "VerifyWebAuthnRegistrationVerification": (
        "post",
        "/api/experience/verification/web-authn/registration/verify",
        {200, 400, 404},
    ),
    "CreateWebAuthnAuthenticationVerification": (
        "post",
        "/api/experience/verification/web-authn/authentication",
        {200, 400, 404},
    ),
    "VerifyWebAuthnAuthenticationVerification": (
        "post",
        "/api/experience/verification/web-authn/authentication/verify",
        {200, 400, 404},
    ),
    "GenerateBackupCodes": (
        "post",
        "/api/experience/verification/backup-code/generate",
        {200, 400, 404},
    ),
    "VerifyBackupCode": (
        "post",
        "/api/experience/verification/backup-code/verify",
        {200, 400, 404},
    ),
    "CreateNewPasswordIdentityVerification": (
        "post",
        "/api/experience/verification/new-password-identity",
        {200, 400, 422},
    ),
    "AddUserProfile": ("post", "/api/experience/profile", {204, 400, 403, 404, 422}),
    "ResetUserPassword": ("put", "/api/experience/profile/password", {204, 400, 404, 422}),
    "SkipMfaBindingFlow": (
        "post",
        "/api/experience/profile/mfa/mfa-skipped",
        {204, 400, 403, 404, 422},
    ),
    "BindMfaVerification": ("post", "/api/experience/profile/mfa", {204, 400, 403, 404, 422}),
    "GetEnabledSsoConnectors": ("get", "/api/experience/sso-connectors", {200, 400}),
}

# Operations without a request body (experience-facts.md §4, "body" column).
NO_BODY = {
    "SubmitInteraction",
    "CreateTotpSecret",
    "CreateWebAuthnRegistrationVerification",
    "CreateWebAuthnAuthenticationVerification",
    "GenerateBackupCodes",
    "SkipMfaBindingFlow",
    "GetEnabledSsoConnectors",
}


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


@functools.cache
def _load() -> dict[str, Any]:
    with SPEC_PATH.open("rb") as f:
        doc = yaml.safe_load(f)
    assert isinstance(doc, dict)
    return doc


@pytest.fixture
def doc() -> dict[str, Any]:
    # A private deep copy, so no test can leak changes into another one.
    return copy.deepcopy(_load())


def _walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def _pointer(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"non-local $ref {ref!r}"
    node: Any = doc
    for raw in ref[2:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(token)]
        else:
            assert isinstance(node, dict) and token in node, f"unresolvable $ref {ref!r}"
            node = node[token]
    return node


def _deref(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = _pointer(doc, node["$ref"])
    return node


def _inline(doc: dict[str, Any], node: Any) -> Any:
    """Replace every $ref by a copy of its target (the document has no recursive schemas)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(doc, _pointer(doc, node["$ref"]))
        return {key: _inline(doc, value) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(doc, value) for value in node]
    return node


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield method, path, op


def _operation(doc: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for _, _, op in _operations(doc):
        if op["operationId"] == operation_id:
            return op
    raise AssertionError(f"no operation {operation_id}")


def _body_schema(doc: dict[str, Any], operation_id: str) -> dict[str, Any]:
    body = _operation(doc, operation_id)["requestBody"]
    schema = _inline(doc, body["content"]["application/json"]["schema"])
    assert isinstance(schema, dict)
    return schema


def _validator(schema: dict[str, Any]) -> jsonschema.Draft4Validator:
    # OpenAPI 3.0 schema objects are a Draft-4-like dialect; no `nullable` is used here,
    # and the OAS-only keywords (discriminator, x-*, example) are ignored by Draft 4.
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def _error_keywords(errors: Any) -> set[str]:
    """The failing keywords of all errors, including those inside oneOf/anyOf contexts."""
    keywords: set[str] = set()
    for error in errors:
        keywords.add(str(error.validator))
        keywords |= _error_keywords(error.context or [])
    return keywords


def _constraint_kinds(schema: Any) -> set[str]:
    """The constraint keywords a schema uses anywhere (the ones a bad body can break)."""
    kinds: set[str] = set()
    for _, node in _walk(schema):
        if not isinstance(node, dict):
            continue
        if node.get("required"):
            kinds.add("required")
        for keyword in ("type", "enum", "minLength", "pattern", "oneOf"):
            if keyword in node and isinstance(node[keyword], (str, list, int)):
                kinds.add(keyword)
    return kinds


# --------------------------------------------------------------------------------------
# the document as a whole
# --------------------------------------------------------------------------------------


def test_document_is_valid_openapi_3_0_3(doc: dict[str, Any]) -> None:
    validate(doc)
    assert doc["openapi"] == "3.0.3"
    assert doc["info"]["version"] == "1.22.0"
    assert doc["info"]["title"] == "Logto Experience API"


def test_servers_use_an_endpoint_variable(doc: dict[str, Any]) -> None:
    (server,) = doc["servers"]
    assert server["url"] == "{endpoint}"
    assert set(server["variables"]) == {"endpoint"}
    assert server["variables"]["endpoint"]["default"] == "http://localhost:3001"


def test_one_experience_tag(doc: dict[str, Any]) -> None:
    assert [tag["name"] for tag in doc["tags"]] == ["Experience"]
    assert doc["tags"][0]["description"]


def test_all_refs_resolve(doc: dict[str, Any]) -> None:
    refs = [node["$ref"] for _, node in _walk(doc) if isinstance(node, dict) and "$ref" in node]
    assert len(refs) > 50
    for ref in refs:
        target = _pointer(doc, ref)
        assert isinstance(target, dict) and target, ref
    mappings = [
        target
        for _, node in _walk(doc)
        if isinstance(node, dict) and "discriminator" in node
        for target in node["discriminator"].get("mapping", {}).values()
    ]
    assert mappings
    for ref in mappings:
        _pointer(doc, ref)


def test_all_components_are_used(doc: dict[str, Any]) -> None:
    refs = {node["$ref"] for _, node in _walk(doc) if isinstance(node, dict) and "$ref" in node}
    for section in ("schemas", "parameters"):
        for name in doc["components"][section]:
            assert f"#/components/{section}/{name}" in refs, name


@pytest.mark.parametrize(
    "name",
    [
        "InteractionEvent",
        "InteractionIdentifier",
        "VerificationCodeIdentifier",
        "UsernameIdentifier",
        "VerificationIdResponse",
        "MfaFactor",
        "SocialAuthorizationUrlPayload",
        "ConnectorData",
        "WebAuthnTransport",
        "PublicKeyCredentialDescriptor",
        "WebAuthnOptionsExtensions",
        "WebAuthnRegistrationOptions",
        "WebAuthnAuthenticationOptions",
        "WebAuthnClientExtensionResults",
        "WebAuthnRegistrationPayload",
        "WebAuthnAuthenticationPayload",
        "AddUserProfilePayload",
        "Error",
    ],
)
def test_shared_schema_exists(doc: dict[str, Any], name: str) -> None:
    assert name in doc["components"]["schemas"]


def test_no_closed_objects_nullable_or_logto_style_literals(doc: dict[str, Any]) -> None:
    for path, node in _walk(doc):
        if not isinstance(node, dict):
            continue
        assert node.get("additionalProperties") is not False, path
        assert "nullable" not in node, path
        fmt = node.get("format")
        if isinstance(fmt, str):
            assert fmt in {"email"}, (path, fmt)
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            assert not (pattern.startswith("/") and pattern.endswith("/")), (path, pattern)


# --------------------------------------------------------------------------------------
# operations
# --------------------------------------------------------------------------------------


def test_operations_match_the_reference_table(doc: dict[str, Any]) -> None:
    found: dict[str, tuple[str, str, set[int]]] = {}
    for method, path, op in _operations(doc):
        operation_id = op["operationId"]
        assert operation_id not in found, f"duplicate operationId {operation_id}"
        # every operation can answer a 5xx (Logto lists only some of them)
        assert op["responses"]["5XX"] == SERVER_ERROR_RESPONSE, operation_id
        codes = {int(code) for code in op["responses"] if code != "5XX"}
        found[operation_id] = (method, path, codes)
    assert len(found) == 25
    assert found == OPERATIONS


def test_request_bodies_are_required_json(doc: dict[str, Any]) -> None:
    with_body = set()
    for _, _, op in _operations(doc):
        body = op.get("requestBody")
        if body is None:
            continue
        with_body.add(op["operationId"])
        assert body["required"] is True
        assert list(body["content"]) == ["application/json"]
        assert "schema" in body["content"]["application/json"]
    assert with_body == set(OPERATIONS) - NO_BODY


def test_operations_are_tagged_described_and_anonymous(doc: dict[str, Any]) -> None:
    for _, _, op in _operations(doc):
        assert op["tags"] == ["Experience"]
        assert op["summary"] and "description" not in op  # the project's summaries only
        assert op["security"] == []
        for code, response in op["responses"].items():
            response = _inline(doc, response)
            assert response["description"].strip(), (op["operationId"], code)


def test_cookie_security_scheme(doc: dict[str, Any]) -> None:
    assert doc["security"] == [{"cookieAuth": []}]
    scheme = doc["components"]["securitySchemes"]["cookieAuth"]
    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "cookie"
    assert scheme["name"] == "_interaction"
    assert scheme["x-logto-secret"] is True


def test_connector_id_is_a_shared_path_parameter(doc: dict[str, Any]) -> None:
    assert doc["components"]["parameters"]["connectorId"] == {
        "name": "connectorId",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    for _, path, op in _operations(doc):
        if "{connectorId}" in path:
            assert op["parameters"] == [{"$ref": "#/components/parameters/connectorId"}]
        else:
            assert all(p.get("in") != "path" for p in op.get("parameters", []))


def test_email_query_parameter(doc: dict[str, Any]) -> None:
    op = _operation(doc, "GetEnabledSsoConnectors")
    (param,) = op["parameters"]
    assert param["name"] == "email"
    assert param["in"] == "query"
    assert param["required"] is True
    assert set(param["schema"]) == {"type", "format", "pattern"}
    assert param["schema"]["format"] == "email"  # zod's regex beside it: test_standard_tools


# --------------------------------------------------------------------------------------
# responses
# --------------------------------------------------------------------------------------


def test_every_error_response_has_the_error_schema(doc: dict[str, Any]) -> None:
    count = 0
    for _, _, op in _operations(doc):
        for code, response in op["responses"].items():
            if code == "5XX":
                continue
            if int(code) >= 400:
                count += 1
                ref = ERROR_REF if int(code) < 500 else SERVER_ERROR_REF
                assert response["content"] == {"application/json": {"schema": {"$ref": ref}}}, (
                    op["operationId"],
                    code,
                )
    assert count == sum(len([c for c in codes if c >= 400]) for _, _, codes in OPERATIONS.values())
    server_error = doc["components"]["responses"]["ServerError"]
    assert server_error["content"] == {"application/json": {"schema": {"$ref": SERVER_ERROR_REF}}}


def test_204_responses_have_no_content(doc: dict[str, Any]) -> None:
    for _, _, op in _operations(doc):
        if "204" in op["responses"]:
            assert "content" not in op["responses"]["204"], op["operationId"]


def test_success_bodies_are_json_with_a_schema(doc: dict[str, Any]) -> None:
    for _, _, op in _operations(doc):
        response = op["responses"].get("200")
        if response is not None:
            assert "schema" in response["content"]["application/json"], op["operationId"]


def test_identify_user_201_is_text_plain_created(doc: dict[str, Any]) -> None:
    response = _operation(doc, "IdentifyUser")["responses"]["201"]
    assert response["content"] == {
        "text/plain": {"schema": {"type": "string", "enum": ["Created"]}}
    }


def test_submit_interaction_200_is_json_or_text_ok(doc: dict[str, Any]) -> None:
    content = _operation(doc, "SubmitInteraction")["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/plain"}
    json_schema = content["application/json"]["schema"]
    assert json_schema["required"] == ["redirectTo"]
    text_schema = content["text/plain"]["schema"]
    assert text_schema["type"] == "string"
    assert text_schema["enum"] == ["OK"]
    assert "ForgotPassword" in text_schema["description"]


def test_error_schema_shape(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    server_error = schemas["ServerError"]
    assert server_error["type"] == "object"
    assert server_error["required"] == ["message"]
    props = server_error["properties"]
    assert set(props) == {"code", "message", "data", "details", "error", "error_description"}
    assert "type" not in props["data"]
    for name in ("code", "message", "details", "error", "error_description"):
        assert props[name]["type"] == "string"
    error = schemas["Error"]  # a 4xx: a ServerError that always has its code
    assert error["allOf"] == [{"$ref": SERVER_ERROR_REF}]
    assert error["required"] == ["code", "message"]


# Error bodies a real Logto server sent (observed-traffic.md).
OBSERVED_ERRORS: list[Any] = [
    {
        "code": "session.not_found",
        "message": "Session not found. Please go back and sign in again.",
        "error": "invalid_request",
        "error_description": "interaction session id cookie not found",
    },
    {
        "code": "session.invalid_credentials",
        "message": "Incorrect account or password. Please check your input.",
    },
    {
        "code": "password.rejected",
        "data": [
            {"code": "password_rejected.too_short", "interpolation": {"min": 8}},
            {"code": "password_rejected.restricted.sequence"},
        ],
        "message": "The password is rejected.",
    },
    {
        "code": "guard.invalid_input",
        "data": {"issues": [{"path": ["identifier", "type"]}], "name": "ZodError"},
        "details": 'Error in key path "identifier.type": invalid enum value',
        "message": "The request body is invalid.",
    },
    {"code": "guard.invalid_input", "message": "The request {{type}} is invalid."},
]


@pytest.mark.parametrize("body", OBSERVED_ERRORS)
def test_observed_error_bodies_match_the_error_schema(doc: dict[str, Any], body: Any) -> None:
    assert _validator(_inline(doc, {"$ref": ERROR_REF})).is_valid(body)


@pytest.mark.parametrize(
    "body", [{"message": "no code"}, {"code": "x"}, {"code": 1, "message": "m"}, "text"]
)
def test_malformed_error_bodies_fail(doc: dict[str, Any], body: Any) -> None:
    assert not _validator(_inline(doc, {"$ref": ERROR_REF})).is_valid(body)


# A real Logto 500 (an unexpected error) carries its message only.
REAL_500 = {"message": "Internal server error."}


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        (REAL_500, True),
        ({"code": "connector.general", "message": "m", "data": {}}, True),
        ({"code": "x"}, False),
        ({"message": 5}, False),
        ("text", False),
    ],
)
def test_server_error_schema(doc: dict[str, Any], body: Any, valid: bool) -> None:
    assert _validator(_inline(doc, {"$ref": SERVER_ERROR_REF})).is_valid(body) is valid


REGISTRATION_OPTIONS = {
    "rp": {"name": "Logto", "id": "localhost"},
    "user": {"id": "dXNlcg", "name": "alice", "displayName": "Alice"},
    "challenge": "Y2hhbGxlbmdl",
    "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
    "timeout": 60000,
    "excludeCredentials": [{"type": "public-key", "id": "Y3JlZA", "transports": ["internal"]}],
    "authenticatorSelection": {
        "authenticatorAttachment": "platform",
        "requireResidentKey": False,
        "residentKey": "preferred",
        "userVerification": "required",
    },
    "attestation": "none",
    "extensions": {"credProps": True},
}

AUTHENTICATION_OPTIONS = {
    "challenge": "Y2hhbGxlbmdl",
    "timeout": 60000,
    "rpId": "localhost",
    "allowCredentials": [{"type": "public-key", "id": "Y3JlZA", "transports": ["usb", "nfc"]}],
    "userVerification": "preferred",
    "extensions": {"appid": "https://example.com"},
}

# operationId -> (status, valid response bodies, invalid response bodies)
RESPONSE_CASES: dict[str, tuple[str, list[Any], list[Any]]] = {
    "CreatePasswordVerification": ("200", [{"verificationId": "vjlpbt7m9l5i6jt1jzzk0"}], [{}]),
    "SubmitInteraction": (
        "200",
        [{"redirectTo": "http://127.0.0.1:3001/oidc/auth/uid"}],
        [{"redirect": "x"}],
    ),
    "CreateTotpSecret": (
        "200",
        [{"verificationId": "v", "secret": "KEKR", "secretQrCode": "data:image/png;base64,AA"}],
        [{"verificationId": "v", "secret": "KEKR"}],
    ),
    "GenerateBackupCodes": (
        "200",
        [{"verificationId": "v", "codes": ["a1b2c3", "d4e5f6"]}],
        [{"verificationId": "v", "codes": "a1b2c3"}],
    ),
    "CreateSocialVerification": (
        "200",
        [{"verificationId": "v", "authorizationUri": "https://idp/auth?state=s"}],
        [{"verificationId": "v"}],
    ),
    "CreateWebAuthnRegistrationVerification": (
        "200",
        [{"verificationId": "v", "registrationOptions": REGISTRATION_OPTIONS}],
        [
            {"verificationId": "v", "registrationOptions": {"challenge": "c"}},
            {
                "verificationId": "v",
                "registrationOptions": {**REGISTRATION_OPTIONS, "attestation": "some"},
            },
        ],
    ),
    "CreateWebAuthnAuthenticationVerification": (
        "200",
        [{"verificationId": "v", "authenticationOptions": AUTHENTICATION_OPTIONS}],
        [
            {
                "verificationId": "v",
                "authenticationOptions": {
                    "challenge": "c",
                    "allowCredentials": [{"type": "public-key", "id": "x", "transports": ["x"]}],
                },
            }
        ],
    ),
    "GetEnabledSsoConnectors": ("200", [{"connectorIds": []}, {"connectorIds": ["c1"]}], [{}]),
}


@pytest.mark.parametrize("operation_id", sorted(RESPONSE_CASES))
def test_response_examples(doc: dict[str, Any], operation_id: str) -> None:
    status, valid, invalid = RESPONSE_CASES[operation_id]
    response = _operation(doc, operation_id)["responses"][status]
    validator = _validator(_inline(doc, response["content"]["application/json"]["schema"]))
    for body in valid:
        assert not list(validator.iter_errors(body)), body
        assert validator.is_valid({**body, "someFutureField": 1})
    for body in invalid:
        assert not validator.is_valid(body), body


# --------------------------------------------------------------------------------------
# request bodies: valid and invalid examples, checked with a Draft 4 validator
# --------------------------------------------------------------------------------------

REGISTRATION_PAYLOAD: dict[str, Any] = {
    "type": "WebAuthn",
    "id": "Y3JlZGVudGlhbC1pZA",
    "rawId": "Y3JlZGVudGlhbC1pZA",
    "response": {
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0",
        "attestationObject": "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVi",
        "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2NdAAAAAA",
        "transports": ["internal", "hybrid"],
        "publicKeyAlgorithm": -7,
        "publicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
    },
    "authenticatorAttachment": "platform",
    "clientExtensionResults": {
        "appid": False,
        "crepProps": {"rk": True},
        "hmacCreateSecret": False,
    },
}

AUTHENTICATION_PAYLOAD: dict[str, Any] = {
    "type": "WebAuthn",
    "id": "Y3JlZGVudGlhbC1pZA",
    "rawId": "Y3JlZGVudGlhbC1pZA",
    "authenticatorAttachment": "cross-platform",
    "clientExtensionResults": {},
    "response": {
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0",
        "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ",
        "signature": "MEUCIQDs",
        "userHandle": "dXNlci1pZA",
    },
}


def _with(base: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A deep copy of base with path set to value (or removed if value is _DROP)."""
    result = copy.deepcopy(base)
    node = result
    for key in path[:-1]:
        node = node[key]
    if value is _DROP:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return result


_DROP = object()
USERNAME_ID = {"type": "username", "value": "alice"}
EMAIL_ID = {"type": "email", "value": "a@example.com"}
PHONE_ID = {"type": "phone", "value": "15551234567"}
REG = {"verificationId": "v1", "payload": REGISTRATION_PAYLOAD}
AUTH = {"verificationId": "v1", "payload": AUTHENTICATION_PAYLOAD}

# operationId -> (valid bodies, [(invalid body, a keyword its errors must include)])
BODY_CASES: dict[str, tuple[list[Any], list[tuple[Any, str]]]] = {
    "InitInteraction": (
        [{"interactionEvent": e} for e in ("SignIn", "Register", "ForgotPassword")],
        [
            ({}, "required"),
            ({"interactionEvent": "Bogus"}, "enum"),
            ({"interactionEvent": 1}, "type"),
            ([], "type"),
        ],
    ),
    "UpdateInteractionEvent": (
        [{"interactionEvent": "SignIn"}, {"interactionEvent": "Register"}],
        [({}, "required"), ({"interactionEvent": "signIn"}, "enum"), ("SignIn", "type")],
    ),
    "IdentifyUser": (
        [{}, {"verificationId": "v1"}, {"verificationId": "v1", "linkSocialIdentity": True}],
        [({"linkSocialIdentity": "yes"}, "type"), ({"verificationId": 1}, "type"), (None, "type")],
    ),
    "CreatePasswordVerification": (
        [
            {"identifier": USERNAME_ID, "password": "s3cret"},
            {"identifier": EMAIL_ID, "password": "x"},
            {"identifier": PHONE_ID, "password": "x"},
        ],
        [
            ({"identifier": USERNAME_ID}, "required"),
            ({"identifier": {"type": "username"}, "password": "x"}, "required"),
            ({"identifier": {"type": "usernamex", "value": "a"}, "password": "x"}, "enum"),
            ({"identifier": USERNAME_ID, "password": ""}, "minLength"),
            ({"identifier": USERNAME_ID, "password": 123}, "type"),
            ({"identifier": "alice", "password": "x"}, "type"),
        ],
    ),
    "CreateAndSendVerificationCode": (
        [
            {"identifier": EMAIL_ID, "interactionEvent": "SignIn"},
            {"identifier": PHONE_ID, "interactionEvent": "ForgotPassword"},
        ],
        [
            ({"identifier": USERNAME_ID, "interactionEvent": "SignIn"}, "enum"),
            ({"identifier": EMAIL_ID}, "required"),
            ({"identifier": EMAIL_ID, "interactionEvent": "signin"}, "enum"),
            ({"identifier": {"type": "email", "value": 1}, "interactionEvent": "SignIn"}, "type"),
        ],
    ),
    "VerifyVerificationCodeVerification": (
        [
            {"identifier": EMAIL_ID, "verificationId": "v1", "code": "123456"},
            {"identifier": PHONE_ID, "verificationId": "v1", "code": ""},  # no minLength
        ],
        [
            ({"identifier": EMAIL_ID, "verificationId": "v1"}, "required"),
            ({"identifier": EMAIL_ID, "verificationId": "v1", "code": 123456}, "type"),
            ({"identifier": USERNAME_ID, "verificationId": "v1", "code": "1"}, "enum"),
        ],
    ),
    "CreateSocialVerification": (
        [{"state": "s", "redirectUri": "https://app.example.com/callback"}],
        [({"state": "s"}, "required"), ({"state": 1, "redirectUri": "r"}, "type")],
    ),
    "VerifySocialVerification": (
        [
            {"connectorData": {"code": "abc", "state": "s"}},
            {"connectorData": {}, "verificationId": "v1"},
        ],
        [
            ({}, "required"),
            ({"connectorData": "code=abc"}, "type"),
            ({"connectorData": []}, "type"),
            ({"connectorData": {}, "verificationId": 1}, "type"),
        ],
    ),
    "CreateEnterpriseSsoVerification": (
        [{"state": "s", "redirectUri": "https://app.example.com/sso-callback"}],
        [({"redirectUri": "r"}, "required"), ({"state": "s", "redirectUri": None}, "type")],
    ),
    "VerifyEnterpriseSsoVerification": (
        [{"connectorData": {"SAMLResponse": "PHNhbWw+"}, "verificationId": "v1"}],
        [
            ({"connectorData": {}}, "required"),
            ({"connectorData": None, "verificationId": "v1"}, "type"),
        ],
    ),
    "VerifyTotpVerification": (
        [{"code": "123456"}, {"code": "123456", "verificationId": "v1"}],
        [({}, "required"), ({"code": ""}, "minLength"), ({"code": 123456}, "type")],
    ),
    "VerifyWebAuthnRegistrationVerification": (
        [
            REG,
            _with(REG, ("payload", "clientExtensionResults"), {}),
            _with(REG, ("payload", "authenticatorAttachment"), _DROP),
        ],
        [
            ({"verificationId": "v1"}, "required"),
            (_with(REG, ("payload", "response", "clientDataJSON"), _DROP), "required"),
            (_with(REG, ("payload", "clientExtensionResults"), _DROP), "required"),
            (_with(REG, ("payload", "response", "transports"), ["bluetooth"]), "enum"),
            (_with(REG, ("payload", "type"), "public-key"), "enum"),
            (_with(REG, ("payload", "authenticatorAttachment"), "usb"), "enum"),
            (_with(REG, ("payload", "response", "publicKeyAlgorithm"), "-7"), "type"),
            (
                _with(REG, ("payload", "clientExtensionResults", "crepProps", "rk"), "yes"),
                "type",
            ),
        ],
    ),
    "VerifyWebAuthnAuthenticationVerification": (
        [AUTH, _with(AUTH, ("payload", "response", "userHandle"), _DROP)],
        [
            ({"payload": AUTHENTICATION_PAYLOAD}, "required"),
            (_with(AUTH, ("payload", "response", "clientDataJSON"), _DROP), "required"),
            (_with(AUTH, ("payload", "response", "signature"), _DROP), "required"),
            (_with(AUTH, ("payload", "type"), "WebAuthnX"), "enum"),
            (_with(AUTH, ("payload", "authenticatorAttachment"), "platformx"), "enum"),
            (_with(AUTH, ("payload", "response", "userHandle"), 1), "type"),
            (_with(AUTH, ("payload", "clientExtensionResults", "appid"), "true"), "type"),
        ],
    ),
    "VerifyBackupCode": (
        [{"code": "a1b2-c3d4"}],
        [({}, "required"), ({"code": ""}, "minLength"), ({"code": 1}, "type")],
    ),
    "CreateNewPasswordIdentityVerification": (
        [
            {"identifier": {"type": "username", "value": "new_user1"}, "password": "P@ssw0rd!"},
            {"identifier": {"type": "username", "value": "_x"}, "password": ""},
        ],
        [
            ({"identifier": {"type": "username", "value": "1abc"}, "password": "x"}, "pattern"),
            ({"identifier": {"type": "username", "value": "bad-name"}, "password": "x"}, "pattern"),
            ({"identifier": {"type": "username", "value": ""}, "password": "x"}, "pattern"),
            ({"identifier": {"type": "email", "value": "a@b.co"}, "password": "x"}, "enum"),
            ({"identifier": {"type": "username", "value": "alice"}}, "required"),
            ({"identifier": {"type": "username", "value": "alice"}, "password": 1}, "type"),
        ],
    ),
    "AddUserProfile": (
        [
            {"type": "username", "value": "alice"},
            {"type": "password", "value": "s3cret"},
            {"type": "email", "verificationId": "x"},
            {"type": "phone", "verificationId": "x"},
            {"type": "social", "verificationId": "x"},
        ],
        [
            ({"type": "nope"}, "oneOf"),
            ({"type": "nope", "verificationId": "x"}, "enum"),
            ({"type": "username", "value": "1abc"}, "pattern"),
            ({"type": "email"}, "required"),
            ({"type": "password", "value": 1}, "type"),
            ({"type": "username", "verificationId": "x"}, "required"),
            ("username", "oneOf"),
        ],
    ),
    "ResetUserPassword": (
        [{"password": "n3w-password"}],
        [({}, "required"), ({"password": None}, "type")],
    ),
    "BindMfaVerification": (
        [{"type": t, "verificationId": "v1"} for t in ("Totp", "WebAuthn", "BackupCode")],
        [
            ({"type": "Sms", "verificationId": "v1"}, "enum"),
            ({"type": "totp", "verificationId": "v1"}, "enum"),
            ({"type": "Totp"}, "required"),
            ({"type": "Totp", "verificationId": 1}, "type"),
        ],
    ),
}


def test_body_cases_cover_every_operation_with_a_body() -> None:
    assert set(BODY_CASES) == set(OPERATIONS) - NO_BODY


@pytest.mark.parametrize("operation_id", sorted(BODY_CASES))
def test_valid_bodies_pass(doc: dict[str, Any], operation_id: str) -> None:
    validator = _validator(_body_schema(doc, operation_id))
    valid, _ = BODY_CASES[operation_id]
    assert valid
    for body in valid:
        errors = list(validator.iter_errors(body))
        assert not errors, (body, [e.message for e in errors])


@pytest.mark.parametrize("operation_id", sorted(BODY_CASES))
def test_invalid_bodies_fail(doc: dict[str, Any], operation_id: str) -> None:
    validator = _validator(_body_schema(doc, operation_id))
    _, invalid = BODY_CASES[operation_id]
    for body, keyword in invalid:
        errors = list(validator.iter_errors(body))
        assert errors, body
        assert keyword in _error_keywords(errors), (body, keyword, _error_keywords(errors))


@pytest.mark.parametrize("operation_id", sorted(BODY_CASES))
def test_invalid_bodies_cover_every_constraint_kind(doc: dict[str, Any], operation_id: str) -> None:
    schema = _body_schema(doc, operation_id)
    _, invalid = BODY_CASES[operation_id]
    validator = _validator(schema)
    covered: set[str] = set()
    for body, _ in invalid:
        covered |= _error_keywords(validator.iter_errors(body))
    assert _constraint_kinds(schema) <= covered, _constraint_kinds(schema) - covered


@pytest.mark.parametrize("operation_id", sorted(BODY_CASES))
def test_unknown_properties_are_accepted(doc: dict[str, Any], operation_id: str) -> None:
    # Logto's zod objects are not strict: unknown keys are stripped, not rejected.
    validator = _validator(_body_schema(doc, operation_id))
    for body in BODY_CASES[operation_id][0]:
        if isinstance(body, dict):
            assert validator.is_valid({**body, "unknownExtraKey": {"any": ["thing"]}}), body


def test_unknown_nested_properties_are_accepted(doc: dict[str, Any]) -> None:
    validator = _validator(_body_schema(doc, "VerifyWebAuthnRegistrationVerification"))
    body = _with(REG, ("payload", "response", "futureField"), "x")
    body = _with(body, ("payload", "clientExtensionResults", "largeBlob"), {"supported": True})
    assert validator.is_valid(body)


def test_add_user_profile_variants_are_unambiguous(doc: dict[str, Any]) -> None:
    schema = _body_schema(doc, "AddUserProfile")
    variants = [_validator(variant) for variant in schema["oneOf"]]
    valid, _ = BODY_CASES["AddUserProfile"]
    for body in valid:
        assert sum(v.is_valid(body) for v in variants) == 1, body


def test_add_user_profile_discriminator(doc: dict[str, Any]) -> None:
    payload = doc["components"]["schemas"]["AddUserProfilePayload"]
    mapping = payload["discriminator"]["mapping"]
    assert payload["discriminator"]["propertyName"] == "type"
    assert set(mapping) == {"username", "password", "email", "phone", "social"}
    assert sorted(mapping.values()) == sorted(v["$ref"] for v in payload["oneOf"])
    for value, ref in mapping.items():
        variant = _pointer(doc, ref)
        assert variant["properties"]["type"]["enum"] == [value]
        assert "type" in variant["required"]
    username = _pointer(doc, mapping["username"])
    assert username["properties"]["value"]["pattern"] == r"^[A-Z_a-z]\w*$"


def test_logto_style_literals_would_be_ambiguous(doc: dict[str, Any]) -> None:
    # Why the document deviates: with Logto's `format: '"email"'` literals (ignored by
    # validators) an email body matches the email, phone and social variants alike.
    schema = _body_schema(doc, "AddUserProfile")
    for variant in schema["oneOf"]:
        literal = variant["properties"]["type"].pop("enum")[0]
        variant["properties"]["type"]["format"] = f'"{literal}"'
    assert not _validator(schema).is_valid({"type": "email", "verificationId": "x"})


def test_webauthn_keeps_logtos_wire_names(doc: dict[str, Any]) -> None:
    results = doc["components"]["schemas"]["WebAuthnClientExtensionResults"]["properties"]
    assert "crepProps" in results and "credProps" not in results
    options = doc["components"]["schemas"]["WebAuthnOptionsExtensions"]["properties"]
    assert options["credProps"] == {"type": "boolean"}


# --------------------------------------------------------------------------------------
# secret markers
# --------------------------------------------------------------------------------------

# (operationId, "request" or a response status, property path)
SECRET_FIELDS: list[tuple[str, str, tuple[str, ...]]] = [
    ("CreatePasswordVerification", "request", ("password",)),
    ("CreateNewPasswordIdentityVerification", "request", ("password",)),
    ("ResetUserPassword", "request", ("password",)),
    ("AddUserProfile", "request", ("type=password", "value")),
    ("VerifyVerificationCodeVerification", "request", ("code",)),
    ("VerifyTotpVerification", "request", ("code",)),
    ("VerifyBackupCode", "request", ("code",)),
    ("VerifySocialVerification", "request", ("connectorData",)),
    ("VerifyEnterpriseSsoVerification", "request", ("connectorData",)),
    ("VerifyWebAuthnRegistrationVerification", "request", ("payload",)),
    ("VerifyWebAuthnAuthenticationVerification", "request", ("payload",)),
    ("CreateTotpSecret", "200", ("secret",)),
    ("CreateTotpSecret", "200", ("secretQrCode",)),
    ("GenerateBackupCodes", "200", ("codes",)),
]


def _property_nodes(doc: dict[str, Any], schema: Any, step: str) -> list[Any]:
    """The schema nodes (as written, $refs not followed) of one path step."""
    node = _deref(doc, schema)
    found: list[Any] = []
    if step.startswith("type="):  # select a oneOf variant by its `type` literal
        for variant in node.get("oneOf", []):
            if _deref(doc, variant)["properties"]["type"].get("enum") == [step[5:]]:
                found.append(variant)
        return found
    if step in node.get("properties", {}):
        found.append(node["properties"][step])
    for part in node.get("allOf", []):
        found.extend(_property_nodes(doc, part, step))
    return found


def _is_secret(doc: dict[str, Any], node: Any) -> bool:
    if node.get("x-logto-secret") is True:
        return True
    # A bare $ref: its siblings would be ignored, so the component itself must be marked.
    return set(node) == {"$ref"} and _deref(doc, node).get("x-logto-secret") is True


@pytest.mark.parametrize(("operation_id", "where", "path"), SECRET_FIELDS)
def test_secret_fields_are_marked(
    doc: dict[str, Any], operation_id: str, where: str, path: tuple[str, ...]
) -> None:
    op = _operation(doc, operation_id)
    if where == "request":
        content = op["requestBody"]["content"]
    else:
        content = op["responses"][where]["content"]
    nodes = [content["application/json"]["schema"]]
    for step in path:
        nodes = [found for node in nodes for found in _property_nodes(doc, node, step)]
        assert nodes, (operation_id, path, step)
    assert any(_is_secret(doc, node) for node in nodes), (operation_id, path)


def test_secret_markers_never_sit_next_to_a_bare_ref(doc: dict[str, Any]) -> None:
    for path, node in _walk(doc):
        if isinstance(node, dict) and "x-logto-secret" in node:
            assert node["x-logto-secret"] is True, path
            assert "$ref" not in node, path
