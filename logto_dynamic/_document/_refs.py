"""Local JSON references: ``#/components/schemas/X`` and friends."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from typing import Any

from logto_dynamic._exceptions import SpecError

__all__ = [
    "UnresolvableRefError",
    "deref",
    "escape_pointer",
    "inline_refs",
    "resolve_pointer",
]


class UnresolvableRefError(SpecError):
    """A ``$ref`` points nowhere in the document."""

    def __init__(self, ref: str, reason: str) -> None:
        self.ref = ref
        super().__init__(f"cannot resolve $ref {ref!r}: {reason}")


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


def inline_refs(document: Mapping[str, Any], schema: Any) -> tuple[Any, bool]:
    """Return a copy of ``schema`` with local ``$ref``s replaced by their targets.

    The second value is False when the schema is recursive; the copy then keeps its refs.
    """

    def walk(node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                if ref in stack:
                    raise _Cycle(ref)
                target = walk(resolve_pointer(document, ref), (*stack, ref))
                # OAS 3.0: siblings of $ref are ignored, except our own vendor markers.
                extras = {k: v for k, v in node.items() if k.startswith("x-")}
                if extras and isinstance(target, dict):
                    return {**target, **extras}
                return target
            return {k: walk(v, stack) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, stack) for v in node]
        return node

    try:
        return walk(schema, ()), True
    except _Cycle:
        return copy.deepcopy(schema), False
