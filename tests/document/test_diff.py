"""diff_specs: each change kind, classified from the client's point of view; the CLI."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from logto_dynamic._cli import main
from logto_dynamic._document._load import WELL_KNOWN_PATH
from logto_dynamic._spec import diff_specs
from logto_dynamic.testing._uvicorn import serve_app


def _base() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "d", "version": "1"},
        "paths": {
            "/things/{id}": {
                "put": {
                    "operationId": "PutThing",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {"name": "q", "in": "query", "schema": {"type": "string"}},
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            },
                        },
                        "404": {"description": "nf"},
                    },
                }
            },
            "/old": {"get": {"operationId": "Old", "responses": {"204": {"description": "x"}}}},
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 10},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "note": {"type": "string"},
                    },
                }
            }
        },
    }


def _kinds(old: dict[str, Any], new: dict[str, Any]) -> dict[tuple[str, str], bool]:
    return {(c.kind, c.where): c.breaking for c in diff_specs(old, new)}


def _thing(doc: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = doc["components"]["schemas"]["Thing"]
    return schema


def test_identical_documents_have_no_changes() -> None:
    result = diff_specs(_base(), _base())
    assert result.is_empty and not result.breaking and "(no differences)" in result.table()


def test_operations_added_and_removed() -> None:
    new = _base()
    del new["paths"]["/old"]
    new["paths"]["/new"] = {
        "get": {"operationId": "New", "responses": {"200": {"description": "x"}}}
    }
    result = diff_specs(_base(), new)
    assert result.added == ["New"] and result.removed == ["Old"]
    kinds = {c.kind: c.breaking for c in result}
    assert kinds == {"operation-removed": True, "operation-added": False}


def test_parameter_changes() -> None:
    new = _base()
    params = new["paths"]["/things/{id}"]["put"]["parameters"]
    params[1]["required"] = True  # optional -> required
    params[0]["schema"] = {"type": "integer"}  # type changed
    params.append({"name": "opt", "in": "query", "schema": {"type": "string"}})
    params.append({"name": "must", "in": "header", "required": True, "schema": {"type": "string"}})
    kinds = _kinds(_base(), new)
    assert kinds[("parameter-required-changed", "query q")] is True
    assert kinds[("type-changed", "path id")] is True
    assert kinds[("parameter-added", "query opt")] is False
    assert kinds[("parameter-added", "header must")] is True
    gone = _base()
    gone["paths"]["/things/{id}"]["put"]["parameters"].pop()
    assert _kinds(_base(), gone)[("parameter-removed", "query q")] is True
    loosened = _kinds(new, _base())
    assert loosened[("parameter-required-changed", "query q")] is False


def test_request_schema_changes() -> None:
    new = _base()
    thing = _thing(new)
    thing["required"] = ["name", "kind"]  # new required property: breaking
    thing["properties"]["kind"]["enum"] = ["a", "c"]  # 'b' removed: breaking, 'c' added
    thing["properties"]["name"]["maxLength"] = 20  # looser for requests
    thing["properties"]["extra"] = {"type": "string"}  # new optional property
    thing["properties"]["note"]["pattern"] = "^[a-z]+$"  # new pattern: breaking
    changes = [c for c in diff_specs(_base(), new) if c.where.startswith("body")]
    by = {(c.kind, c.where.split("$", 1)[1]): c.breaking for c in changes}
    assert by[("required-added", ".kind")] is True
    assert by[("enum-value-removed", ".kind")] is True
    assert by[("enum-value-added", ".kind")] is False
    assert by[("maxLength-changed", ".name")] is False
    assert by[("property-added", ".extra")] is False
    assert by[("pattern-changed", ".note")] is True


def test_response_schema_changes_are_judged_the_other_way() -> None:
    new = _base()
    thing = _thing(new)
    thing["properties"]["kind"]["enum"] = ["a", "b", "c"]  # a value the client never saw
    thing["properties"]["name"]["maxLength"] = 5  # tighter: fine for responses
    changes = [c for c in diff_specs(_base(), new) if c.where.startswith("200")]
    by = {(c.kind, c.where.split("$", 1)[1]): c.breaking for c in changes}
    assert by[("enum-value-added", ".kind")] is True
    assert by[("maxLength-changed", ".name")] is False
    removed = _base()
    del _thing(removed)["properties"]["name"]
    _thing(removed)["required"] = []
    resp = {
        (c.kind, c.where): c.breaking
        for c in diff_specs(_base(), removed)
        if c.where.startswith("200")
    }
    assert resp[("required-removed", "200 application/json $.name")] is True
    assert resp[("property-removed", "200 application/json $.name")] is True
    req = {
        (c.kind, c.where): c.breaking
        for c in diff_specs(_base(), removed)
        if c.where.startswith("body")
    }
    assert req[("property-removed", "body application/json $.name")] is False


def test_type_widening_and_narrowing() -> None:
    new = _base()
    _thing(new)["properties"]["note"] = {"type": "string", "nullable": True}
    kinds = _kinds(_base(), new)
    assert kinds[("type-changed", "body application/json $.note")] is False
    assert kinds[("type-changed", "200 application/json $.note")] is True


def test_body_and_response_additions_and_removals() -> None:
    new = _base()
    op = new["paths"]["/things/{id}"]["put"]
    op["responses"]["201"] = {"description": "created"}
    op["responses"]["409"] = {"description": "conflict"}
    del op["responses"]["404"]
    op["responses"]["200"]["content"]["text/plain"] = {"schema": {"type": "string"}}
    kinds = _kinds(_base(), new)
    assert kinds[("response-added", "201")] is True  # an undocumented success
    assert kinds[("response-added", "409")] is False
    assert kinds[("response-removed", "404")] is False
    assert kinds[("response-media-added", "200")] is True
    no_body = _base()
    del no_body["paths"]["/things/{id}"]["put"]["requestBody"]
    assert _kinds(_base(), no_body)[("request-body-removed", "body")] is True
    assert _kinds(no_body, _base())[("request-body-added", "body")] is True


def test_moved_operation_and_oneof() -> None:
    new = _base()
    new["paths"]["/stuff/{id}"] = new["paths"].pop("/things/{id}")
    assert _kinds(_base(), new)[("moved", "")] is True
    variants = _base()
    _thing(variants)["properties"]["note"] = {"oneOf": [{"type": "string"}, {"type": "number"}]}
    three = copy.deepcopy(variants)
    _thing(three)["properties"]["note"]["oneOf"].append({"type": "boolean"})
    kinds = _kinds(variants, three)
    assert kinds[("oneOf-variant-added", "body application/json $.note")] is False


def test_to_dict_and_table() -> None:
    new = _base()
    _thing(new)["required"] = ["name", "kind"]
    result = diff_specs(_base(), new)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["breaking"] == 1 and data["changed"] == ["PutThing"]
    assert "BREAKING" in result.table() and "required-added" in result.table()


def test_cli_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.yaml"
    old.write_text(json.dumps(_base()))
    changed = _base()
    _thing(changed)["required"] = ["name", "kind"]
    import yaml

    new.write_text(yaml.safe_dump(changed))
    assert main(["spec", "diff", str(old), str(old)]) == 0
    assert "no differences" in capsys.readouterr().out
    assert main(["spec", "diff", str(old), str(new)]) == 1
    assert "required-added" in capsys.readouterr().out
    assert main(["spec", "diff", str(old), str(new), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["breaking"] == 1
    assert main(["spec", "diff", str(old), str(tmp_path / "missing.json")]) == 2
    assert main(["spec", "diff", "bundled", "bundled", "--raw"]) == 0


@pytest.mark.loopback
def test_cli_drift_against_a_live_server(capsys: pytest.CaptureFixture[str]) -> None:
    from logto_dynamic._document._load import bundled_spec_path, read_document

    live = read_document(bundled_spec_path())
    del live["paths"]["/api/experience/submit"]
    body = json.dumps(live).encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        found = scope["path"] == WELL_KNOWN_PATH
        await send(
            {
                "type": "http.response.start",
                "status": 200 if found else 404,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body if found else b"{}"})

    with serve_app(app) as base_url:
        assert main(["spec", "drift", "--server", base_url]) == 1
        out = capsys.readouterr().out
        assert "SubmitInteraction" in out and "operation-removed" in out
        assert main(["spec", "drift", "--server", base_url, "--json"]) == 1
        assert json.loads(capsys.readouterr().out)["removed"] == ["SubmitInteraction"]
    assert main(["spec", "drift", "--server", "http://127.0.0.1:9"]) == 2


def test_a_status_added_to_many_operations_is_one_line_of_the_table() -> None:
    old = _base()
    new = copy.deepcopy(old)
    for path in new["paths"].values():
        for operation in path.values():
            operation["responses"]["5XX"] = {"description": "server error"}
    new["paths"]["/things/{id}"]["put"]["responses"]["429"] = {"description": "slow down"}
    result = diff_specs(old, new)
    assert [c.kind for c in result.changes].count("response-added") == 3  # each one, kept
    rows = result.table().splitlines()[3:]
    fivexx = [r for r in rows if "5XX" in r]
    assert len(fivexx) == 1 and "(2 operations)" in fivexx[0] and "PutThing, Old" in fivexx[0]
    assert [r for r in rows if " 429 " in r][0].split()[0] == "PutThing"  # one: as it is


def test_a_choice_replacing_an_object_is_one_change() -> None:
    old = _base()
    new = copy.deepcopy(old)
    thing = new["components"]["schemas"]["Thing"]
    new["components"]["schemas"]["Thing"] = {
        "oneOf": [thing, {"type": "object", "required": ["id"], "properties": {"id": {}}}]
    }
    put = [c for c in diff_specs(old, new).changes if c.operation == "PutThing"]
    body = [c for c in put if c.where.startswith("body")]
    assert [(c.kind, c.where, c.detail, c.breaking) for c in body] == [
        ("oneOf-introduced", "body application/json $", "object -> one of 2 variants", True)
    ]
    back = [c for c in diff_specs(new, old).changes if c.where.startswith("body")]
    assert [(c.kind, c.breaking) for c in back] == [("oneOf-dropped", False)]
