"""Serialise path, query, header and cookie parameters per their OpenAPI style."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from logto_dynamic._operations import Parameter

__all__ = [
    "decode_cookies",
    "decode_headers",
    "decode_path_params",
    "decode_query",
    "decode_scalar",
    "decode_simple",
    "encode_path",
    "encode_query",
    "header_value",
    "parse_cookie_header",
    "scalar",
    "schema_types",
]


def scalar(value: Any) -> str:
    """One primitive as it travels: ``true``/``false`` for booleans, ``""`` for None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _pairs(value: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(str(k), scalar(v)) for k, v in value.items()]


def _join(value: Any, explode: bool, sep: str = ",") -> str:
    """The ``simple`` style: ``a,b,c`` for arrays; ``k=v,k2=v2`` or ``k,v,k2,v2`` for objects."""
    if isinstance(value, Mapping):
        if explode:
            return sep.join(f"{k}={v}" for k, v in _pairs(value))
        return sep.join(f"{k}{sep}{v}" for k, v in _pairs(value))
    if isinstance(value, list | tuple):
        return sep.join(scalar(v) for v in value)
    return scalar(value)


def encode_path(param: Parameter, value: Any) -> str:
    """The percent-encoded path segment for a path parameter (simple, label, matrix)."""
    if param.style == "label":
        text = "." + _join(value, param.explode, "." if param.explode else ",")
    elif param.style == "matrix":
        if isinstance(value, list | tuple) and param.explode:
            text = "".join(f";{param.name}={scalar(v)}" for v in value)
        elif isinstance(value, Mapping) and param.explode:
            text = "".join(f";{k}={v}" for k, v in _pairs(value))
        else:
            text = f";{param.name}={_join(value, False)}"
    else:
        text = _join(value, param.explode)
    return quote(text, safe=";=.,")if param.style in ("label", "matrix") else quote(text, safe="")


def encode_query(param: Parameter, value: Any) -> list[tuple[str, str]]:
    """Query pairs for one parameter (form, spaceDelimited, pipeDelimited, deepObject)."""
    name = param.name
    if param.style == "deepObject" and isinstance(value, Mapping):
        return [(f"{name}[{k}]", v) for k, v in _pairs(value)]
    if isinstance(value, list | tuple):
        if param.style == "spaceDelimited":
            return [(name, " ".join(scalar(v) for v in value))]
        if param.style == "pipeDelimited":
            return [(name, "|".join(scalar(v) for v in value))]
        if param.explode:
            return [(name, scalar(v)) for v in value]
        return [(name, _join(value, False))]
    if isinstance(value, Mapping):
        return _pairs(value) if param.explode else [(name, _join(value, False))]
    return [(name, scalar(value))]


def header_value(param: Parameter, value: Any) -> str:
    """A header parameter in the ``simple`` style."""
    return _join(value, param.explode)


# -- the decode side (used by traffic validation: raw strings in, JSON types out) -----------


def schema_types(schema: Mapping[str, Any] | None, document: Any = None) -> set[str]:
    """The JSON types a parameter schema allows (``$ref``/``allOf``/``oneOf`` looked into)."""
    from logto_dynamic._refs import deref

    found: set[str] = set()
    pending: list[Any] = [schema]
    seen = 0
    while pending and seen < 32:
        seen += 1
        node = pending.pop()
        if document is not None and isinstance(node, Mapping) and "$ref" in node:
            try:
                node = deref(document, node)
            except Exception:  # an unresolvable ref: the validator reports it
                continue
        if not isinstance(node, Mapping):
            continue
        kind = node.get("type")
        if isinstance(kind, str):
            found.add(kind)
        elif isinstance(kind, list):
            found.update(str(k) for k in kind)
        for key in ("allOf", "oneOf", "anyOf"):
            pending.extend(node.get(key) or [])
    return found


def decode_scalar(text: str, schema: Mapping[str, Any] | None, document: Any = None) -> Any:
    """``"42"`` → 42 for an integer schema, ``"true"`` → True for a boolean one, and so on.

    A string that does not convert stays a string, so the validator reports the type error.
    """
    types = schema_types(schema, document)
    if not types or "string" in types:
        return text
    if "integer" in types:
        try:
            return int(text)
        except ValueError:
            pass
    if "number" in types:
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            return int(number) if number.is_integer() and "." not in text else number
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    if "null" in types and text in ("", "null"):
        return None
    return text


def _items_schema(schema: Mapping[str, Any] | None, document: Any) -> Mapping[str, Any] | None:
    from logto_dynamic._refs import deref

    node = deref(document, schema) if document is not None and schema else schema
    items = node.get("items") if isinstance(node, Mapping) else None
    return items if isinstance(items, Mapping) else None


def _split_object(parts: list[str], exploded: bool) -> dict[str, str]:
    if exploded:
        out: dict[str, str] = {}
        for part in parts:
            key, _, value = part.partition("=")
            out[key] = value
        return out
    return {parts[i]: parts[i + 1] if i + 1 < len(parts) else "" for i in range(0, len(parts), 2)}


def decode_simple(param: Parameter, text: str, document: Any = None) -> Any:
    """A path or header value in the ``simple`` style (``a,b,c``; ``k=v,k2=v2``)."""
    types = schema_types(param.schema, document)
    if "array" in types:
        items = _items_schema(param.schema, document)
        return [decode_scalar(p, items, document) for p in text.split(",")] if text else []
    if "object" in types and "string" not in types:
        return _split_object(text.split(","), param.explode)
    return decode_scalar(text, param.schema, document)


def decode_path_params(
    params: tuple[Parameter, ...], values: Mapping[str, str], document: Any = None
) -> dict[str, Any]:
    """Path variables (already percent-decoded) converted per their schema."""
    out: dict[str, Any] = {}
    for param in params:
        if param.location == "path" and param.name in values:
            text = values[param.name]
            if param.style == "label" and text.startswith("."):
                text = text[1:]
            elif param.style == "matrix" and text.startswith(f";{param.name}="):
                text = text[len(param.name) + 2 :]
            out[param.name] = decode_simple(param, text, document)
    return out


def decode_query(
    params: tuple[Parameter, ...], pairs: list[tuple[str, str]], document: Any = None
) -> dict[str, Any]:
    """Query pairs (already percent-decoded) → ``{name: value}`` per style, explode and schema.

    Supports ``form`` (exploded or not), ``spaceDelimited``, ``pipeDelimited`` and
    ``deepObject``. Names the operation does not document are left out.
    """
    out: dict[str, Any] = {}
    for param in params:
        if param.location != "query":
            continue
        types = schema_types(param.schema, document)
        name = param.name
        if param.style == "deepObject":
            prefix = f"{name}["
            found = {
                k[len(prefix) : -1]: v for k, v in pairs if k.startswith(prefix) and k.endswith("]")
            }
            if found:
                out[name] = found
            continue
        values = [v for k, v in pairs if k == name]
        if "array" in types:
            items = _items_schema(param.schema, document)
            if not values:
                continue
            if param.style == "spaceDelimited":
                raw = [p for v in values for p in v.split(" ")]
            elif param.style == "pipeDelimited":
                raw = [p for v in values for p in v.split("|")]
            elif param.explode:
                raw = values
            else:
                raw = [p for v in values for p in v.split(",")]
            out[name] = [decode_scalar(p, items, document) for p in raw]
        elif "object" in types and "string" not in types:
            if param.explode:
                known = {p.name for p in params}
                found = {k: v for k, v in pairs if k not in known}
                if found:
                    out[name] = found
            elif values:
                out[name] = _split_object(values[0].split(","), False)
        elif values:
            # A repeated scalar: the last one wins (like most servers); a list would be a lie.
            out[name] = decode_scalar(values[-1], param.schema, document)
    return out


def decode_headers(
    params: tuple[Parameter, ...], headers: list[tuple[str, str]], document: Any = None
) -> dict[str, Any]:
    """Header parameters by their documented name (case-insensitive lookup)."""
    lookup: dict[str, list[str]] = {}
    for key, value in headers:
        lookup.setdefault(key.lower(), []).append(value)
    out: dict[str, Any] = {}
    for param in params:
        if param.location != "header":
            continue
        values = lookup.get(param.name.lower())
        if values:
            out[param.name] = decode_simple(param, ",".join(values), document)
    return out


def parse_cookie_header(values: list[str]) -> list[tuple[str, str]]:
    """``Cookie: a=1; b=2`` header values → ``[("a", "1"), ("b", "2")]``."""
    out: list[tuple[str, str]] = []
    for value in values:
        for part in value.split(";"):
            name, sep, text = part.strip().partition("=")
            if sep and name:
                out.append((name, text.strip().strip('"')))
    return out


def decode_cookies(
    params: tuple[Parameter, ...], pairs: list[tuple[str, str]], document: Any = None
) -> dict[str, Any]:
    """Cookie parameters (``form`` style) converted per their schema."""
    found = dict(pairs)
    out: dict[str, Any] = {}
    for param in params:
        if param.location == "cookie" and param.name in found:
            out[param.name] = decode_simple(param, found[param.name], document)
    return out
