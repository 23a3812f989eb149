"""TrafficValidator: raw requests and responses checked against the document."""

from __future__ import annotations

import json
from typing import Any

import pytest

from logto_dynamic._traffic._validator import TrafficValidator
from logto_dynamic._validation._params import decode_query, decode_scalar

JSON = {"content-type": "application/json"}
CANARY = "canary-Pa55word-7731"


@pytest.fixture(scope="module")
def tv() -> TrafficValidator:
    return TrafficValidator()


def test_valid_request_and_response(tv: TrafficValidator) -> None:
    req = tv.validate_request("PUT", "/api/experience", JSON, b'{"interactionEvent":"SignIn"}')
    assert req.ok and req.operation_id == "InitInteraction"
    resp = tv.validate_response(req, 204, [], b"")
    assert resp.ok
    assert resp.to_dict()["operation"] == "InitInteraction"


def test_absolute_url_and_pairs_of_bytes(tv: TrafficValidator) -> None:
    body = json.dumps({"identifier": {"type": "username", "value": "alice"}, "password": "x"})
    req = tv.validate_request(
        "post",
        "http://localhost:3001/api/experience/verification/password",
        [(b"Content-Type", b"application/json; charset=utf-8")],
        body.encode(),
    )
    assert req.ok, req.violations
    resp = tv.validate_response(
        req, 200, [("Content-Type", "application/json")], b'{"verificationId":"v1"}'
    )
    assert resp.ok, resp.violations


def test_invalid_request_body(tv: TrafficValidator) -> None:
    req = tv.validate_request("PUT", "/api/experience", JSON, b'{"interactionEvent":"Bogus"}')
    assert not req.ok
    (v,) = req.violations
    assert v.location == "body" and v.json_path == "$.interactionEvent" and v.keyword == "enum"


def test_missing_required_body(tv: TrafficValidator) -> None:
    req = tv.validate_request("PUT", "/api/experience", {}, b"")
    assert [v.keyword for v in req.violations] == ["required"]


def test_invalid_response_body_and_status(tv: TrafficValidator) -> None:
    req = tv.validate_request("POST", "/api/experience/submit", {}, b"")
    assert req.ok
    bad = tv.validate_response(req, 200, JSON, b'{"redirect":"x"}')
    assert [v.keyword for v in bad.violations] == ["required"]
    status = tv.validate_response(req, 418, JSON, b"{}")
    assert status.violations[0].location == "status"
    text = tv.validate_response(req, 200, {"content-type": "text/plain"}, b"OK")
    assert text.ok
    wrong_type = tv.validate_response(req, 200, {"content-type": "text/html"}, b"<p>")
    assert wrong_type.violations[0].location == "content-type"


def test_response_from_method_and_url_tuple(tv: TrafficValidator) -> None:
    resp = tv.validate_response(("PUT", "/api/experience"), 204, None, b"")
    assert resp.ok and resp.operation_id == "InitInteraction"
    resp = tv.validate_response({"method": "PUT", "url": "/api/experience"}, 204, None, b"x")
    assert not resp.ok


def test_undocumented_path_and_method(tv: TrafficValidator) -> None:
    unknown = tv.validate_request("GET", "/api/experience/nope", {}, b"")
    (v,) = unknown.violations
    assert (v.location, v.keyword) == ("operation", "undocumented")
    assert "no documented operation" in v.message
    wrong = tv.validate_request("GET", "/api/experience", {}, b"")
    (w,) = wrong.violations
    assert w.keyword == "undocumented" and "not allowed" in w.message and "PUT" in w.message
    assert tv.validate_response(wrong, 200, JSON, b"{}").ok  # nothing to check it against


def test_malformed_json_is_a_violation(tv: TrafficValidator) -> None:
    req = tv.validate_request("PUT", "/api/experience", JSON, b'{"interactionEvent":')
    assert [(v.location, v.keyword) for v in req.violations] == [("body", "json")]
    bad_utf8 = tv.validate_request("PUT", "/api/experience", JSON, b"\xff\xfe")
    assert bad_utf8.violations[0].keyword == "json"
    resp = tv.validate_response(
        tv.validate_request("POST", "/api/experience/submit", {}, b""), 200, JSON, b"{oops"
    )
    assert resp.violations[0].keyword == "json"


def test_request_content_type_checked(tv: TrafficValidator) -> None:
    req = tv.validate_request(
        "PUT", "/api/experience", {"content-type": "text/plain"}, b"interactionEvent=SignIn"
    )
    assert [v.location for v in req.violations] == ["content-type"]
    no_body_op = tv.validate_request("POST", "/api/experience/submit", JSON, b"{}")
    assert [v.keyword for v in no_body_op.violations] == ["requestBody"]


def test_query_decoding_sso_connectors(tv: TrafficValidator) -> None:
    ok = tv.validate_request("GET", "/api/experience/sso-connectors?email=a%40b.com", {}, b"")
    assert ok.ok and ok.operation_id == "GetEnabledSsoConnectors"
    bad = tv.validate_request("GET", "/api/experience/sso-connectors?email=notanemail", {}, b"")
    (v,) = bad.violations
    assert (v.location, v.name, v.keyword) == ("query", "email", "format")
    missing = tv.validate_request("GET", "/api/experience/sso-connectors", {}, b"")
    assert missing.violations[0].keyword == "required"
    resp = tv.validate_response(ok, 200, JSON, b'{"connectorIds":[1]}')
    assert resp.violations[0].json_path == "$.connectorIds[0]"


def test_path_params_matched(tv: TrafficValidator) -> None:
    req = tv.validate_request(
        "POST",
        "/api/experience/verification/social/c%201/authorization-uri",
        JSON,
        b'{"state":"s","redirectUri":"http://x/cb"}',
    )
    assert req.operation_id == "CreateSocialVerification"
    assert req.path_params == {"connectorId": "c 1"}


MINI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "mini", "version": "1"},
    "servers": [{"url": "https://auth.example.com/tenant-a"}],
    "paths": {
        "/api/items": {
            "get": {
                "operationId": "ListItems",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 10}},
                    {
                        "name": "tags",
                        "in": "query",
                        "explode": False,
                        "schema": {"type": "array", "items": {"type": "integer"}},
                    },
                    {
                        "name": "ids",
                        "in": "query",
                        "schema": {"type": "array", "items": {"type": "string"}},
                    },
                    {"name": "flag", "in": "query", "schema": {"type": "boolean"}},
                    {
                        "name": "X-Page",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1},
                    },
                    {
                        "name": "filter",
                        "in": "query",
                        "style": "deepObject",
                        "schema": {"type": "object", "properties": {"n": {"type": "string"}}},
                    },
                ],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/api/items/{itemId}": {
            "get": {
                "operationId": "GetItem",
                "parameters": [
                    {
                        "name": "itemId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {"200": {"description": "ok"}},
            }
        },
    },
}


def test_base_path_honoured() -> None:
    tv = TrafficValidator(MINI)
    assert tv.api_prefix == "/tenant-a/api/items"  # base path + the shared prefix
    ok = tv.validate_request("GET", "/tenant-a/api/items?limit=3", {"X-Page": "2"}, b"")
    assert ok.ok and ok.operation_id == "ListItems", ok.violations
    outside = tv.validate_request("GET", "/api/items", {"X-Page": "2"}, b"")
    assert outside.violations[0].keyword == "undocumented"
    wrong = tv.validate_request("DELETE", "/tenant-a/api/items", {}, b"")
    assert "not allowed" in wrong.violations[0].message
    assert tv.is_api_path("/tenant-a/api/items") and not tv.is_api_path("/tenant-a/sign-in")


def test_query_and_header_types_decoded() -> None:
    tv = TrafficValidator(MINI)
    url = "/tenant-a/api/items?limit=11&tags=1,2,x&ids=a&ids=b&flag=maybe&filter[n]=q"
    report = tv.validate_request("GET", url, [("x-page", "0")], b"")
    found = {(v.name, v.keyword) for v in report.violations}
    expected = {("limit", "maximum"), ("tags", "type"), ("flag", "type"), ("X-Page", "minimum")}
    assert found == expected
    path = tv.validate_request("GET", "/tenant-a/api/items/abc", {}, b"")
    assert [(v.location, v.keyword) for v in path.violations] == [("path", "type")]
    assert tv.validate_request("GET", "/tenant-a/api/items/12", {}, b"").ok


def test_decoders() -> None:
    assert decode_scalar("5", {"type": "integer"}) == 5
    assert decode_scalar("5.5", {"type": "number"}) == 5.5
    assert decode_scalar("true", {"type": "boolean"}) is True
    assert decode_scalar("x", {"type": "integer"}) == "x"
    assert decode_scalar("007", {"type": "string"}) == "007"
    ops = TrafficValidator(MINI).spec.operation("ListItems").parameters
    out = decode_query(ops, [("ids", "a"), ("ids", "b"), ("tags", "1,2"), ("filter[n]", "z")])
    assert out == {"ids": ["a", "b"], "tags": [1, 2], "filter": {"n": "z"}}


def test_secrets_never_in_violation_text(tv: TrafficValidator) -> None:
    bodies = [
        {"identifier": {"type": "username", "value": "u"}, "password": {"p": CANARY}},
        {"identifier": {"type": "nope", "value": "u"}, "password": CANARY},
        {"password": CANARY},
        {"identifier": {"type": "username", "value": "u"}, "password": [CANARY]},
    ]
    for body in bodies:
        report = tv.validate_request(
            "POST", "/api/experience/verification/password", JSON, json.dumps(body).encode()
        )
        assert not report.ok
        text = json.dumps(report.to_dict()) + " ".join(str(v) for v in report.violations)
        assert CANARY not in text
    secret = tv.validate_request("POST", "/api/experience/verification/totp/secret", {}, b"")
    resp = tv.validate_response(
        secret,
        200,
        JSON,
        json.dumps({"verificationId": 1, "secret": 12345, "secretQrCode": "data:"}).encode(),
    )
    assert not resp.ok and "12345" not in json.dumps(resp.to_dict())


def test_large_bodies_not_schema_checked() -> None:
    tv = TrafficValidator(validate_limit=64)
    big = json.dumps({"interactionEvent": "Bogus", "pad": "x" * 100}).encode()
    req = tv.validate_request("PUT", "/api/experience", JSON, big)
    assert req.ok and "not validated" in req.notes[0]
    submit = tv.validate_request("POST", "/api/experience/submit", {}, b"")
    resp = tv.validate_response(submit, 200, JSON, b'{"x":"' + b"y" * 100 + b'"}')
    assert resp.ok and resp.notes
    status = tv.validate_response(submit, 299, JSON, b'{"x":"' + b"y" * 100 + b'"}')
    assert status.violations[0].location == "status"


def test_a_body_not_at_hand_checks_status_and_content_type_only(tv: TrafficValidator) -> None:
    submit = tv.validate_request("POST", "/api/experience/submit", {}, b"")
    fine = tv.validate_response(submit, 200, JSON, None, unchecked="streamed on")
    assert fine.ok and fine.notes == ["response body not validated (streamed on)"]
    wrong = tv.validate_response(submit, 200, {"content-type": "image/png"}, None)
    assert [v.location for v in wrong.violations] == ["content-type"]
    status = tv.validate_response(submit, 299, JSON, None)
    assert [v.location for v in status.violations] == ["status"]


def test_one_wording_for_a_response_body_that_is_not_json(tv: TrafficValidator) -> None:
    import httpx

    from logto_dynamic import Client, ResponseValidationError

    body = b'{"verificationId": '
    submit = tv.validate_request("POST", "/api/experience/verification/totp/secret", {}, b"")
    traffic = tv.validate_response(submit, 200, JSON, body).violations
    op = tv.spec.operation("CreateTotpSecret")
    spec = list(tv.spec.responses.check(op, 200, "application/json", body).violations)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body, headers=JSON))
    with Client("http://logto.test", transport=transport) as client:
        with pytest.raises(ResponseValidationError) as info:
            client.call("CreateTotpSecret")
    client_side = list(info.value.violations)
    assert traffic == spec == client_side and len(traffic) == 1
    assert str(traffic[0]) == (
        "body $: the application/json body is not valid JSON: "
        "Expecting value at line 1 column 20 [json]"
    )


def test_mitmproxy_addon_example(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    path = Path(__file__).resolve().parents[2] / "tools" / "mitmproxy_addon.py"
    module_spec = importlib.util.spec_from_file_location("mitmproxy_addon", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    addon = module.LogtoValidator()
    flow = SimpleNamespace(
        id="f1",
        request=SimpleNamespace(
            method="PUT",
            path="/api/experience",
            headers=SimpleNamespace(fields=((b"content-type", b"application/json"),)),
            raw_content=b'{"interactionEvent":"Nope"}',
        ),
        response=SimpleNamespace(status_code=204, headers=SimpleNamespace(fields=()), content=b""),
    )
    addon.request(flow)
    addon.response(flow)
    line = json.loads(capsys.readouterr().err)
    assert line["operation"] == "InitInteraction" and line["violations"][0]["keyword"] == "enum"
