"""Serialise path, query, header and cookie parameters per their OpenAPI style."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from logto_dynamic._document._operations import Parameter

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
    return quote(text, safe=";=.,") if param.style in ("label", "matrix") else quote(text, safe="")


_QUERY_SEPARATORS = {"spaceDelimited": " ", "pipeDelimited": "|"}


def encode_query(param: Parameter, value: Any) -> list[tuple[str, str]]:
    """Query pairs for one parameter (form, spaceDelimited, pipeDelimited, deepObject)."""
    name = param.name
    if param.style == "deepObject" and isinstance(value, Mapping):
        return [(f"{name}[{k}]", v) for k, v in _pairs(value)]
    sep = _QUERY_SEPARATORS.get(param.style, ",")
    if isinstance(value, list | tuple):
        if param.explode and sep == ",":
            return [(name, scalar(v)) for v in value]
        return [(name, _join(value, False, sep))]
    if isinstance(value, Mapping):
        if param.explode and sep == ",":
            return _pairs(value)
        return [(name, _join(value, False, sep))]
    return [(name, scalar(value))]


def header_value(param: Parameter, value: Any) -> str:
    """A header parameter in the ``simple`` style."""
    return _join(value, param.explode)


# -- the decode side (used by traffic validation: raw strings in, JSON types out) -----------


def _nodes(schema: Mapping[str, Any] | None, document: Any) -> list[Mapping[str, Any]]:
    """The schema and the subschemas it combines (``$ref``/``allOf``/``oneOf``/``anyOf``)."""
    from logto_dynamic._document._refs import deref

    found: list[Mapping[str, Any]] = []
    pending: list[Any] = [schema]
    while pending and len(found) < 32:
        node = pending.pop(0)
        if document is not None and isinstance(node, Mapping) and "$ref" in node:
            try:
                node = deref(document, node)
            except Exception:  # an unresolvable ref: the validator reports it
                continue
        if isinstance(node, Mapping):
            found.append(node)
            for key in ("allOf", "oneOf", "anyOf"):
                pending.extend(node.get(key) or [])
    return found


def schema_types(schema: Mapping[str, Any] | None, document: Any = None) -> set[str]:
    """The JSON types a parameter schema allows (``$ref``/``allOf``/``oneOf`` looked into)."""
    found: set[str] = set()
    for node in _nodes(schema, document):
        kind = node.get("type")
        if isinstance(kind, str):
            found.add(kind)
        elif isinstance(kind, list):
            found.update(str(k) for k in kind)
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
    for node in _nodes(schema, document):
        items = node.get("items")
        if isinstance(items, Mapping):
            return items
    return None


def _property_schema(
    schema: Mapping[str, Any] | None, key: str, document: Any
) -> Mapping[str, Any] | None:
    """The schema of property ``key``: a declared one first, else ``additionalProperties``."""
    nodes = _nodes(schema, document)
    for node in nodes:
        declared = node.get("properties")
        if isinstance(declared, Mapping) and isinstance(declared.get(key), Mapping):
            return declared[key]  # type: ignore[no-any-return]
    for node in nodes:
        extra = node.get("additionalProperties")
        if isinstance(extra, Mapping):
            return extra
    return None


def _decode_object(
    raw: Mapping[str, str], schema: Mapping[str, Any] | None, document: Any
) -> dict[str, Any]:
    """Property values converted by their property schemas, like primitive parameters are."""
    return {
        k: decode_scalar(v, _property_schema(schema, k, document), document) for k, v in raw.items()
    }


def _is_object(types: set[str]) -> bool:
    return "object" in types and "string" not in types


def _split_object(parts: list[str], exploded: bool) -> dict[str, str]:
    if exploded:
        out: dict[str, str] = {}
        for part in parts:
            key, _, value = part.partition("=")
            out[key] = value
        return out
    return {parts[i]: parts[i + 1] if i + 1 < len(parts) else "" for i in range(0, len(parts), 2)}


def decode_simple(param: Parameter, text: str, document: Any = None, sep: str = ",") -> Any:
    """A path or header value in the ``simple`` style (``a,b,c``; ``k=v,k2=v2``).

    ``sep`` is the delimiter between items (``"."`` for an exploded ``label`` value).
    """
    types = schema_types(param.schema, document)
    if "array" in types:
        items = _items_schema(param.schema, document)
        return [decode_scalar(p, items, document) for p in text.split(sep)] if text else []
    if _is_object(types):
        raw = _split_object(text.split(sep), param.explode) if text else {}
        return _decode_object(raw, param.schema, document)
    return decode_scalar(text, param.schema, document)


def _decode_matrix(param: Parameter, text: str, document: Any) -> Any:
    """``;name=v``; arrays ``;name=a,b`` or ``;name=a;name=b``; objects ``;name=k,v``, ``;k=v``."""
    types = schema_types(param.schema, document)
    if param.explode and text.startswith(";") and ("array" in types or _is_object(types)):
        pieces = [part.partition("=") for part in text[1:].split(";")]
        if "array" in types:
            items = _items_schema(param.schema, document)
            return [decode_scalar(v, items, document) for k, _, v in pieces if k == param.name]
        return _decode_object({k: v for k, _, v in pieces}, param.schema, document)
    if text == f";{param.name}":  # an empty value
        text = ""
    elif text.startswith(f";{param.name}="):
        text = text[len(param.name) + 2 :]
    return decode_simple(param, text, document)


def decode_path_params(
    params: tuple[Parameter, ...], values: Mapping[str, str], document: Any = None
) -> dict[str, Any]:
    """Path variables (already percent-decoded) converted per their style and schema."""
    out: dict[str, Any] = {}
    for param in params:
        if param.location == "path" and param.name in values:
            text = values[param.name]
            if param.style == "matrix":
                out[param.name] = _decode_matrix(param, text, document)
            elif param.style == "label" and text.startswith("."):
                sep = "." if param.explode else ","
                out[param.name] = decode_simple(param, text[1:], document, sep)
            else:
                out[param.name] = decode_simple(param, text, document)
    return out


def decode_query(
    params: tuple[Parameter, ...], pairs: list[tuple[str, str]], document: Any = None
) -> dict[str, Any]:
    """Query pairs (already percent-decoded) → ``{name: value}`` per style, explode and schema.

    Supports ``form`` (exploded or not), ``spaceDelimited``, ``pipeDelimited`` and
    ``deepObject``; object property values are converted by their property schemas.
    Names the operation does not document are left out.
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
                out[name] = _decode_object(found, param.schema, document)
            continue
        values = [v for k, v in pairs if k == name]
        sep = _QUERY_SEPARATORS.get(param.style, ",")
        if "array" in types:
            items = _items_schema(param.schema, document)
            if not values:
                continue
            split = not param.explode or sep != ","
            raw = [p for v in values for p in v.split(sep)] if split else values
            out[name] = [decode_scalar(p, items, document) for p in raw]
        elif _is_object(types):
            if param.explode and sep == ",":
                found = {k: v for k, v in pairs if not _documented(params, k)}
                if found:
                    out[name] = _decode_object(found, param.schema, document)
            elif values:
                found = _split_object(values[0].split(sep), False)
                out[name] = _decode_object(found, param.schema, document)
        elif values:
            # A repeated scalar: the last one wins (like most servers); a list would be a lie.
            out[name] = decode_scalar(values[-1], param.schema, document)
    return out


def _documented(params: tuple[Parameter, ...], key: str) -> bool:
    """Whether query key ``key`` belongs to a documented parameter (``name`` or ``name[k]``)."""
    for param in params:
        if param.location != "query":
            continue
        if key == param.name or (
            param.style == "deepObject" and key.startswith(f"{param.name}[") and key.endswith("]")
        ):
            return True
    return False


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
