"""The shipped Management document says what Logto 1.42 accepts (issue 25, item 4).

Place by place: the checks Logto publishes as an object that takes anything ("Validator
function") are repaired from its zod guards; required parameters and request-body properties
with a default are optional; a 400 to an operation with a body may carry only ``message``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from _support import reference_file

from logto_dynamic import load_spec
from logto_dynamic._document._refs import resolve_pointer
from logto_dynamic._exceptions import SpecError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "spec" / "logto-management-1.42.openapi.json"
SPEC = "logto-management-1.42"
# What each repaired place became, by the end of its JSON pointer.
KINDS = {
    "/redirectUris/items": "redirect-uri",
    "/postLogoutRedirectUris/items": "redirect-uri",
    "/properties/name": "i18n-phrases",
    "/properties/description": "i18n-phrases",
    "/properties/usernamePolicy": "username-policy",
    "/properties/encryption": "saml-encryption",
    "/properties/verificationFiles": "verification-files",
    "/application~1json/schema": "verification-files",
    "/properties/deleteAccountUrl": "url",
}


def _tool() -> Any:
    spec = importlib.util.spec_from_file_location("update_spec", ROOT / "tools" / "update_spec.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["update_spec"] = module
    spec.loader.exec_module(module)
    return module


def _kind(schema: dict[str, Any]) -> str:
    if schema.get("type") == "string" and "maxLength" in schema:
        return "url"
    if schema.get("type") == "string":
        return "redirect-uri"
    if schema.get("type") == "array":
        return "verification-files"
    props = schema.get("properties", {})
    if "en" in props:
        return "i18n-phrases"
    return "username-policy" if "allowedChars" in props else "saml-encryption"


def _placeholders(published: dict[str, Any]) -> list[str]:
    """Pointers of Logto's placeholders: 'Validator function' and the two it re-described."""
    tool = _tool()
    found = sorted(tool.placeholder_pointers(published))
    for pointer, node in tool.schema_nodes(published, ""):
        text = node.get("description")
        redescribed = isinstance(text, str) and text.startswith(("Up to 10", "The custom endpoint"))
        if redescribed and node.get("additionalProperties") is True:
            found.append(pointer)
    return found


def test_every_placeholder_logto_publishes_is_repaired() -> None:
    published = json.loads(
        reference_file("logto-1.42.0-management.openapi.json").read_text(encoding="utf-8")
    )
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    pointers = _placeholders(published)
    assert len(pointers) == 76  # 74 "Validator function" in 27 operations, and 2 more
    kinds: Counter[str] = Counter()
    for pointer in pointers:
        before = resolve_pointer(published, "#" + pointer)
        after = resolve_pointer(shipped, "#" + pointer)
        assert after.get("additionalProperties") is not True, pointer
        assert after.get("nullable") == before.get("nullable"), pointer  # kept as published
        kind = next(k for suffix, k in KINDS.items() if pointer.endswith(suffix))
        assert _kind(after) == kind, (pointer, after)
        kinds[kind] += 1
    assert kinds == {
        "redirect-uri": 42,
        "i18n-phrases": 20,
        "username-policy": 5,
        "saml-encryption": 5,
        "verification-files": 3,
        "url": 1,
    }
    text = SHIPPED.read_text(encoding="utf-8")
    assert "Validator function" not in text


def _errors(op_id: str, body: Any = None, **parts: Any) -> list[str]:
    spec = load_spec(SPEC)
    return [str(v) for v in spec.check_request(spec.operation(op_id), body=body, **parts)]


def _app(uris: list[str]) -> dict[str, Any]:
    metadata = {"redirectUris": uris, "postLogoutRedirectUris": uris}
    return {"name": "a", "type": "Traditional", "oidcClientMetadata": metadata}


# Logto's own examples (core-kit's url tests): accepted as web or native redirect URIs ...
REDIRECTS_TAKEN = [
    "http://localhost:3001",
    "https://logto.dev/callback",
    "https://my-company.com/callback?test=123",
    "https://abc.com/callback?test=123#param=hash",
    "https://*.example.com/callback",
    "https://pr-*-myapp.vercel.app/callback",
    "io.logto://my-app/callback",
    "com.company://demo:1234",
    "io.logto.SwiftUI-Demo://callback",
    "io.logto.SwiftUI+Demo://callback",
    "logto:/my-app/callback",
    "http1://localhost:3001",
]
# ... and refused by both (no scheme at all)
REDIRECTS_REFUSED = ["abc.com", "demoApp/callback", "", "/callback", "1http://x"]


def test_redirect_uris_are_url_strings() -> None:
    assert _errors("CreateApplication", _app(REDIRECTS_TAKEN)) == []
    for uri in REDIRECTS_REFUSED:
        assert _errors("CreateApplication", _app([uri])), uri
    assert "expected string, got object" in " ".join(
        _errors("CreateApplication", _app([{"url": "https://a.b/c"}]))  # type: ignore[list-item]
    )
    ok = _errors(
        "UpdateApplication",
        {"oidcClientMetadata": _app(REDIRECTS_TAKEN)["oidcClientMetadata"]},
        path_params={"id": "a"},
    )
    assert ok == []


def test_connector_names_are_text_by_language() -> None:
    update = {"metadata": {"name": {"en": "Mail", "fr": "Courriel"}}}
    assert _errors("UpdateConnector", update, path_params={"id": "c"}) == []
    for bad in ({"fr": "Courriel"}, {"en": 5}, "Mail"):
        assert _errors("UpdateConnector", {"metadata": {"name": bad}}, path_params={"id": "c"})


POLICY = {
    "caseSensitive": True,
    "minLength": 1,
    "maxLength": 128,
    "allowedChars": {"lowercase": True, "uppercase": True, "numbers": True, "underscore": True},
}


def test_the_username_policy_is_logtos_guard() -> None:
    assert _errors("UpdateSignInExp", {"usernamePolicy": POLICY}) == []
    only_numbers = {"lowercase": False, "uppercase": False, "numbers": True, "underscore": False}
    underscore = {**only_numbers, "underscore": True}
    assert (
        _errors("UpdateSignInExp", {"usernamePolicy": {**POLICY, "allowedChars": underscore}}) == []
    )
    for bad in (
        {**POLICY, "allowedChars": only_numbers},
        {**POLICY, "minLength": 0},
        {**POLICY, "maxLength": 129},
        {k: v for k, v in POLICY.items() if k != "caseSensitive"},
    ):
        assert _errors("UpdateSignInExp", {"usernamePolicy": bad}), bad


def test_saml_encryption_needs_its_certificate_when_on() -> None:
    base = {"name": "saml"}
    on = {"encryptAssertion": True, "encryptThenSign": False, "certificate": "MII..."}
    for taken in (None, {}, {"encryptAssertion": False}, on):
        assert _errors("CreateSamlApplication", {**base, "encryption": taken}) == [], taken
    for refused in ({"encryptAssertion": True}, {**on, "certificate": 5}, "yes"):
        assert _errors("CreateSamlApplication", {**base, "encryption": refused}), refused


def test_domain_verification_files() -> None:
    file = {
        "path": "/apple-app-site-association.json",
        "content": "{}",
        "contentType": "text/plain",
    }
    well_known = {**file, "path": "/.well-known/apple-app-site-association"}
    path = {"id": "d"}
    body = {"verificationFiles": [file, well_known]}
    assert _errors("ReplaceDomainVerificationFiles", body, path_params=path) == []
    for bad in (
        [file] * 11,
        [{**file, "path": "/noextension"}],
        [{**file, "path": "/a/b.txt"}],
        [{**file, "content": ""}],
        [{**file, "contentType": "text/html"}],
        [{"path": "/a.txt", "content": "x"}],
    ):
        assert _errors(
            "ReplaceDomainVerificationFiles", {"verificationFiles": bad}, path_params=path
        )


def test_the_delete_account_url() -> None:
    for taken in ("", None, "https://example.com/delete", "http://localhost/x"):
        assert _errors("UpdateAccountCenterSettings", {"deleteAccountUrl": taken}) == [], taken
    for refused in ("ftp://example.com", "example.com", "https://" + "a" * 2048):
        assert _errors("UpdateAccountCenterSettings", {"deleteAccountUrl": refused}), refused


def test_what_has_a_default_is_not_required_in_requests() -> None:
    assert _errors("GetUsernameCaseSensitivityConflicts") == []
    assert _errors("GetUsernameCaseSensitivityConflicts", query={"limit": 5}) == []
    assert _errors("CreateOrganizationRole", {"name": "admin"}) == []
    assert _errors("CreateSsoConnectorSigningKey", {}, path_params={"id": "s"}) == []
    spec = load_spec(SPEC)
    for op in spec.index:
        for param in op.parameters:
            schema = param.schema or {}
            assert not (param.required and "default" in schema), (op.operation_id, param.name)


def test_a_400_to_a_body_may_carry_only_a_message() -> None:
    spec = load_spec(SPEC)
    op = spec.operation("CreateUser")
    answer = json.dumps({"message": "invalid JSON, only supports object and array"}).encode()
    assert spec.responses.check(op, 400, "application/json", answer).violations == ()
    # other 4xx keep their code, and an operation without a body keeps it on 400 too
    assert spec.responses.check(op, 422, "application/json", answer).violations != ()
    bodiless = [o for o in spec.index if not o.has_body and "400" in o.responses]
    assert bodiless
    assert spec.responses.check(bodiless[0], 400, "application/json", answer).violations != ()


def test_the_tool_refuses_a_repair_that_repairs_nothing_or_a_placeholder_left() -> None:
    tool = _tool()
    marker = {"type": "object", "description": "Validator function", "additionalProperties": True}
    document = {
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"type": "object", "properties": {"u": dict(marker)}}
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    marked = tool.placeholder_pointers(document)
    assert len(marked) == 1
    with pytest.raises(SpecError, match="not repaired"):
        tool.repair_validators(json.loads(json.dumps(document)), {}, marked)
    with pytest.raises(SpecError, match="repair nothing: \\*/nowhere"):
        tool.repair_validators(
            json.loads(json.dumps(document)), {"*/u": {"type": "string"}, "*/nowhere": {}}, marked
        )
    repaired = json.loads(json.dumps(document))
    assert tool.repair_validators(repaired, {"*/u": {"type": "string"}}, marked) == {"*/u": 1}
    [pointer] = marked
    assert resolve_pointer(repaired, "#" + pointer) == {"type": "string"}


def test_logtos_own_document_loaded_as_is_no_longer_refuses_what_logto_takes() -> None:
    """What ``ManagementClient.from_server`` gets: Logto's document, normalised on loading.

    Without the overlay the placeholders check nothing (rather than refuse every URI), the
    defaulted ``limit`` is optional and a 400 to a body may be ``{message}`` only.
    """
    spec = load_spec(reference_file("logto-1.42.0-management.openapi.json"))
    app = spec.operation("CreateApplication")
    assert spec.check_request(app, body=_app(REDIRECTS_TAKEN)) == []
    conflicts = spec.operation("GetUsernameCaseSensitivityConflicts")
    assert spec.check_request(conflicts) == []
    answer = json.dumps({"message": "invalid JSON, only supports object and array"}).encode()
    assert spec.responses.check(app, 400, "application/json", answer).violations == ()
    user = spec.operation("UpdateUser")
    assert spec.check_request(user, body={"name": None}, path_params={"userId": "u"}) == []
