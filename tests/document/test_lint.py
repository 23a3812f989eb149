"""Tolerant loading (quarantine) and the opt-in full lint, on small broken documents."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from logto_dynamic import Client, QuarantinedOperationError, SpecError, load_spec
from logto_dynamic._cli import main
from logto_dynamic._document._lint import lint, operation_problems


def _op(op_id: str, schema: Any = None) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": op_id, "responses": {"204": {"description": "ok"}}}
    if schema is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    return op


def _broken_doc() -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "info": {"title": "broken", "version": "1"},
        "paths": {
            "/good": {
                "post": _op(
                    "Good",
                    {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}},
                )
            },
            "/bad-min": {"post": _op("BadMinimum", {"type": "number", "minimum": "min"})},
            "/dangling": {"post": _op("Dangling", {"$ref": "#/components/schemas/Nope"})},
            "/dup1": {"get": _op("Dup")},
            "/dup2": {"get": _op("Dup")},
            "/unreadable": {
                "get": {
                    "operationId": "Unreadable",
                    "parameters": [{"in": "query"}],
                    "responses": {},
                }
            },
        },
        "components": {"schemas": {"Fine": {"type": "string"}}},
    }


def test_broken_operations_are_quarantined_on_load() -> None:
    spec = load_spec(_broken_doc())
    assert set(spec.quarantined) == {"Dangling", "Dup", "Unreadable"}
    assert "Nope" in spec.quarantined["Dangling"][0]
    assert "GET /dup1" in spec.quarantined["Dup"][0] and "GET /dup2" in spec.quarantined["Dup"][0]
    with pytest.raises(QuarantinedOperationError, match="Dangling.*Nope") as info:
        spec.operation("Dangling")
    assert isinstance(info.value, SpecError)
    with pytest.raises(QuarantinedOperationError):
        spec.operation("dangling")  # forgiving names find quarantined operations too
    # the rest work; cheap checks do not see the bad minimum (that is lint's job)
    assert spec.operation("Good").path == "/good"
    assert spec.operation("BadMinimum").path == "/bad-min"


def test_operations_without_operation_id_have_one_name_everywhere() -> None:
    ok = {"responses": {"204": {"description": "ok"}}}
    dangling = {
        "requestBody": {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}
        },
        **ok,
    }
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {"post": ok},
            "/users/{userId}/broken": {"put": dangling},
        },
    }
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        return httpx.Response(204)

    spec = load_spec(doc)
    assert list(spec.quarantined) == ["put_users_userId_broken"]
    assert spec.operation("post_x").path == "/x"
    with pytest.raises(QuarantinedOperationError, match="put_users_userId_broken.*Nope"):
        spec.operation("put_users_userId_broken")
    with pytest.raises(QuarantinedOperationError):
        spec.operation("PutUsersUserIdBroken")
    assert list(lint(doc, validator=False).by_operation()) == ["put_users_userId_broken"]
    with Client("http://t", spec=doc, transport=httpx.MockTransport(handler)) as c:
        assert c.ops.post_x().status_code == 204
    assert sent == ["POST /x"]


def test_calling_a_quarantined_operation_raises_and_others_work() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(204)

    with Client("http://t", spec=_broken_doc(), transport=httpx.MockTransport(handler)) as c:
        with pytest.raises(QuarantinedOperationError):
            c.call("Dangling", {})
        assert c.call("Good", {"a": "x"}).status_code == 204
    assert sent == ["/good"]


def test_lint_lists_every_problem_with_its_operation() -> None:
    report = lint(_broken_doc())
    kinds = {p.kind for p in report}
    assert {"spec-validator", "duplicate-operation-id", "unresolvable-ref", "unreadable"} <= kinds
    by_op = report.by_operation()
    assert "BadMinimum" in by_op and any("min" in m for m in by_op["BadMinimum"])
    assert "Dangling" in by_op and "Dup" in by_op and "Unreadable" in by_op
    assert "Good" not in by_op
    assert report.operation_count == 6 and not report.ok
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False and data["by_operation"]
    print(f"REPORT lint of the broken fixture:\n{report}")


def test_lint_without_validator_is_cheap_checks_only() -> None:
    report = lint(_broken_doc(), validator=False)
    assert "spec-validator" not in {p.kind for p in report}
    assert "BadMinimum" not in report.by_operation()


def test_spec_lint_quarantines_what_it_finds() -> None:
    spec = load_spec(_broken_doc(), lint=True)
    assert spec.lint_report is not None and not spec.lint_report.ok
    with pytest.raises(QuarantinedOperationError, match="BadMinimum"):
        spec.operation("BadMinimum")
    assert spec.operation("Good").operation_id == "Good"


def test_operation_problems_follows_refs_transitively() -> None:
    doc = {
        "openapi": "3.0.1",
        "paths": {
            "/a": {"get": _op("A", {"$ref": "#/components/schemas/Outer"})},
            "/b": {"get": _op("B", {"$ref": "#/components/schemas/Self"})},
        },
        "components": {
            "schemas": {
                "Outer": {
                    "type": "object",
                    "properties": {"x": {"$ref": "#/components/schemas/Gone"}},
                },
                "Self": {
                    "type": "object",
                    "properties": {"s": {"$ref": "#/components/schemas/Self"}},
                },
            }
        },
    }
    problems = operation_problems(doc)
    assert list(problems) == ["A"] and "Gone" in problems["A"][0]


def test_clean_document_lints_clean() -> None:
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": _op("A")}},
    }
    assert lint(doc).ok and str(lint(doc)) == "no problems (1 operations)"


def test_cli_spec_lint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_broken_doc()))
    assert main(["spec", "lint", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "BadMinimum" in out and "duplicate-operation-id" in out
    assert main(["spec", "lint", str(bad), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert "Dangling" in data["by_operation"]
    assert main(["spec", "lint", "bundled"]) == 0
    assert "no problems" in capsys.readouterr().out
    assert main(["spec", "lint", str(tmp_path / "missing.json")]) == 2


def test_management_document_loads_and_indexes_fast(management_142: Path) -> None:
    start = time.perf_counter()
    spec = load_spec(management_142, refresh=True)
    elapsed = time.perf_counter() - start
    assert len(spec.index) == 284 and not spec.quarantined
    assert len(spec.validators) == 0  # nothing compiled before first use
    print(
        f"REPORT management document: load + normalise + index {elapsed * 1000:.0f} ms, "
        f"{len(spec.index)} operations, rewrites {spec.normalization.counts()}"
    )


@pytest.mark.slow  # the full openapi-spec-validator run over a 2 MB document: ~8 s
def test_management_document_lint_attributes_validator_errors(management_142: Path) -> None:
    report = lint(json.loads(management_142.read_text()))
    assert any("'min' is a required property" in p.message for p in report)
    by_op = report.by_operation()
    assert by_op and all(p.operations for p in report if p.kind == "spec-validator")
    print(f"REPORT management lint: {len(report)} problems, operations {sorted(by_op)}")


def test_no_client_can_change_the_shared_document_under_another() -> None:
    # The reproduction: one client's change to the cached document made a *new* client
    # raise QuarantinedOperationError for an operation that is fine.
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(204)

    with contextlib.suppress(TypeError):
        load_spec().quarantined["IdentifyUser"] = ("set aside",)  # type: ignore[index]
    load_spec().lint(validator=False)
    assert "IdentifyUser" not in load_spec().quarantined
    with Client("http://t", spec=load_spec(), transport=httpx.MockTransport(handler)) as client:
        assert client.call("IdentifyUser", {"interactionEvent": "SignIn"}).status_code == 204
    assert sent == ["/api/experience/identification"]


def test_lint_returns_a_new_spec_and_leaves_the_cached_one_as_loaded(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(_broken_doc()))
    cached = load_spec(str(path))
    linted = cached.lint()
    assert linted is not cached and cached.lint_report is None
    assert linted.lint_report is not None and not linted.lint_report.ok
    with pytest.raises(QuarantinedOperationError, match="BadMinimum"):
        linted.operation("BadMinimum")
    assert "BadMinimum" not in cached.quarantined and "BadMinimum" in linted.quarantined
    assert load_spec(str(path)) is cached
    assert cached.operation("BadMinimum").path == "/bad-min"  # still callable there
    through_load = load_spec(str(path), lint=True)
    assert through_load is load_spec(str(path), lint=True)  # linted once, then cached
    assert "BadMinimum" in through_load.quarantined and "BadMinimum" not in cached.quarantined
    assert load_spec(str(path)).operation("BadMinimum").path == "/bad-min"
    report_only = cached.lint(validator=False, quarantine=False)
    assert report_only.lint_report is not None and dict(report_only.quarantined) == dict(
        cached.quarantined
    )
