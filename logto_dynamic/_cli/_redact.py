"""Keep secrets out of what ``call`` prints: secret fields, cookies, and echoed request secrets.

Fields the document marks ``x-logto-secret: true`` (passwords, codes, TOTP secrets, backup
codes ...) are replaced by ``<redacted>``; so are cookie and authorization headers. As a
second line of defence, the secret values of the request body are scrubbed from any text
printed (an error message that repeats one, from us or from the server, shows
``<redacted>``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from logto_dynamic._cli._common import group_pairs
from logto_dynamic._document._refs import deref
from logto_dynamic._exceptions import UnresolvableRefError
from logto_dynamic._validation._schema import SECRET_MARK
from logto_dynamic._validation._violations import REDACTED

__all__ = ["Scrubber", "redact_data", "redact_headers", "secret_strings"]

_SECRET_HEADERS = frozenset({"cookie", "set-cookie", "authorization", "proxy-authorization"})
_MIN_SCRUBBED = 4  # shorter values would blank out unrelated text; they are not secrets worth it


def _secret(node: Any) -> bool:
    return isinstance(node, Mapping) and node.get(SECRET_MARK) is True


def _walk(document: Any, schema: Any, value: Any, found: list[Any]) -> Any:
    """A copy of ``value`` with secret parts replaced; the replaced values go to ``found``."""
    if value is None or not isinstance(schema, Mapping):
        return value
    if _secret(schema):
        found.append(value)
        return REDACTED
    try:
        schema = deref(document, schema)
    except UnresolvableRefError:  # a broken $ref: nothing to learn from it
        return value
    if _secret(schema):
        found.append(value)
        return REDACTED
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key) or ():
            value = _walk(document, branch, value, found)
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        value = {k: _walk(document, props.get(k, extra), v, found) for k, v in value.items()}
    elif isinstance(value, list):
        items = schema.get("items")
        value = [_walk(document, items, v, found) for v in value]
    return value


def redact_data(document: Any, schema: Any, value: Any) -> Any:
    """``value`` with every field ``schema`` marks secret replaced by ``<redacted>``."""
    return _walk(document, schema, value, [])


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)


def secret_strings(document: Any, schema: Any, value: Any) -> set[str]:
    """Every string (or number, as text) in the secret fields of ``value``."""
    found: list[Any] = []
    _walk(document, schema, value, found)
    return {s for item in found for s in _strings(item) if len(s) >= _MIN_SCRUBBED}


def redact_headers(headers: httpx.Headers) -> dict[str, Any]:
    """Headers as a JSON object (repeated names as lists), cookie and auth values redacted."""
    pairs: list[tuple[str, str]] = []
    for name, value in headers.multi_items():
        key = name.lower()
        if key == "set-cookie":
            value = f"{value.split('=', 1)[0].strip()}={REDACTED}"
        elif key in _SECRET_HEADERS:
            value = REDACTED
        pairs.append((key, value))
    return group_pairs(pairs)


class Scrubber(logging.Filter):
    """Replaces known secret values in text, and in log records when used as a filter."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        forms = set()
        for secret in secrets:
            forms.add(secret)
            forms.add(json.dumps(secret)[1:-1])  # as it reads inside JSON text
            forms.add(repr(secret)[1:-1])  # as it reads inside a Python repr
        # Longest first, so a secret that contains another is replaced whole.
        self._forms = sorted((f for f in forms if len(f) >= _MIN_SCRUBBED), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with the secrets replaced."""
        if self._forms:
            record.msg = self(record.getMessage())
            record.args = None
        return True
