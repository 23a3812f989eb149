"""openapi-core as an oracle in tests: a mock request for an example call, and its verdict.

Imported after ``pytest.importorskip("openapi_core")`` by the tests that use it.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

from openapi_core.testing import MockRequest

import logto_dynamic as ld

HOST = "http://localhost:3001"


def mock_request(op: ld.Operation, kwargs: dict[str, Any]) -> Any:
    """The request an example call (``path``/``query``/``body`` keyword arguments) sends."""
    path = op.path
    for name, value in (kwargs.get("path") or {}).items():
        path = path.replace("{" + name + "}", str(value))
    body = kwargs.get("body")
    return MockRequest(
        HOST,
        op.method.lower(),
        path,
        args=kwargs.get("query") or {},
        data=json.dumps(body).encode() if body is not None else None,
    )


def oracle_accepts(oracle: Any, request: Any, response: Any = None) -> bool:
    """Whether openapi-core accepts the request (or, given one, the response to it)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if response is None:
                oracle.validate_request(request)
            else:
                oracle.validate_response(request, response)
    except Exception:  # any openapi-core error is a refusal
        return False
    return True
