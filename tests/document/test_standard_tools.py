"""Standard tools read the bundled document on their own and give our validator's verdicts.

"Standard" means plain jsonschema (Draft 4, its own format checker) and openapi-core, handed
the YAML file as is: no logto_dynamic code between them and the document. Our validator gives
a real Logto server's verdicts (test_server_guard, test_newer_spec), so where the two agree, a
tool such as Schemathesis or openapi-core judges a request the way Logto does. The two
disagreements the document keeps on purpose are pinned in ``test_documented_exceptions``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from _support.examples import INVALID_CALLS, VALID_CALLS
from hypothesis import given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

import logto_dynamic as ld
from logto_dynamic._validation._openapi_core import ZOD_EMAIL_PATTERN

openapi_core = pytest.importorskip("openapi_core")
from _support.openapi_core_oracle import mock_request, oracle_accepts  # noqa: E402
from openapi_core.testing import MockResponse  # noqa: E402

SPEC_PATH = Path(__file__).parents[2] / "spec" / "logto-experience-1.22.openapi.yaml"
DOC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
URI = "urn:bundled"
REGISTRY: Registry[Any] = Registry().with_resource(URI, Resource(DOC, DRAFT4))


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _plain(pointer: str) -> jsonschema.Draft4Validator:
    """A plain Draft 4 validator of the schema at ``pointer`` in the YAML document."""
    return jsonschema.Draft4Validator(
        {"$ref": f"{URI}#{pointer}"},
        registry=REGISTRY,
        format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
    )


def _raw_operation(op_id: str) -> tuple[str, str, dict[str, Any]]:
    for path, item in DOC["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == op_id:
                return path, method, op
    raise AssertionError(op_id)


def _plain_verdict(op_id: str, kwargs: dict[str, Any]) -> bool:
    """Whether plain jsonschema accepts a call's body and query parameters."""
    path, method, op = _raw_operation(op_id)
    base = f"/paths/{_escape(path)}/{method}"
    ok = True
    if "body" in kwargs and "requestBody" in op:
        ok &= _plain(f"{base}/requestBody/content/application~1json/schema").is_valid(
            kwargs["body"]
        )
    for i, param in enumerate(op.get("parameters", [])):
        if "$ref" in param or param["in"] != "query":
            continue
        value = (kwargs.get("query") or {}).get(param["name"])
        if value is None:
            ok &= not param.get("required", False)
        else:
            ok &= _plain(f"{base}/parameters/{i}/schema").is_valid(value)
    return ok


@pytest.fixture(scope="module")
def oracle() -> Any:
    """openapi-core on the YAML file as is (not ``Spec.to_openapi_core``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return openapi_core.OpenAPI.from_dict(json.loads(json.dumps(DOC)))


def _ours(op_id: str, kwargs: dict[str, Any]) -> bool:
    spec = ld.load_spec()
    op = spec.operation(op_id)
    return not spec.check_request(
        op,
        body=kwargs.get("body", ld._validation._requests.UNSET),
        path_params=kwargs.get("path"),
        query=kwargs.get("query"),
    )


# Every example of tests/_support/examples.py, except bodies sent to operations that take none (a
# documented exception: standard validators ignore them).
CASES = [(op_id, kwargs, True) for op_id, (_, _, kwargs) in sorted(VALID_CALLS.items())] + [
    (op_id, kwargs, False)
    for op_id, (kwargs, _, keyword) in sorted(INVALID_CALLS.items())
    if keyword != "requestBody"
]


@pytest.mark.parametrize(
    ("op_id", "kwargs", "valid"),
    CASES,
    ids=[f"{c[0]}-{'valid' if c[2] else 'invalid'}" for c in CASES],
)
def test_standard_validators_agree_with_ours(
    oracle: Any, op_id: str, kwargs: dict[str, Any], valid: bool
) -> None:
    assert _ours(op_id, kwargs) is valid
    assert _plain_verdict(op_id, kwargs) is valid
    op = ld.load_spec().operation(op_id)
    assert oracle_accepts(oracle, mock_request(op, kwargs)) is valid


EMAILS = {
    "a@example.com": True,
    "first.last+tag@sub.example.co": True,
    "o'brien@example.com": True,
    "A_B-c@EXAMPLE.ORG": True,
    "7%u^@0.com": False,
    "notanemail": False,
    "a@b.c": False,
    ".a@b.co": False,
    "a..b@b.co": False,
    "a.@b.co": False,
    "a@b.co\n": False,
    "a@-b.co": False,
    "é@b.co": False,
    "a@b.co ": False,
    "a@b_c.co": False,
    "": False,
    "\u017f@b.co": False,
    "a@b.\u212ao": False,  # ſ and the Kelvin sign: no ASCII case folding
}


@pytest.mark.parametrize(("email", "valid"), EMAILS.items())
def test_email_verdicts_agree(oracle: Any, email: str, valid: bool) -> None:
    kwargs = {"query": {"email": email}}
    assert _ours("GetEnabledSsoConnectors", kwargs) is valid
    assert _plain_verdict("GetEnabledSsoConnectors", kwargs) is valid
    op = ld.load_spec().operation("GetEnabledSsoConnectors")
    assert oracle_accepts(oracle, mock_request(op, kwargs)) is valid


@settings(max_examples=150, deadline=None)
@given(st.emails() | st.text(alphabet="ab.@-_+'%\n1Zé", max_size=12))
def test_email_verdicts_agree_on_generated_strings(email: str) -> None:
    kwargs = {"query": {"email": email}}
    assert _plain_verdict("GetEnabledSsoConnectors", kwargs) is _ours(
        "GetEnabledSsoConnectors", kwargs
    ), repr(email)


def test_email_pattern_is_the_one_the_package_uses() -> None:
    _, _, op = _raw_operation("GetEnabledSsoConnectors")
    assert op["parameters"][0]["schema"]["pattern"] == ZOD_EMAIL_PATTERN


@pytest.mark.parametrize(
    ("op_id", "kwargs"),
    [
        # `\w` is Unicode and `$` allows a final newline in Python's re (not in ECMA-262)
        (
            "CreateNewPasswordIdentityVerification",
            {"body": {"identifier": {"type": "username", "value": "aé"}, "password": "p"}},
        ),
        (
            "CreateNewPasswordIdentityVerification",
            {"body": {"identifier": {"type": "username", "value": "a\n"}, "password": "p"}},
        ),
        # a body sent to an operation that takes none
        ("SubmitInteraction", {"body": {"x": 1}}),
    ],
)
def test_documented_exceptions(oracle: Any, op_id: str, kwargs: dict[str, Any]) -> None:
    """The disagreements the YAML header documents are real (update it if one goes away)."""
    assert not _ours(op_id, kwargs)
    assert _plain_verdict(op_id, kwargs)
    op = ld.load_spec().operation(op_id)
    assert oracle_accepts(oracle, mock_request(op, kwargs))
    # Spec.to_openapi_core() reads the patterns the ECMA-262 way
    if "username" in json.dumps(kwargs):
        assert not oracle_accepts(ld.load_spec().to_openapi_core(), mock_request(op, kwargs))


REAL_500 = {"message": "Internal server error."}


@pytest.mark.parametrize("op_id", sorted(VALID_CALLS))
def test_a_real_500_is_never_a_response_violation(oracle: Any, op_id: str) -> None:
    """A real Logto 500 is ``{message}`` only; every operation documents it (``5XX``)."""
    method, sent_path, kwargs = VALID_CALLS[op_id]
    tv = ld.TrafficValidator()
    query = "?" + "&".join(f"{k}={v}" for k, v in (kwargs.get("query") or {}).items())
    body = json.dumps(kwargs["body"]).encode() if "body" in kwargs else b""
    json_headers = {"content-type": "application/json; charset=utf-8"}
    request = tv.validate_request(method, sent_path + query.rstrip("?"), json_headers, body)
    assert request.ok and request.operation_id == op_id
    for status, answer in ((500, REAL_500), (503, {"code": "x.y", "message": "m"})):
        report = tv.validate_response(request, status, json_headers, json.dumps(answer).encode())
        assert report.ok, (status, report.violations)
        op = ld.load_spec().operation(op_id)
        response = MockResponse(json.dumps(answer).encode(), status_code=status)
        assert oracle_accepts(oracle, mock_request(op, kwargs), response)
    # ... while a 4xx still needs its code, but for the 400 to a body that is not JSON
    op = ld.load_spec().operation(op_id)
    report = tv.validate_response(request, 400, json_headers, json.dumps(REAL_500).encode())
    assert [v.keyword for v in report.violations] == ([] if op.has_body else ["required"])
    if "422" in op.responses:
        report = tv.validate_response(request, 422, json_headers, json.dumps(REAL_500).encode())
        assert [v.keyword for v in report.violations] == ["required"]


def test_our_email_check_reads_the_end_like_zod() -> None:
    """Without the pattern (Logto's own documents), our `email` format check is zod's alone."""
    spec = ld.Spec.from_dict(
        {
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/sso": {
                    "get": {
                        "operationId": "Sso",
                        "parameters": [
                            {
                                "name": "email",
                                "in": "query",
                                "required": True,
                                "schema": {"type": "string", "format": "email"},
                            }
                        ],
                        "responses": {"200": {"description": "ok"}},
                    }
                }
            },
        }
    )
    op = spec.operation("Sso")
    for email, valid in EMAILS.items():
        assert (spec.check_request(op, query={"email": email}) == []) is valid, repr(email)
