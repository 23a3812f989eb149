"""The Logto dialect: rewrite what Logto's spec generator emits into plain OpenAPI.

Logto builds its published documents from its zod guards. Some of what it writes means
nothing, or something else, to a standard validator. :func:`normalize` returns a normalised
*copy* of a document and a :class:`NormalizationReport` naming every rewrite (rule, JSON
pointer, before → after), so nothing changes silently. The schema rules live in
``_dialect_schemas``, the response rules here:

``literal-format``
    ``{type: string, format: '"username"'}`` (a ``z.literal``) → ``enum: [username]``;
    likewise ``format: empty`` (``z.literal('')``) → ``enum: ['']`` and, on booleans,
    ``format: 'true'``/``'false'`` → ``enum: [true]``/``[false]``.
``empty-literal-union``
    a ``oneOf`` with such an empty-string literal among its variants (``X.or(z.literal(''))``)
    → ``anyOf``: zod takes the first variant that fits, and ``''`` may fit both.
``url-format``
    ``{type: string, format: url}`` (``z.string().url()``, a format validators ignore) gets
    ``pattern: ^[A-Za-z][A-Za-z0-9+.-]*:`` (a scheme), so ``url | ''`` unions can tell apart.
``js-regex``
    ``pattern: "/^[A-Z_a-z]\\w*$/"`` (a JS regex literal) → ``^[A-Z_a-z]\\w*$``; the ``i``
    flag is folded into the pattern, other flags are dropped and reported.
``regex-marker``
    ``format: regex`` next to a ``pattern`` is Logto's marker, not a format: dropped.
``case-duplicate-enum``
    ``[email, phone, Email, Phone]`` (two merged lists) → ``[email, phone]``: zod accepts
    only the first spelling.
``oneof-sibling-properties``
    a ``properties`` map beside ``oneOf``/``anyOf`` that carries descriptions only is
    folded into the variants' properties and removed.
``schemaless-json-response``
    a 2xx ``content: {application/json: {}}`` (no schema): the server answers
    ``text/plain`` ("Created"), so ``text/plain: {type: string}`` is added beside it.
``submit-text-ok``
    SubmitInteraction (``POST /api/experience/submit``) 200: Logto unwrapped the guard's
    ``.optional()``; ForgotPassword submissions are answered ``text/plain`` "OK", so that
    media type is added. Identified by operation (method + path), the only reliable sign.
``error-body``
    4xx/5xx responses without content get Logto's error body
    (``{code, message, data?, details?, error?, error_description?}``; 5xx: only
    ``message`` is required). A 400 of an operation that takes a request body gets the same
    body with only ``message`` required: a body that is not JSON, or JSON but neither an
    object nor an array, is answered ``{"message": ...}`` without ``code``.

The request rules (``required-default``, ``validator-placeholder``) are described in
``_dialect_requests``.

>>> doc, report = normalize({"openapi": "3.0.1", "paths": {}})
>>> len(report)
0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from logto_dynamic._document._dialect_report import NormalizationReport, Rewrite
from logto_dynamic._document._dialect_requests import request_rules
from logto_dynamic._document._dialect_schemas import normalize_schemas, strip_js_regex
from logto_dynamic._document._naming import HTTP_METHODS
from logto_dynamic._document._refs import escape_pointer

__all__ = [
    "ERROR_SCHEMA",
    "NormalizationReport",
    "Rewrite",
    "normalize",
    "strip_js_regex",
]

ERROR_COMPONENT = "LogtoError"
SERVER_ERROR_COMPONENT = "LogtoServerError"
BAD_REQUEST_COMPONENT = "LogtoBadRequestError"
_ERROR_PROPERTIES: dict[str, Any] = {
    "code": {"type": "string", "description": "Logto's error code, e.g. `session.not_found`."},
    "message": {"type": "string"},
    "data": {"description": "Extra data (e.g. zod issues, password policy violations)."},
    "details": {"type": "string"},
    "error": {"type": "string"},
    "error_description": {"type": "string"},
}
#: The body Logto's error middleware sends: ``code`` and ``message`` always, the rest at
#: times; a 5xx answer (an unexpected failure) carries only ``message``.
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Logto's error body (added by logto_dynamic's dialect normalisation).",
    "required": ["code", "message"],
    "properties": _ERROR_PROPERTIES,
}
_SERVER_ERROR_SCHEMA: dict[str, Any] = {**ERROR_SCHEMA, "required": ["message"]}
_WANTED = {
    ERROR_COMPONENT: ERROR_SCHEMA,
    SERVER_ERROR_COMPONENT: _SERVER_ERROR_SCHEMA,
    BAD_REQUEST_COMPONENT: _SERVER_ERROR_SCHEMA,
}


def normalize(document: Mapping[str, Any]) -> tuple[dict[str, Any], NormalizationReport]:
    """Return a normalised copy of ``document`` and the report of every rewrite.

    The input is never modified. Applying it twice changes nothing the second time.
    """
    doc: dict[str, Any] = _copy(dict(document))
    report = NormalizationReport()
    normalize_schemas(doc, report)
    request_rules(doc, report)
    _responses(doc, report)
    return doc, report


def _copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


# -- response rules ---------------------------------------------------------------------------


def _responses(doc: dict[str, Any], report: NormalizationReport) -> None:
    paths = doc.get("paths")
    if not isinstance(paths, dict):
        return
    needs: set[str] = set()
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict) or not isinstance(op.get("responses"), dict):
                continue
            base = f"#/paths/{escape_pointer(str(path))}/{method}/responses"
            for status, resp in op["responses"].items():
                if not isinstance(resp, dict) or "$ref" in resp:
                    continue
                where = f"{base}/{escape_pointer(str(status))}"
                code = str(status)
                if code.startswith("2"):
                    _schemaless_json(resp, where, report)
                    if (
                        code == "200"
                        and method == "post"
                        and str(path).endswith("/experience/submit")
                    ):
                        _submit_ok(resp, where, report)
                elif code[:1] in ("4", "5") and not resp.get("content"):
                    name = ERROR_COMPONENT if code.startswith("4") else SERVER_ERROR_COMPONENT
                    if code == "400" and "requestBody" in op:
                        name = BAD_REQUEST_COMPONENT  # a body that is not JSON: no `code`
                    needs.add(name)
                    ref = f"#/components/schemas/{name}"
                    resp["content"] = {"application/json": {"schema": {"$ref": ref}}}
                    report.add(
                        "error-body", f"{where}/content", "(no content)", f"application/json {ref}"
                    )
    if needs:
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        for name in sorted(needs):
            wanted = _WANTED[name]
            if name not in schemas:
                schemas[name] = _copy(wanted)
                report.add(
                    "error-body",
                    f"#/components/schemas/{name}",
                    "(absent)",
                    "Logto error body schema",
                )


def _schemaless_json(resp: dict[str, Any], where: str, report: NormalizationReport) -> None:
    content = resp.get("content")
    if not isinstance(content, dict) or "text/plain" in content:
        return
    media = content.get("application/json")
    if isinstance(media, dict) and "schema" not in media:
        content["text/plain"] = {"schema": {"type": "string"}}
        report.add(
            "schemaless-json-response",
            f"{where}/content/text~1plain",
            "application/json without schema",
            "text/plain {type: string} added",
        )


def _submit_ok(resp: dict[str, Any], where: str, report: NormalizationReport) -> None:
    content = resp.get("content")
    if not isinstance(content, dict) or "text/plain" in content:
        return
    media = content.get("application/json")
    if isinstance(media, dict) and "schema" in media:
        content["text/plain"] = {"schema": {"type": "string", "enum": ["OK"]}}
        report.add(
            "submit-text-ok",
            f"{where}/content/text~1plain",
            "application/json only",
            'text/plain enum ["OK"] added (ForgotPassword submissions)',
        )
