"""The rules of the Logto dialect that concern what a request may omit or what answers it.

See :mod:`logto_dynamic._document._dialect` for the list. Each rule rewrites the document in
place and records what it did in the report.

``required-default``
    Logto's generator marks a query or header parameter, or a request-body property, required
    unless its zod guard is ``.optional()``; a ``.default(x)`` guard is published as
    ``required`` *and* ``default: x``. zod fills the default when the value is absent, so the
    server takes the request without it: the parameter stops being required, the property
    leaves its object's ``required`` list. Answers keep theirs (the server sends the value).
``validator-placeholder``
    a zod refinement Logto's generator cannot describe is published as ``{type: object,
    additionalProperties: true, description: "Validator function"}`` (also where the refined
    value is a string or an array): the ``type`` and ``additionalProperties`` go, leaving a
    schema that says nothing, rather than one that refuses every value the server takes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from logto_dynamic._document._dialect_report import NormalizationReport
from logto_dynamic._document._naming import HTTP_METHODS
from logto_dynamic._document._refs import escape_pointer

__all__ = ["PLACEHOLDER_TEXT", "is_placeholder", "relax_placeholder", "request_rules"]

#: The description Logto's generator gives a check it cannot describe.
PLACEHOLDER_TEXT = "Validator function"
_PLACEHOLDER_KEYS = frozenset({"type", "additionalProperties", "description", "nullable"})


def is_placeholder(node: Mapping[str, Any]) -> bool:
    """``node`` has the shape Logto gives a refinement: an object that takes anything."""
    return (
        set(node) <= _PLACEHOLDER_KEYS
        and node.get("type", "object") == "object"
        and node.get("additionalProperties", True) is True
    )


def relax_placeholder(node: dict[str, Any], pointer: str, report: NormalizationReport) -> None:
    """The ``validator-placeholder`` rule, on one schema object (in place)."""
    if node.get("description") != PLACEHOLDER_TEXT or "type" not in node:
        return
    if not is_placeholder(node):
        return
    del node["type"]
    node.pop("additionalProperties", None)
    report.add("validator-placeholder", pointer, "type: object", "(no constraint)")


def request_rules(document: dict[str, Any], report: NormalizationReport) -> None:
    """Apply ``required-default`` to every operation's parameters and request bodies."""
    components = document.get("components")
    shared = components.get("parameters") if isinstance(components, dict) else None
    for where, op in _operations(document):
        for i, param in enumerate(op.get("parameters") or ()):
            _optional_parameter(param, f"{where}/parameters/{i}", report)
        body = op.get("requestBody")
        content = body.get("content") if isinstance(body, dict) else None
        for media, item in (content or {}).items():
            if isinstance(item, dict) and isinstance(item.get("schema"), dict):
                at = f"{where}/requestBody/content/{escape_pointer(str(media))}/schema"
                _optional_properties(item["schema"], at, report)
    for name, param in (shared or {}).items():
        _optional_parameter(param, f"#/components/parameters/{escape_pointer(str(name))}", report)


def _operations(document: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    paths = document.get("paths")
    for path, item in (paths or {}).items() if isinstance(paths, dict) else ():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                yield f"#/paths/{escape_pointer(str(path))}/{method}", op


def _optional_parameter(param: Any, pointer: str, report: NormalizationReport) -> None:
    if not isinstance(param, dict) or param.get("in") not in ("query", "header", "cookie"):
        return
    schema = param.get("schema")
    if param.get("required") is True and isinstance(schema, dict) and "default" in schema:
        param["required"] = False
        after = f"False (default {schema['default']!r})"
        report.add("required-default", f"{pointer}/required", True, after)


def _optional_properties(node: Any, pointer: str, report: NormalizationReport) -> None:
    if isinstance(node, list):
        for i, sub in enumerate(node):
            _optional_properties(sub, f"{pointer}/{i}", report)
        return
    if not isinstance(node, dict):
        return
    props, required = node.get("properties"), node.get("required")
    if isinstance(props, dict) and isinstance(required, list):
        defaulted = [
            name
            for name in required
            if isinstance(props.get(name), dict) and "default" in props[name]
        ]
        if defaulted:
            kept = [name for name in required if name not in defaulted]
            if kept:
                node["required"] = kept
            else:
                del node["required"]
            report.add("required-default", f"{pointer}/required", defaulted, "(optional)")
    for key, value in node.items():
        if key in ("default", "enum", "example", "examples"):
            continue
        if key in ("properties", "patternProperties") and isinstance(value, dict):
            for name, sub in value.items():
                _optional_properties(sub, f"{pointer}/{key}/{escape_pointer(str(name))}", report)
        elif isinstance(value, dict | list):
            _optional_properties(value, f"{pointer}/{key}", report)
