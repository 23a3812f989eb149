"""Turn schema violations into zod-like issues, the way Logto's ``koaGuard`` reports them."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from typing import Any, Protocol

__all__ = ["ViolationLike", "details_text", "to_issue"]

_MISSING = object()


class ViolationLike(Protocol):
    """What the guard needs from an engine ``Violation``."""

    @property
    def location(self) -> str: ...

    @property
    def path(self) -> tuple[str | int, ...]: ...

    @property
    def keyword(self) -> str: ...

    @property
    def message(self) -> str: ...


def _zod_type(value: Any) -> str:
    if value is _MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _at(instance: Any, path: Sequence[str | int]) -> Any:
    for part in path:
        if isinstance(instance, dict) and isinstance(part, str) and part in instance:
            instance = instance[part]
        elif isinstance(instance, list) and isinstance(part, int) and 0 <= part < len(instance):
            instance = instance[part]
        else:
            return _MISSING
    return instance


def _literal(schema: dict[str, Any]) -> str | None:
    """The literal of a schema: ``const``, a one-value ``enum`` or Logto's ``format: '"x"'``."""
    if "const" in schema:
        return str(schema["const"])
    enum = schema.get("enum")
    if isinstance(enum, list) and len(enum) == 1:
        return str(enum[0])
    fmt = schema.get("format")
    if isinstance(fmt, str) and len(fmt) > 1 and fmt.startswith('"') and fmt.endswith('"'):
        return fmt[1:-1]
    return None


def _variant(options: list[Any], instance: Any, key: str) -> dict[str, Any] | None:
    """The ``oneOf`` variant declaring ``key``, preferring one whose ``type`` literal matches."""
    candidates = [o for o in options if isinstance(o, dict) and key in o.get("properties", {})]
    wanted = instance.get("type") if isinstance(instance, dict) else None
    for option in candidates:
        type_schema = option.get("properties", {}).get("type", {})
        if isinstance(type_schema, dict) and _literal(type_schema) == wanted:
            return option
    return candidates[0] if candidates else None


def _flat(schema: Any) -> Any:
    """``schema`` with its ``allOf`` members merged in (properties are unioned)."""
    if not isinstance(schema, dict) or "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    properties: dict[str, Any] = {}
    for member in schema["allOf"]:
        member = _flat(member)
        if isinstance(member, dict):
            properties.update(member.get("properties", {}))
            merged.update({k: v for k, v in member.items() if k != "properties"})
    properties.update(schema.get("properties", {}))
    merged["properties"] = {
        k: (
            {**properties[k], **v}
            if isinstance(v, dict) and isinstance(properties.get(k), dict)
            else v
        )
        for k, v in properties.items()
    }
    return merged


def _schema_at(schema: Any, instance: Any, path: Sequence[str | int]) -> dict[str, Any]:
    """Follow ``path`` through ``properties``/``items``/``oneOf``; ``{}`` when it can't."""
    for part in path:
        schema = _flat(schema)
        if not isinstance(schema, dict):
            return {}
        if "oneOf" in schema and isinstance(part, str):
            schema = _variant(schema["oneOf"], instance, part) or schema
        if isinstance(part, str) and part in schema.get("properties", {}):
            schema = schema["properties"][part]
        elif isinstance(part, int) and isinstance(schema.get("items"), dict):
            schema = schema["items"]
        elif isinstance(schema.get("additionalProperties"), dict):
            schema = schema["additionalProperties"]
        else:
            return {}
        instance = _at(instance, [part])
    schema = _flat(schema)
    return schema if isinstance(schema, dict) else {}


def _quoted(values: Sequence[Any]) -> str:
    return " | ".join(f"'{v}'" for v in values)


def _enum_options(schema: dict[str, Any], message: str) -> list[Any]:
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    match = re.search(r"is not one of (\[.*\])", message)
    if match:
        try:
            parsed = ast.literal_eval(match.group(1))
        except (ValueError, SyntaxError):
            return []
        return list(parsed) if isinstance(parsed, list) else []
    return []


def to_issue(violation: ViolationLike, instance: Any, schema: Any) -> dict[str, Any]:
    """One zod issue (``code``, ``path``, ``message`` and extras) for ``violation``.

    ``instance`` is the parsed input of the violation's location (body or query mapping) and
    ``schema`` its schema (body schema, or ``{"properties": {name: schema}}`` for parameters).
    """
    path: list[str | int] = list(violation.path)
    keyword = violation.keyword
    value = _at(instance, path)
    if keyword == "required":  # the engine puts the missing key at the end of the path
        sub = _schema_at(schema, instance, path)
        expected = sub.get("type") if isinstance(sub.get("type"), str) else "unknown"
        return {
            "code": "invalid_type",
            "expected": expected,
            "received": "undefined",
            "path": path,
            "message": "Required",
        }
    if keyword == "discriminator":
        options = _enum_options({}, violation.message)
        return {
            "code": "invalid_union_discriminator",
            "options": options,
            "path": path,
            "message": f"Invalid discriminator value. Expected {_quoted(options)}",
        }
    sub = _schema_at(schema, instance, path)
    received = _zod_type(value)
    if keyword == "type":
        expected = sub.get("type")
        if not isinstance(expected, str):
            match = re.search(r"is not of type '(\w+)'", violation.message)
            expected = match.group(1) if match else "unknown"
        if expected == "integer":
            expected = "number"
        return {
            "code": "invalid_type",
            "expected": expected,
            "received": received,
            "path": path,
            "message": f"Expected {expected}, received {received}",
        }
    literal = _literal(sub)
    if (
        keyword in ("const", "format")
        and literal is not None
        or (keyword == "enum" and literal is not None and len(sub.get("enum", [])) == 1)
    ):
        return {
            "received": value if value is not _MISSING else None,
            "code": "invalid_literal",
            "expected": literal,
            "path": path,
            "message": f'Invalid literal value, expected "{literal}"',
        }
    if keyword == "enum":
        options = _enum_options(sub, violation.message)
        return {
            "received": value if value is not _MISSING else None,
            "code": "invalid_enum_value",
            "options": options,
            "path": path,
            "message": f"Invalid enum value. Expected {_quoted(options)}, received '{value}'",
        }
    if keyword in ("minLength", "maxLength", "minItems", "maxItems"):
        small = keyword.startswith("min")
        limit = sub.get(keyword, 1 if small else 0)
        kind = "string" if "Length" in keyword else "array"
        unit = "character(s)" if kind == "string" else "element(s)"
        word = "least" if small else "most"
        return {
            "code": "too_small" if small else "too_big",
            "minimum" if small else "maximum": limit,
            "type": kind,
            "inclusive": True,
            "exact": False,
            "path": path,
            "message": f"{kind.capitalize()} must contain at {word} {limit} {unit}",
        }
    if keyword == "pattern":
        return {"validation": "regex", "code": "invalid_string", "message": "Invalid", "path": path}
    if keyword == "format":
        fmt = str(sub.get("format", "regex"))
        return {
            "validation": fmt,
            "code": "invalid_string",
            "message": f"Invalid {fmt}",
            "path": path,
        }
    if keyword in ("oneOf", "anyOf"):
        return _union_issue(sub, value, path)
    if keyword == "additionalProperties":
        return {
            "code": "unrecognized_keys",
            "keys": [],
            "path": path,
            "message": "Unrecognized key(s) in object",
        }
    return {"code": "custom", "path": path, "message": "Invalid input"}


def _union_issue(schema: dict[str, Any], value: Any, path: list[str | int]) -> dict[str, Any]:
    options = [
        _literal(o.get("properties", {}).get("type", {}))
        for o in schema.get("oneOf", schema.get("anyOf", []))
        if isinstance(o, dict)
    ]
    if options and all(options) and isinstance(value, dict) and value.get("type") not in options:
        return {
            "code": "invalid_union_discriminator",
            "options": options,
            "path": [*path, "type"],
            "message": f"Invalid discriminator value. Expected {_quoted(options)}",
        }
    return {"code": "invalid_union", "unionErrors": [], "path": path, "message": "Invalid input"}


def details_text(issues: Sequence[dict[str, Any]]) -> str:
    """Logto's ``details``: one ``Error in key path "a.b": (code) message`` line per issue."""
    lines = []
    for issue in issues:
        key_path = ".".join(str(p) for p in issue["path"])
        lines.append(f'Error in key path "{key_path}": ({issue["code"]}) {issue["message"]}')
    return "\n".join(lines)
