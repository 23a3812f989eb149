"""Hostile OpenAPI documents (they come from files, URLs and servers) end quickly: in a
SpecError, or in a quarantine of what is broken, and ``spec lint`` says so in one line each.

Every document is written by the test into its own folder.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from logto_dynamic import QuarantinedOperationError, SpecError, TrafficValidator, load_spec
from logto_dynamic._cli import main
from logto_dynamic._document import _load
from logto_dynamic._spec import load_spec_url_async
from logto_dynamic.testing._uvicorn import serve_app

FAST = 10.0  # seconds: generous for a loaded machine; the failures were hangs

HEAD = 'openapi: 3.0.3\ninfo: {title: hostile, version: "1"}\npaths: {}\n'


def _doc(schemas: dict[str, Any], body_ref: str = "S0") -> dict[str, Any]:
    """One operation (POST /api/x, op) whose JSON body is ``#/components/schemas/<body_ref>``."""
    body = {"$ref": f"#/components/schemas/{body_ref}"}
    operation = {
        "operationId": "op",
        "requestBody": {"content": {"application/json": {"schema": body}}},
        "responses": {"204": {"description": "ok"}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "hostile", "version": "1"},
        "paths": {"/api/x": {"post": operation}},
        "components": {"schemas": schemas},
    }


def _chain(n: int, link: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    schemas = {f"S{i}": link(f"#/components/schemas/S{i + 1}") for i in range(n)}
    schemas[f"S{n}"] = {"type": "object"}
    return schemas


BILLION_LAUGHS = HEAD + "x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
for _a, _b in zip("abcdefgh", "bcdefghi", strict=True):
    BILLION_LAUGHS += f"x-{_b}: &{_b} [{', '.join(['*' + _a] * 9)}]\n"
DEEP = "[" * 5000 + "]" * 5000

NOT_LOADABLE = [  # (name, file name, text, what the one line says)
    ("billion laughs", "laughs.yaml", BILLION_LAUGHS, "expands to more than"),
    ("alias to itself", "loop.yaml", HEAD + "x-loop: &l [1, *l]\n", "contains itself"),
    ("deep JSON", "deep.json", '{"openapi": "3.0.3", "x": ' + DEEP + "}", "deep"),
    ("deep YAML", "deep.yaml", HEAD + "x-deep: " + DEEP + "\n", "deep"),
    (
        "200 levels",
        "levels.json",
        json.dumps({"openapi": "3.0.3", "x": json.loads('{"a": ' * 200 + "1" + "}" * 200)}),
        "nests deeper than 100 levels",
    ),
]

QUARANTINED = [  # (name, schemas, what the problem says)
    ("self reference", {"S0": {"$ref": "#/components/schemas/S0"}}, "refers to itself"),
    (
        "self reference through allOf",
        {
            "S0": {"allOf": [{"$ref": "#/components/schemas/S1"}]},
            "S1": {"anyOf": [{"$ref": "#/components/schemas/S0"}]},
        },
        "refers to itself",
    ),
    ("allOf fan-out", _chain(30, lambda r: {"allOf": [{"$ref": r}, {"$ref": r}]}), "fan out"),
    ("long $ref chain", _chain(5000, lambda r: {"$ref": r}), "deeper than 64"),
    ("long allOf chain", _chain(5000, lambda r: {"allOf": [{"$ref": r}]}), "deeper than 64"),
    (
        "long chain through properties",
        _chain(5000, lambda r: {"type": "object", "properties": {"x": {"$ref": r}}}),
        "deeper than 64",
    ),
]


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    return fn(), time.perf_counter() - start


@pytest.mark.parametrize(
    ("name", "file", "text", "says"), NOT_LOADABLE, ids=[c[0] for c in NOT_LOADABLE]
)
def test_documents_that_cannot_load_are_one_spec_error(
    name: str, file: str, text: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / file
    path.write_text(text)
    start = time.perf_counter()
    with pytest.raises(SpecError, match=says):
        load_spec(str(path))
    code = main(["spec", "lint", str(path)])
    _, err = capsys.readouterr()
    assert time.perf_counter() - start < FAST
    assert code == 2 and len(err.strip().splitlines()) == 1 and says in err, err


def test_a_dict_is_checked_too() -> None:
    document: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}}
    document["paths"] = {"/a": {"x-self": document}}
    with pytest.raises(SpecError, match="contains itself"):
        load_spec(document)


@pytest.mark.parametrize(("name", "schemas", "says"), QUARANTINED, ids=[c[0] for c in QUARANTINED])
def test_broken_schemas_quarantine_their_operation(
    name: str,
    schemas: dict[str, Any],
    says: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(_doc(schemas)))
    spec, seconds = _timed(lambda: load_spec(str(path)))
    assert seconds < FAST
    assert says in " ".join(spec.quarantined["op"])
    with pytest.raises(QuarantinedOperationError):
        spec.operation("op")
    # The proxy and HAR checks: the request matches nothing checkable, and nothing raises.
    report = TrafficValidator(spec).validate_request(
        "POST", "/api/x", {"content-type": "application/json"}, b"{}"
    )
    assert not report.ok
    code, seconds = _timed(lambda: main(["spec", "lint", str(path)]))
    out, _ = capsys.readouterr()
    assert code == 1 and seconds < FAST
    lines = [line for line in out.splitlines() if "schema-shape" in line]
    assert lines and says in lines[0]


def test_refs_that_fan_out_through_properties_are_resolved_lazily(tmp_path: Path) -> None:
    """2^30 paths through the properties: inlined, they would never end; checked lazily,
    a value costs what it contains."""
    schemas = _chain(
        30,
        lambda r: {"type": "object", "properties": {"a": {"$ref": r}, "b": {"$ref": r}}},
    )
    path = tmp_path / "fan.json"
    path.write_text(json.dumps(_doc(schemas)))
    spec = load_spec(str(path))
    op = spec.operation("op")
    found, seconds = _timed(lambda: spec.check_request(op, body={"a": {"b": {"a": 5}}}))
    assert seconds < FAST
    assert [v.keyword for v in found] == ["type"]  # 5 is not an object


def test_a_recursive_schema_on_deep_values_is_a_verdict(tmp_path: Path) -> None:
    node = {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/S0"}}}
    path = tmp_path / "tree.json"
    path.write_text(json.dumps(_doc({"S0": node})))
    spec = load_spec(str(path))
    value: dict[str, Any] = {}
    for _ in range(3000):
        value = {"child": value}
    found = spec.check_request(spec.operation("op"), body=value)
    assert [v.keyword for v in found] == ["depth"]
    deep = b'{"child": ' * 3000 + b"{}" + b"}" * 3000
    report = TrafficValidator(spec).validate_request(
        "POST", "/api/x", {"content-type": "application/json"}, deep
    )
    assert [v.keyword for v in report.violations] == ["depth"]


def test_a_catastrophic_pattern_is_cut_short(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string", "pattern": "^(a|aa)+$"}},
    }
    path = tmp_path / "redos.json"
    path.write_text(json.dumps(_doc({"S0": schema})))
    spec = load_spec(str(path))
    op = spec.operation("op")
    assert spec.check_request(op, body={"name": "aaaa"}) == []
    assert [v.keyword for v in spec.check_request(op, body={"name": "ab"})] == ["pattern"]
    found, seconds = _timed(lambda: spec.check_request(op, body={"name": "a" * 60 + "b"}))
    assert seconds < FAST
    assert [v.keyword for v in found] == ["pattern-timeout"]
    report = TrafficValidator(spec).validate_request(
        "POST", "/api/x", {"content-type": "application/json"}, b'{"name": "' + b"a" * 60 + b'!"}'
    )
    assert [v.keyword for v in report.violations] == ["pattern-timeout"]


class _Bomb:
    """Serves a gzip bomb as an OpenAPI document: 8 MiB of spaces in 8 KB."""

    body = gzip.compress(b"{" + b" " * (8 << 20) + b"}", 9)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-encoding", b"gzip")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


@pytest.mark.loopback
def test_a_fetched_document_is_capped_once_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_load, "MAX_DOCUMENT_BYTES", 1 << 20)
    with serve_app(_Bomb()) as url:
        with pytest.raises(SpecError, match="larger than 1048576 bytes"):
            load_spec(url + "/bomb.json", refresh=True)
        with pytest.raises(SpecError, match="larger than"):
            asyncio.run(load_spec_url_async(url + "/bomb.json", refresh=True))


def test_catastrophic_pattern_properties_are_cut_short(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "patternProperties": {"^(a|aa)+$": {"type": "integer"}},
        "additionalProperties": False,
    }
    path = tmp_path / "redos-keys.json"
    path.write_text(json.dumps(_doc({"S0": schema})))
    spec = load_spec(str(path))
    op = spec.operation("op")
    assert spec.check_request(op, body={"aa": 1}) == []
    assert [v.keyword for v in spec.check_request(op, body={"aa": "x"})] == ["type"]
    assert [v.keyword for v in spec.check_request(op, body={"b": 1})] == ["additionalProperties"]
    found, seconds = _timed(lambda: spec.check_request(op, body={"a" * 60 + "b": 1}))
    assert seconds < FAST
    assert {v.keyword for v in found} == {"pattern-timeout"}
