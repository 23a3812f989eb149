"""Local JSON references: ``#/components/schemas/X`` and friends."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from typing import Any

from logto_dynamic._exceptions import UnresolvableRefError

__all__ = ["deref", "escape_pointer", "inline_refs", "resolve_pointer"]


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


class _Cycle(Exception):
    pass


#: Past this many values (or levels), a schema keeps its refs: they are resolved lazily,
#: as the value checked goes, rather than inlined (refs that fan out inline exponentially).
INLINE_BUDGET = 20_000
INLINE_DEPTH = 150


def inline_refs(document: Mapping[str, Any], schema: Any) -> tuple[Any, bool]:
    """Return a copy of ``schema`` with local ``$ref``s replaced by their targets.

    The second value is False when the schema is recursive, or would inline past
    :data:`INLINE_BUDGET` values or :data:`INLINE_DEPTH` levels; the copy then keeps its refs.
    """
    budget = [INLINE_BUDGET]

    def walk(node: Any, stack: tuple[str, ...], depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0 or depth > INLINE_DEPTH:
            raise _Cycle("too big")
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                if ref in stack:
                    raise _Cycle(ref)
                target = walk(resolve_pointer(document, ref), (*stack, ref), depth + 1)
                # OAS 3.0: siblings of $ref are ignored, except our own vendor markers.
                extras = {k: v for k, v in node.items() if k.startswith("x-")}
                if extras and isinstance(target, dict):
                    return {**target, **extras}
                return target
            return {k: walk(v, stack, depth + 1) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, stack, depth + 1) for v in node]
        return node

    try:
        return walk(schema, (), 0), True
    except _Cycle:
        return copy.deepcopy(schema), False
