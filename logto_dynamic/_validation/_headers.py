"""Headers as callers hand them to the traffic checks: a mapping, or pairs of str or bytes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["HeaderInput", "content_type_of", "header_value", "normalize_headers"]

HeaderInput = Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]]


def normalize_headers(headers: HeaderInput | None) -> list[tuple[str, str]]:
    """A mapping or pairs (str or bytes) → ``[(lower-case name, value), ...]`` in order."""
    if headers is None:
        return []
    items: Iterable[tuple[Any, Any]]
    if isinstance(headers, Mapping):
        multi = getattr(headers, "multi_items", None)
        items = multi() if callable(multi) else headers.items()
    else:
        items = headers
    out: list[tuple[str, str]] = []
    for key, value in items:  # type() first: this runs for every header of every exchange
        k = (
            key
            if type(key) is str
            else (key.decode("latin-1") if isinstance(key, (bytes, bytearray)) else str(key))
        )
        v = (
            value
            if type(value) is str
            else (value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else str(value))
        )
        out.append((k.lower(), v))
    return out


def content_type_of(headers: HeaderInput | None) -> str | None:
    """The ``Content-Type`` value (the first), read without normalising every header."""
    if headers is None:
        return None
    if isinstance(headers, list):
        for key, value in headers:
            if type(key) is bytes and type(value) is bytes:
                if len(key) == 12 and key.lower() == b"content-type":
                    return value.decode("latin-1")
            elif type(key) is str and type(value) is str:
                if len(key) == 12 and key.lower() == "content-type":
                    return value
            else:
                break  # another shape: the general path below
        else:
            return None
    return header_value(normalize_headers(headers), "content-type")


def header_value(headers: list[tuple[str, str]], name: str) -> str | None:
    """The first value of ``name`` in normalised headers, or None."""
    for key, value in headers:
        if key == name:
            return value
    return None
