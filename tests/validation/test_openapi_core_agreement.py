"""openapi-core as an independent oracle: ``Spec.to_openapi_core()`` agrees with our verdicts.

The library validates with compiled validators on the hot path (openapi-core costs about
0.9 ms per request+response pair and 0.4 s to import); ``Spec.to_openapi_core()`` hands the
same document to anyone who validates with openapi-core, and this test keeps the two in step.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from _support.examples import INVALID_CALLS, VALID_CALLS

import logto_dynamic as ld

openapi_core = pytest.importorskip("openapi_core")
from _support.openapi_core_oracle import mock_request, oracle_accepts  # noqa: E402
from openapi_core.testing import MockResponse  # noqa: E402


@pytest.fixture(scope="module")
def oracle() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        built = ld.load_spec().to_openapi_core()
    assert isinstance(built, openapi_core.OpenAPI)
    return built


def test_to_openapi_core_leaves_the_document_alone() -> None:
    spec = ld.load_spec()
    before = json.dumps(spec.document, sort_keys=True)
    spec.to_openapi_core()
    assert json.dumps(spec.document, sort_keys=True) == before


@pytest.mark.parametrize("op_id", sorted(VALID_CALLS))
def test_valid_calls_pass_both(oracle: Any, op_id: str) -> None:
    spec = ld.load_spec()
    op = spec.operation(op_id)
    _, _, kwargs = VALID_CALLS[op_id]
    ours = spec.check_request(
        op,
        body=kwargs.get("body", ld._validation._requests.UNSET),
        path_params=kwargs.get("path"),
        query=kwargs.get("query"),
    )
    assert ours == []
    assert oracle_accepts(oracle, mock_request(op, kwargs))


@pytest.mark.parametrize(
    "op_id", sorted(k for k, v in INVALID_CALLS.items() if v[2] != "requestBody")
)
def test_invalid_calls_fail_both(oracle: Any, op_id: str) -> None:
    spec = ld.load_spec()
    op = spec.operation(op_id)
    kwargs, _, _ = INVALID_CALLS[op_id]
    ours = spec.check_request(
        op,
        body=kwargs.get("body", ld._validation._requests.UNSET),
        path_params=kwargs.get("path"),
        query=kwargs.get("query"),
    )
    assert ours != []
    assert not oracle_accepts(oracle, mock_request(op, kwargs))


@pytest.mark.parametrize(
    ("op_id", "status", "content_type", "body", "valid"),
    [
        ("CreatePasswordVerification", 200, "application/json", {"verificationId": "v"}, True),
        ("CreatePasswordVerification", 200, "application/json", {"verificationId": 1}, False),
        ("CreatePasswordVerification", 200, "application/json", {}, False),
        (
            "CreatePasswordVerification",
            422,
            "application/json",
            {"code": "session.invalid_credentials", "message": "m"},
            True,
        ),
        ("CreatePasswordVerification", 422, "application/json", {"message": "m"}, False),
        (
            "CreateTotpSecret",
            200,
            "application/json",
            {"verificationId": "v", "secret": "s", "secretQrCode": "q"},
            True,
        ),
        (
            "CreateTotpSecret",
            200,
            "application/json",
            {"verificationId": "v", "secret": "s"},
            False,
        ),
        ("GetEnabledSsoConnectors", 200, "application/json", {"connectorIds": ["a"]}, True),
        ("GetEnabledSsoConnectors", 200, "application/json", {"connectorIds": [1]}, False),
        ("IdentifyUser", 201, "text/plain", "Created", True),
    ],
)
def test_response_verdicts_agree(
    oracle: Any, op_id: str, status: int, content_type: str, body: Any, valid: bool
) -> None:
    spec = ld.load_spec()
    op = spec.operation(op_id)
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    ours = list(spec.responses.check(op, status, content_type, raw).violations)
    assert (ours == []) is valid
    _, _, kwargs = VALID_CALLS[op_id]
    response = MockResponse(raw, status_code=status, content_type=content_type)
    assert oracle_accepts(oracle, mock_request(op, kwargs), response) is valid


def test_openapi_core_document_rewrites() -> None:
    from logto_dynamic._validation._openapi_core import ZOD_EMAIL_PATTERN, openapi_core_document

    doc = {
        "components": {
            "schemas": {
                "Email": {"type": "string", "format": "email"},
                "Own": {"type": "string", "format": "email", "pattern": "^a$"},
                "Name": {"type": "string", "pattern": r"^\w+$", "example": {"pattern": "^keep$"}},
            }
        }
    }
    out = openapi_core_document(doc)["components"]["schemas"]
    assert out["Email"]["pattern"] == "(?a)" + ZOD_EMAIL_PATTERN[:-1] + r"\Z"
    assert out["Own"]["pattern"] == r"(?a)^a\Z"  # a document's own pattern is kept
    assert out["Name"]["pattern"] == r"(?a)^\w+\Z"
    assert out["Name"]["example"] == {"pattern": "^keep$"}  # data is not a schema
    assert "pattern" not in doc["components"]["schemas"]["Email"]  # the input is untouched
