"""Local JSON references: ``#/components/schemas/X`` and friends."""

from __future__ import annotations

import functools
from typing import Any

from logto_dynamic._exceptions import UnresolvableRefError

__all__ = ["deref", "escape_pointer", "resolve_pointer"]


@functools.lru_cache(maxsize=1024)  # status codes, media types: few, escaped per exchange
def escape_pointer(token: str) -> str:
    """Escape one JSON-pointer token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def resolve_pointer(document: Any, ref: str) -> Any:
    """Resolve a local reference such as ``#/components/schemas/Error``."""
    if not ref.startswith("#"):
        raise UnresolvableRefError(ref, "only local references (#/...) are resolved here")
    node = document
    pointer = ref[1:]
    if not pointer:
        return node
    for raw in pointer.lstrip("/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise UnresolvableRefError(ref, f"no {token!r} there")
    return node


def deref(document: Any, node: Any, *, limit: int = 32) -> Any:
    """Follow a chain of ``$ref`` objects (parameters, responses, request bodies)."""
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        node = resolve_pointer(document, ref)
        seen += 1
        if seen > limit:
            raise UnresolvableRefError(ref, "reference chain too long (a cycle?)")
    return node
