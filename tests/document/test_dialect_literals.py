"""The zod leftovers the Management API document carries: ``format: empty``/``true``/``false``
(literals) and ``format: url`` (a check validators ignore), and why they matter (``oneOf``)."""

from __future__ import annotations

from typing import Any

from logto_dynamic import Spec
from logto_dynamic._document._dialect import normalize
from logto_dynamic._document._dialect_schemas import URL_PATTERN


def _doc(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {
                "patch": {
                    "operationId": "Patch",
                    "requestBody": {"content": {"application/json": {"schema": schema}}},
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }


def _schema(doc: dict[str, Any]) -> Any:
    return doc["paths"]["/x"]["patch"]["requestBody"]["content"]["application/json"]["schema"]


UNION = {
    "type": "object",
    "properties": {
        "name": {"oneOf": [{"type": "string"}, {"type": "string", "format": "empty"}]},
        "avatar": {
            "oneOf": [{"type": "string", "format": "url"}, {"type": "string", "format": "empty"}],
            "nullable": True,
        },
        "flag": {
            "oneOf": [
                {"type": "object", "properties": {"on": {"type": "boolean", "format": "false"}}},
                {
                    "type": "object",
                    "required": ["on", "days"],
                    "properties": {"on": {"type": "boolean", "format": "true"}, "days": {}},
                },
            ]
        },
    },
}


def test_the_rewrites_and_their_report() -> None:
    doc, report = normalize(_doc(UNION))
    props = _schema(doc)["properties"]
    assert props["name"]["anyOf"][1] == {"type": "string", "enum": [""]}
    assert props["avatar"]["anyOf"][0] == {
        "type": "string",
        "format": "url",
        "pattern": URL_PATTERN,
    }
    assert props["flag"]["oneOf"][0]["properties"]["on"] == {"type": "boolean", "enum": [False]}
    assert props["flag"]["oneOf"][1]["properties"]["on"] == {"type": "boolean", "enum": [True]}
    rules = sorted(change.rule for change in report)
    assert rules == ["empty-literal-union"] * 2 + ["literal-format"] * 4 + ["url-format"]
    again, second = normalize(doc)
    assert again == doc and len(second) == 0  # idempotent


def test_unions_tell_their_variants_apart_once_normalised() -> None:
    raw = Spec.from_dict(_doc(UNION))
    spec = Spec.from_dict(_doc(UNION), normalize=True)
    raw_op, op = raw.operation("Patch"), spec.operation("Patch")
    good = [
        {"name": "Ann"},
        {"name": ""},
        {"avatar": "https://example.org/a.png"},
        {"avatar": ""},
        {"flag": {"on": False}},
        {"flag": {"on": True, "days": 90}},
    ]
    for body in good:
        assert spec.check_request(op, body=body) == [], body
    assert raw.check_request(raw_op, body={"name": "Ann"}) != []  # why the rule exists
    for bad in ({"flag": {"on": True}}, {"avatar": "not a url"}):
        found = spec.check_request(op, body=bad)
        assert found and all(v.path[0] in bad for v in found), bad
