"""The public surface, what `import logto_dynamic` costs, the bundled document, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import logto_dynamic as ld
from logto_dynamic._cli import main


def test_all_is_sorted_and_complete() -> None:
    names = [n for n in dir(ld) if not n.startswith("_") and n != "testing"]
    public = {n for n in names if not isinstance(getattr(ld, n), type(sys))}
    # isort style: CONSTANTS, then Classes, then the rest
    assert ld.__all__ == sorted(
        ld.__all__, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n)
    )
    assert public <= set(ld.__all__)
    for name in ld.__all__:
        obj = getattr(ld, name)
        if isinstance(obj, type):
            assert obj.__module__ == "logto_dynamic", name
            assert obj.__doc__, f"{name} has no docstring"


def test_exception_tree() -> None:
    assert issubclass(ld.UnknownOperationError, AttributeError)
    for cls in (ld.BadRequestError, ld.UnprocessableEntityError, ld.ServerError):
        assert issubclass(cls, ld.ApiError) and issubclass(cls, ld.LogtoDynamicError)
    for cls in (ld.RequestValidationError, ld.ResponseValidationError):
        assert issubclass(cls, ld.ValidationError)
    assert issubclass(ld.QuarantinedOperationError, ld.SpecError)
    doc = sys.modules["logto_dynamic._exceptions"].__doc__ or ""
    for cls in (ld.ApiError, ld.TransportError, ld.SpecError, ld.RequestValidationError):
        assert cls.__name__ in doc


@pytest.mark.process
def test_import_stays_light() -> None:
    code = (
        "import sys, logto_dynamic\n"
        "heavy = [m for m in ('openapi_core', 'openapi_spec_validator', 'uvicorn', 'jsonschema',"
        " 'pydantic') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_bundled_document_loads_once_and_is_shared() -> None:
    first = ld.load_spec()
    assert ld.load_spec() is first
    assert ld.Client("http://x").spec is first
    assert (first.version, first.api_version, len(first.index)) == ("3.0.1", "1.42.0", 37)
    # Nothing is compiled to load: a fresh Spec of the same document has no validator yet.
    assert len(ld.Spec.from_dict(first.document).validators) == 0


def test_validators_are_compiled_lazily_and_once() -> None:
    spec = ld.Spec.from_dict(ld.load_spec().document)
    assert len(spec.validators) == 0
    op = spec.operation("VerifyBackupCode")
    spec.check_request(op, body={"code": "x"})
    assert len(spec.validators) == 1
    v = spec.validators.for_pointer(
        f"{op.pointer}/requestBody/content/application~1json/schema", "request"
    )
    spec.check_request(op, body={"code": "y"})
    assert len(spec.validators) == 1
    assert (
        spec.validators.for_pointer(
            f"{op.pointer}/requestBody/content/application~1json/schema", "request"
        )
        is v
    )


def test_index_matching_prefers_concrete_paths() -> None:
    spec = ld.Spec.from_dict(
        {
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "servers": [{"url": "http://h/base"}],
            "paths": {
                "/users/{id}": {
                    "get": {"operationId": "GetUser", "responses": {"200": {"description": "x"}}}
                },
                "/users/me": {
                    "get": {"operationId": "GetMe", "responses": {"200": {"description": "x"}}}
                },
                "/get-user": {
                    "post": {"operationId": "get_user", "responses": {"200": {"description": "x"}}}
                },
            },
        }
    )
    assert spec.match("GET", "/base/users/me")[0].operation_id == "GetMe"  # type: ignore[index]
    op, params = spec.match("GET", "/base/users/a%2Fb") or (None, None)
    assert op is not None and op.operation_id == "GetUser" and params == {"id": "a/b"}
    assert spec.match("GET", "/users/me") is None  # base path is honoured
    assert spec.match("DELETE", "/base/users/me") is None
    assert spec.operation("GetUser").operation_id == "GetUser"  # exact ids always win
    with pytest.raises(ld.AmbiguousOperationError, match="GetUser and get_user"):
        spec.operation("get-user")


def test_duplicate_operation_ids_are_refused() -> None:
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/a": {"get": {"operationId": "X", "responses": {}}},
            "/b": {"get": {"operationId": "X", "responses": {}}},
        },
    }
    with pytest.raises(ld.SpecError, match="'X'.*GET /a.*GET /b"):
        ld.Spec.from_dict(doc)


def test_cli_ops_and_describe(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ops"]) == 0
    out = capsys.readouterr().out
    assert "37 operations" in out and "IdentifyUser" in out and "/api/experience/submit" in out
    assert main(["ops", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 37 and {"operationId", "method", "path", "summary"} <= set(rows[0])
    assert main(["describe", "add-user-profile"]) == 0
    out = capsys.readouterr().out
    assert "POST /api/experience/profile" in out and '"discriminator"' in out
    assert main(["describe", "nope"]) == 2  # a usage error, reported on stderr
    assert "unknown operation" in capsys.readouterr().err


@pytest.mark.process
def test_a_client_on_the_default_document_stays_light_until_its_first_call() -> None:
    """Cold start (issue 24): the httpx transport (TLS context, httpcore) and the sign-in,
    OIDC and Management modules load on first use, not at import or construction."""
    code = (
        "import sys, logto_dynamic\n"
        "client = logto_dynamic.Client('http://127.0.0.1:9')\n"
        "print(sorted(m for m in sys.modules if m in ('httpcore', 'difflib')"
        " or m.startswith(('logto_dynamic._oidc', 'logto_dynamic._apis'))"
        " or m in ('logto_dynamic._signin._sync', 'logto_dynamic._signin._async')))\n"
        "client.http\n"
        "print('httpcore' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"]
