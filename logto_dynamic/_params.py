"""Serialise path, query, header and cookie parameters per their OpenAPI style."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from logto_dynamic._operations import Parameter

__all__ = ["encode_path", "encode_query", "header_value", "scalar"]


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
