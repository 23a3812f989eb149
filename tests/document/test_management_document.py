"""The shipped Management API document: selectable by name, loaded as made (it is written
normalised), cheap to load; and the JSON fast path of the external-reference check."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from logto_dynamic import load_spec
from logto_dynamic._cli import main
from logto_dynamic._document import _load
from logto_dynamic._document._dialect import normalize
from logto_dynamic._document._load import NAMED_DOCUMENTS, named_spec_path, read_document


def test_the_document_by_name() -> None:
    spec = load_spec("logto-management-1.42")
    assert spec is load_spec("logto-management-1.42")  # cached and shared
    assert spec.title == "Logto Management API" and spec.api_version == "1.42.0"
    assert len(spec.index) == 284 and spec.quarantined == {}
    assert spec.operation("list_users").path == "/api/users"
    assert spec.base_path == "" and named_spec_path("logto-1.0") is None
    assert set(NAMED_DOCUMENTS) >= {"bundled", "logto-management-1.42"}


def test_it_is_shipped_normalised_so_loading_skips_the_rewrites() -> None:
    path = named_spec_path("logto-management-1.42")
    assert path is not None
    again, report = normalize(read_document(path))
    assert len(report) == 0, list(report)[:3]
    assert again == read_document(path)
    assert len(load_spec("logto-management-1.42").normalization) == 0


def test_it_loads_in_well_under_a_second() -> None:
    path = named_spec_path("logto-management-1.42")
    assert path is not None
    start = time.perf_counter()
    spec = load_spec(path, refresh=True, normalize=False)
    elapsed = time.perf_counter() - start
    assert len(spec.index) == 284 and elapsed < 2.0, elapsed  # ~0.15 s on a quiet machine


def test_json_without_file_refs_is_not_walked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def walked(node: object) -> bool:
        raise AssertionError("the tree was walked")

    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"openapi": "3.0.3", "a": {"$ref": "#/b"}, "b": {}}))
    monkeypatch.setattr(_load, "_has_external_ref", walked)
    assert read_document(plain)["a"] == {"$ref": "#/b"}


def test_json_with_a_file_ref_is_still_bundled(tmp_path: Path) -> None:
    (tmp_path / "schemas.json").write_text(json.dumps({"Pet": {"type": "string"}}))
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": {"Ref": {"$ref": "schemas.json#/Pet"}}},
    }
    source = tmp_path / "doc.json"
    source.write_text(json.dumps(document, indent=1))
    bundled = read_document(source)
    assert bundled["components"]["schemas"]["Ref"] == {"$ref": "#/components/schemas/schemas_Pet"}
    assert bundled["components"]["schemas"]["schemas_Pet"] == {"type": "string"}


def test_the_cli_takes_the_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ops", "--spec", "logto-management-1.42", "--json"]) == 0
    ops = json.loads(capsys.readouterr().out)
    assert len(ops) == 284
    assert main(["describe", "UpdateSignInExp", "--spec", "logto-management-1.42"]) == 0
    assert "/api/sign-in-exp" in capsys.readouterr().out
