"""The Logto dialect normalisation, rule by rule, on small hand-written documents."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from logto_dynamic import Spec, load_spec
from logto_dynamic._document._dialect import ERROR_SCHEMA, normalize, strip_js_regex
from logto_dynamic._document._load import bundled_spec_path, read_document
from logto_dynamic._validation._schema import ecma_pattern


def _doc(schema: Any, responses: dict[str, Any] | None = None, path: str = "/x") -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {
            path: {
                "post": {
                    "operationId": "Op",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": schema}},
                    },
                    "responses": responses or {"204": {"description": "No Content"}},
                }
            }
        },
    }


def _body(doc: dict[str, Any], path: str = "/x") -> Any:
    return doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]


def test_literal_format_becomes_enum() -> None:
    doc = _doc(
        {"type": "object", "properties": {"type": {"type": "string", "format": '"username"'}}}
    )
    out, report = normalize(doc)
    assert _body(out)["properties"]["type"] == {"type": "string", "enum": ["username"]}
    [rewrite] = report.by_rule("literal-format")
    assert rewrite.pointer.endswith("/schema/properties/type")
    assert '"username"' in rewrite.before and "username" in rewrite.after
    # the input is untouched
    assert _body(doc)["properties"]["type"]["format"] == '"username"'


def test_ordinary_formats_are_kept() -> None:
    doc = _doc({"type": "string", "format": "email"})
    out, report = normalize(doc)
    assert _body(out) == {"type": "string", "format": "email"} and not report


def test_js_regex_is_stripped_and_regex_marker_dropped() -> None:
    doc = _doc({"type": "string", "format": "regex", "pattern": "/^[A-Z_a-z]\\w*$/"})
    out, report = normalize(doc)
    assert _body(out) == {"type": "string", "pattern": "^[A-Z_a-z]\\w*$"}
    assert report.counts() == {"js-regex": 1, "regex-marker": 1}
    js = report.by_rule("js-regex")[0]
    assert js.before == "/^[A-Z_a-z]\\w*$/" and js.after == "^[A-Z_a-z]\\w*$"


def test_js_regex_with_slashes_inside() -> None:
    assert strip_js_regex("/^a\\/b$/") == ("^a\\/b$", "")
    assert strip_js_regex("^plain$") is None
    assert strip_js_regex("/^\\S+@\\S+\\.\\S+$/") == ("^\\S+@\\S+\\.\\S+$", "")


def test_js_regex_i_flag_is_folded_into_the_pattern() -> None:
    doc = _doc({"type": "string", "pattern": "/^ab[c-d]x{2}$/i"})
    out, report = normalize(doc)
    pattern = _body(out)["pattern"]
    rx = re.compile(ecma_pattern(pattern))
    for ok in ("abcxx", "ABDXX", "aBcXx"):
        assert rx.search(ok), (pattern, ok)
    for bad in ("abex", "abexx", "abcx"):
        assert not rx.search(bad), (pattern, bad)
    assert report.counts() == {"js-regex": 1}


def test_other_js_flags_are_reported() -> None:
    out, report = normalize(_doc({"type": "string", "pattern": "/^a$/gm"}))
    assert _body(out)["pattern"] == "^a$"
    [flags] = report.by_rule("js-regex-flags-dropped")
    assert "g" in flags.before and "m" in flags.before


def test_case_duplicate_enum_keeps_first_spelling() -> None:
    doc = _doc(
        {
            "type": "object",
            "properties": {
                "identifierType": {"type": "string", "enum": ["email", "phone", "Email", "Phone"]}
            },
        }
    )
    out, report = normalize(doc)
    assert _body(out)["properties"]["identifierType"]["enum"] == ["email", "phone"]
    [r] = report.by_rule("case-duplicate-enum")
    assert "Email" in r.before and "Email" not in r.after


def test_distinct_enums_are_kept() -> None:
    out, report = normalize(_doc({"type": "string", "enum": ["SignIn", "Register"]}))
    assert _body(out)["enum"] == ["SignIn", "Register"] and not report


def test_oneof_sibling_description_properties_are_folded() -> None:
    schema = {
        "oneOf": [
            {
                "type": "object",
                "required": ["type", "value"],
                "properties": {
                    "type": {"type": "string", "format": '"username"'},
                    "value": {"type": "string"},
                },
            },
            {
                "type": "object",
                "required": ["type", "verificationId"],
                "properties": {
                    "type": {"type": "string", "format": '"email"'},
                    "verificationId": {"type": "string"},
                },
            },
        ],
        "properties": {
            "type": {"description": "The type."},
            "value": {"description": "The value."},
            "verificationId": {"description": "The record."},
        },
    }
    out, report = normalize(_doc(schema))
    body = _body(out)
    assert "properties" not in body
    assert body["oneOf"][0]["properties"]["type"] == {
        "type": "string",
        "enum": ["username"],
        "description": "The type.",
    }
    assert body["oneOf"][1]["properties"]["verificationId"]["description"] == "The record."
    assert "value" not in body["oneOf"][1]["properties"]  # not invented
    assert len(report.by_rule("oneof-sibling-properties")) == 1


def test_oneof_sibling_properties_with_constraints_are_left_alone() -> None:
    schema = {"oneOf": [{"type": "object"}], "properties": {"a": {"type": "string"}}}
    out, report = normalize(_doc(schema))
    assert _body(out)["properties"] == {"a": {"type": "string"}} and not report


def test_schemaless_json_success_gets_text_plain() -> None:
    doc = _doc(
        {"type": "object"}, {"201": {"description": "Created", "content": {"application/json": {}}}}
    )
    out, report = normalize(doc)
    content = out["paths"]["/x"]["post"]["responses"]["201"]["content"]
    assert content == {"application/json": {}, "text/plain": {"schema": {"type": "string"}}}
    assert len(report.by_rule("schemaless-json-response")) == 1


def test_error_responses_get_the_logto_error_body() -> None:
    doc = _doc(
        {"type": "object"},
        {
            "204": {"description": "ok"},
            "400": {"description": "Bad Request"},
            "422": {"description": "Unprocessable"},
            "500": {"description": "Internal"},
            "404": {
                "description": "nf",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
        },
    )
    out, report = normalize(doc)
    responses = out["paths"]["/x"]["post"]["responses"]
    assert responses["204"] == {"description": "ok"}
    # the operation takes a body: its 400 may be the `{message}` of a body that is not JSON
    assert responses["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LogtoBadRequestError"
    }
    assert responses["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LogtoError"
    }
    assert responses["500"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LogtoServerError"
    }
    assert responses["404"]["content"]["application/json"]["schema"] == {"type": "object"}
    schemas = out["components"]["schemas"]
    assert schemas["LogtoError"]["required"] == ["code", "message"]
    assert schemas["LogtoServerError"]["required"] == ["message"]
    assert schemas["LogtoBadRequestError"]["required"] == ["message"]
    assert set(ERROR_SCHEMA["properties"]) == {
        "code",
        "message",
        "data",
        "details",
        "error",
        "error_description",
    }
    assert report.counts() == {"error-body": 6}  # 3 responses + 3 components
    without_body = _doc({"type": "object"}, {"400": {"description": "Bad Request"}})
    del without_body["paths"]["/x"]["post"]["requestBody"]
    out, _ = normalize(without_body)
    assert out["paths"]["/x"]["post"]["responses"]["400"]["content"]["application/json"] == {
        "schema": {"$ref": "#/components/schemas/LogtoError"}
    }


def test_submit_interaction_gets_text_ok() -> None:
    doc = _doc(
        {"type": "object"},
        {
            "200": {
                "description": "OK",
                "content": {
                    "application/json": {"schema": {"type": "object", "required": ["redirectTo"]}}
                },
            }
        },
        path="/api/experience/submit",
    )
    out, report = normalize(doc)
    content = out["paths"]["/api/experience/submit"]["post"]["responses"]["200"]["content"]
    assert content["text/plain"] == {"schema": {"type": "string", "enum": ["OK"]}}
    assert len(report.by_rule("submit-text-ok")) == 1
    # other operations with a JSON 200 are not touched
    other, report2 = normalize(
        _doc(
            {"type": "object"},
            {
                "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        )
    )
    assert "text/plain" not in other["paths"]["/x"]["post"]["responses"]["200"]["content"]
    assert not report2


def test_examples_and_property_names_are_not_rewritten() -> None:
    schema = {
        "type": "object",
        "example": {"format": '"x"', "pattern": "/a/"},
        "properties": {
            "format": {"type": "string"},
            "pattern": {"type": "string"},
            "example": {"type": "string", "format": '"lit"'},
        },
    }
    out, report = normalize(_doc(schema))
    body = _body(out)
    assert body["example"] == {"format": '"x"', "pattern": "/a/"}
    assert body["properties"]["format"] == {"type": "string"}
    assert body["properties"]["example"] == {"type": "string", "enum": ["lit"]}
    assert report.counts() == {"literal-format": 1}


def test_normalize_is_idempotent_and_does_not_mutate() -> None:
    doc = _doc(
        {"type": "string", "format": '"a"', "pattern": "/^a$/"}, {"400": {"description": "x"}}
    )
    before = copy.deepcopy(doc)
    once, report = normalize(doc)
    assert doc == before and report
    twice, again = normalize(once)
    assert twice == once and not again


def test_report_is_json_ready() -> None:
    _, report = normalize(_doc({"type": "string", "format": '"a"'}))
    data = report.to_dict()
    assert data["counts"] == {"literal-format": 1}
    assert data["rewrites"][0]["rule"] == "literal-format"
    assert "literal-format" in str(report)


def test_bundled_document_needs_no_rewrites() -> None:
    _, report = normalize(read_document(bundled_spec_path()))
    assert not report, str(report)
    assert not load_spec().normalization


@pytest.mark.parametrize("normalize_flag", [True, False])
def test_load_spec_normalises_dicts_on_request(normalize_flag: bool) -> None:
    doc = _doc({"type": "string", "format": '"a"'})
    spec = load_spec(doc, normalize=normalize_flag)
    assert bool(spec.normalization) is normalize_flag
    body = spec.operation("Op").request_schema
    assert body is not None and ("enum" in body) is normalize_flag


def test_a_default_makes_a_request_value_optional() -> None:
    """zod's ``.default()`` is published as required + default; the server fills it in."""
    body = {
        "type": "object",
        "required": ["name", "scopes", "nested"],
        "properties": {
            "name": {"type": "string"},
            "scopes": {"type": "array", "items": {"type": "string"}, "default": []},
            "nested": {
                "type": "object",
                "required": ["on"],
                "properties": {"on": {"type": "boolean", "default": True}},
            },
        },
    }
    doc = _doc(
        body,
        {
            "200": {
                "description": "ok",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["on"],
                            "properties": {"on": {"type": "boolean", "default": True}},
                        }
                    }
                },
            }
        },
    )
    op = doc["paths"]["/x"]["post"]
    op["parameters"] = [
        {
            "name": "limit",
            "in": "query",
            "required": True,
            "schema": {"type": "number", "default": 20},
        },
        {"name": "page", "in": "query", "required": True, "schema": {"type": "number"}},
        {
            "name": "id",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "default": "x"},
        },
    ]
    out, report = normalize(doc)
    new = out["paths"]["/x"]["post"]
    schema = new["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["name", "nested"]  # `nested` itself has no default
    assert "required" not in schema["properties"]["nested"]
    assert [p["required"] for p in new["parameters"]] == [False, True, True]
    answer = new["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["required"] == ["on"]  # the server sends it: answers keep it
    assert len(report.by_rule("required-default")) == 3
    assert len(normalize(out)[1]) == 0  # idempotent


def test_a_validator_placeholder_stops_refusing_everything() -> None:
    placeholder = {
        "type": "object",
        "description": "Validator function",
        "additionalProperties": True,
    }
    body = {
        "type": "object",
        "properties": {
            "uris": {"type": "array", "items": dict(placeholder)},
            "encryption": {**placeholder, "nullable": True},
            "custom": {"type": "object", "description": "arbitrary", "additionalProperties": True},
        },
    }
    out, report = normalize(_doc(body))
    props = out["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "properties"
    ]
    assert props["uris"]["items"] == {"description": "Validator function"}
    assert props["encryption"] == {"description": "Validator function", "nullable": True}
    assert props["custom"]["type"] == "object"  # an arbitrary object is one
    assert len(report.by_rule("validator-placeholder")) == 2
    spec = Spec.from_dict(out)
    op = spec.operation("Op")
    assert spec.check_request(op, body={"uris": ["https://a.example/cb"], "encryption": None}) == []
