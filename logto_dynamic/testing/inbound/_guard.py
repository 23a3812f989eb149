"""The server's input guard: Logto's ``koaGuard``, driven by the bundled OpenAPI document.

A request is checked with the engine's ``Spec.check_request`` and every violation becomes a
zod-like issue, so the 400 ``guard.invalid_input`` looks like Logto's and the server can never
disagree with the client about what is valid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._errors import LogtoError
from ._body import read_body
from ._zod import details_text, to_issue

if TYPE_CHECKING:
    from logto_dynamic._document._operations import Operation
    from logto_dynamic._spec import Spec

    from .._asgi import Request

__all__ = ["guard_request"]

# koaGuard checks these in this order and reports the first part that fails.
_PARTS = (("query", "query"), ("body", "body"), ("path", "params"))


def _parse_body(op: Operation, request: Request) -> Any:
    """The body as Logto's koa-body hands it to the guard (``None``: the operation has none)."""
    if not op.request_content:
        return None
    return read_body(request, multipart="multipart/form-data" in op.request_content)


def _body_schema(spec: Spec, op: Operation) -> Any:
    from logto_dynamic._document._refs import inline_refs

    schema = op.request_schema
    return inline_refs(spec.document, schema)[0] if schema is not None else {}


def _param_schema(op: Operation, location: str) -> dict[str, Any]:
    params = {p.name: dict(p.schema or {}) for p in op.parameters if p.location == location}
    return {"type": "object", "properties": params}


def guard_request(
    spec: Spec,
    op: Operation,
    request: Request,
    path_params: dict[str, str],
    *,
    query: dict[str, Any] | None = None,
) -> Any:
    """Check a request against ``op``; returns the parsed body or raises ``guard.invalid_input``.

    ``query`` is the decoded query (typed values) when the caller decoded it; by default the
    raw query strings are checked.
    """
    body = _parse_body(op, request)
    checked_query = request.query if query is None else query
    try:
        violations = spec.check_request(op, body=body, path_params=path_params, query=checked_query)
    except RecursionError:
        raise LogtoError(
            400,
            "guard.invalid_input",
            message="The request body is invalid.",
            details='Error in key path "": (custom) Input is nested too deeply',
        ) from None
    for location, label in _PARTS:
        found = [v for v in violations if v.location == location]
        if not found:
            continue
        if location == "body":
            schema, instance = _body_schema(spec, op), body
            issues = [to_issue(v, instance, schema) for v in found]
        else:
            instance = checked_query if location == "query" else path_params
            schema = _param_schema(op, location)
            issues = []
            for v in found:
                issue = to_issue(_Prefixed(v), instance, schema)
                issues.append(issue)
        raise LogtoError(
            400,
            "guard.invalid_input",
            message=f"The request {label} is invalid.",
            data={"issues": issues, "name": "ZodError"},
            details=details_text(issues),
        )
    return body


class _Prefixed:
    """A parameter violation seen from the parameter mapping: its path starts with the name."""

    def __init__(self, violation: Any) -> None:
        self.location: str = violation.location
        self.keyword: str = violation.keyword
        self.message: str = violation.message
        name = violation.name
        self.path: tuple[str | int, ...] = (
            (name, *violation.path) if name is not None else tuple(violation.path)
        )
