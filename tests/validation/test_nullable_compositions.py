"""``nullable: true`` beside ``anyOf``/``oneOf``/``allOf``/``not`` takes ``null`` (issue 25).

Logto publishes zod's ``.nullable()`` of a union as ``nullable: true`` beside the union's
``anyOf``; its server takes ``null`` there (``UpdateUser {"name": null}`` answers 200). The
validator honoured ``nullable`` in ``type`` but kept the sibling ``anyOf``, which refused
``null``. Both engines are checked: the fastjsonschema fast path and the jsonschema report.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from logto_dynamic import ManagementClient, RequestValidationError, Spec, load_spec
from logto_dynamic._validation._schema import CompiledSchema, compile_schema
from logto_dynamic._validation._violations import to_violations

NAME = {  # UpdateUser's `name`, as the shipped Management document has it
    "nullable": True,
    "type": "string",
    "anyOf": [{"type": "string"}, {"type": "string", "enum": [""]}],
}
SHAPES: dict[str, dict[str, Any]] = {
    "anyOf": NAME,
    "oneOf": {"nullable": True, "oneOf": [{"type": "string"}, {"type": "number"}]},
    "allOf": {"nullable": True, "allOf": [{"type": "string"}, {"minLength": 2}]},
    "not": {"nullable": True, "type": "string", "not": {"enum": ["x"]}},
    "enum": {"nullable": True, "type": "string", "enum": ["a", "b"]},
    "typeless": {"nullable": True, "minLength": 2},
}
REFUSED = {"anyOf": 5, "oneOf": True, "allOf": "a", "not": "x", "enum": "c", "typeless": "a"}


def _compiled(schema: dict[str, Any]) -> CompiledSchema:
    document = {
        "openapi": "3.0.3",
        "components": {"schemas": {"S": {"type": "object", "properties": {"v": schema}}}},
    }
    return compile_schema(document, "#/components/schemas/S", version="3.0.3", direction="request")


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_null_is_taken_and_the_rest_still_checked(shape: str) -> None:
    compiled = _compiled(SHAPES[shape])
    assert compiled.fast is not None  # the fast path compiled the translated schema
    for engine in (compiled.is_valid, compiled.full.is_valid):
        assert engine({"v": None}), (shape, engine)
        assert not engine({"v": REFUSED[shape]}), (shape, engine)
    assert to_violations(compiled, {"v": None}, "body") == []
    assert to_violations(compiled, {"v": REFUSED[shape]}, "body") != []


def test_a_refused_value_is_reported_as_the_schema_says_not_as_not_null() -> None:
    violations = to_violations(_compiled(NAME), {"v": 5}, "body")
    messages = [str(v) for v in violations]
    assert "body $.v: expected string, got integer [type]" in messages
    assert not any("null" in m for m in messages), messages


def test_a_type_list_gains_null_and_an_empty_schema_stays_empty() -> None:
    compiled = _compiled({"nullable": True, "type": "string"})
    assert compiled.schema["properties"]["v"] == {"type": ["string", "null"]}
    assert _compiled({"nullable": True})._full_factory is not None
    assert _compiled({"nullable": True}).is_valid({"v": [1, {}]})


@pytest.mark.parametrize(
    ("operation", "path", "field"),
    [
        ("UpdateUser", {"userId": "u1"}, "name"),
        ("UpdateUser", {"userId": "u1"}, "primaryEmail"),
        ("UpdateUser", {"userId": "u1"}, "primaryPhone"),
        ("UpdateUser", {"userId": "u1"}, "username"),
        ("UpdateUser", {"userId": "u1"}, "avatar"),
    ],
)
def test_the_management_requests_take_null(
    operation: str, path: dict[str, str], field: str
) -> None:
    spec = load_spec("logto-management-1.42")
    op = spec.operation(operation)
    assert spec.check_request(op, path_params=path, body={field: None}) == []
    assert [v.keyword for v in spec.check_request(op, path_params=path, body={field: 5})] != []


USER = {  # a user as Logto 1.42 answers it
    "id": "u1",
    "username": "alice",
    "primaryEmail": None,
    "primaryPhone": None,
    "name": "Alice",
    "avatar": None,
    "customData": {},
    "identities": {},
    "lastSignInAt": None,
    "createdAt": 1765000000000,
    "updatedAt": 1765000000000,
    "profile": {},
    "applicationId": None,
    "cimdClientId": None,
    "isSuspended": False,
    "hasPassword": True,
}


def _fake_logto(seen: list[Any]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oidc/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        body = json.loads(request.content)
        seen.append(body)
        return httpx.Response(200, json={**USER, **body})

    return httpx.MockTransport(answer)


def test_a_strict_client_sends_null_and_refuses_a_number_before_sending() -> None:
    seen: list[Any] = []
    http = httpx.Client(base_url="http://logto.test", transport=_fake_logto(seen))
    with ManagementClient(
        "http://logto.test", app_id="m2m", app_secret="s", http=http, validate="strict"
    ) as client:
        result = client.call("UpdateUser", {"name": None}, path={"userId": "u1"})
        assert result.status_code == 200 and result.violations == ()
        with pytest.raises(RequestValidationError, match=r"body \$\.name: expected string"):
            client.call("UpdateUser", {"name": 5}, path={"userId": "u1"})
    assert seen == [{"name": None}]  # the refused body was never sent


def test_get_interaction_answers_with_null_raw_data_are_valid() -> None:
    spec: Spec = load_spec("logto-1.42")
    op = spec.operation("GetInteraction")
    schema = spec.validators.response_schema(op, "200", "application/json")
    social = {"target": "google", "userInfo": {"id": "1", "rawData": None}}
    answer: dict[str, Any] = {
        "interactionEvent": "SignIn",
        "profile": {"socialIdentity": social},
        "verificationRecords": [],
    }
    assert to_violations(schema, answer, "body") == []
    answer["profile"]["socialIdentity"]["userInfo"]["rawData"] = 5
    assert to_violations(schema, answer, "body") != []


def test_the_traffic_validator_the_proxy_runs_agrees() -> None:
    from logto_dynamic import TrafficValidator

    tv = TrafficValidator("logto-management-1.42")
    headers = {"content-type": "application/json"}
    taken = tv.validate_request("PATCH", "/api/users/u1", headers, b'{"name": null}')
    assert taken.ok and taken.operation_id == "UpdateUser", taken.violations
    refused = tv.validate_request("PATCH", "/api/users/u1", headers, b'{"name": 5}')
    assert not refused.ok
    answer = json.dumps({**USER, "name": None}).encode()
    assert tv.validate_response(taken, 200, headers, answer).ok
