"""Hostile document shapes, caught before anything walks or compiles them.

Documents come from files, URLs and servers. Two checks keep every later walk bounded:

- :func:`check_shape` (right after parsing): a value that contains itself (a YAML alias to
  its own ancestor), a document that expands past :data:`MAX_DOCUMENT_VALUES` values once
  its aliases are followed (a YAML "billion laughs" is 588 bytes), or one nesting deeper than
  :data:`MAX_DOCUMENT_DEPTH` levels is a :class:`~logto_dynamic.SpecLoadError`. The walk
  counts each shared value once, without recursion.
- :class:`SchemaShapes` (per operation, when the document is indexed): a schema whose
  ``$ref``/``allOf``/``anyOf``/``oneOf``/``not`` refer back to itself without descending into
  the value (every check would recurse for ever), fan out past :data:`MAX_IN_PLACE` subschemas
  applied to one value, or chain deeper than :data:`MAX_CHAIN` is a problem of the operations
  that use it: they are quarantined.
"""

from __future__ import annotations

from typing import Any

from logto_dynamic._document._refs import escape_pointer, resolve_pointer
from logto_dynamic._exceptions import SpecLoadError, UnresolvableRefError

__all__ = [
    "MAX_CHAIN",
    "MAX_DOCUMENT_DEPTH",
    "MAX_DOCUMENT_VALUES",
    "MAX_IN_PLACE",
    "SHAPE_PROBLEM",
    "SchemaShapes",
    "check_shape",
]

#: Values in a document once YAML aliases are expanded (Logto's management API: ~38,000).
MAX_DOCUMENT_VALUES = 2_000_000
#: Nesting levels of a document (Logto's: 14 to 33).
MAX_DOCUMENT_DEPTH = 100
#: Subschemas one value may be checked against through in-place applicators and refs.
MAX_IN_PLACE = 10_000
#: The longest chain of in-place applicators and refs.
MAX_CHAIN = 64
#: How the problems of :class:`SchemaShapes` begin (lint files them as ``schema-shape``).
SHAPE_PROBLEM = "schema cannot be checked safely: "


def _children(node: Any) -> Any:
    return iter(node.items()) if isinstance(node, dict) else iter(enumerate(node))


def _pointer(frames: list[tuple[Any, Any, str]], last: object) -> str:
    keys = [f[2] for f in frames[1:]] + [str(last)]
    return "#" + "".join(f"/{escape_pointer(k)}" for k in keys)


def check_shape(document: Any, origin: str) -> None:
    """Raise :class:`SpecLoadError` for a self-containing, exploding or too deep document."""
    sizes: dict[int, int] = {}  # id -> values under it, aliases expanded (finished nodes)
    frames: list[tuple[Any, Any, str]] = [(document, _children(document), "")]
    counts = [1]
    active = {id(document)}
    while frames:
        node, items, key = frames[-1]
        for child_key, child in items:
            if not isinstance(child, dict | list):
                counts[-1] += 1
                continue
            cid = id(child)
            if cid in sizes:
                counts[-1] += sizes[cid]
                continue
            if cid in active:
                where = _pointer(frames, child_key)
                raise SpecLoadError(f"{origin}: the value at {where} contains itself")
            if len(frames) >= MAX_DOCUMENT_DEPTH:
                where = _pointer(frames, child_key)
                raise SpecLoadError(
                    f"{origin}: nests deeper than {MAX_DOCUMENT_DEPTH} levels (at {where})"
                )
            frames.append((child, _children(child), str(child_key)))
            counts.append(1)
            active.add(cid)
            break
        else:
            frames.pop()
            active.discard(id(node))
            size = counts.pop()
            sizes[id(node)] = size
            if counts:
                counts[-1] += size
            if size > MAX_DOCUMENT_VALUES:
                raise SpecLoadError(
                    f"{origin}: expands to more than {MAX_DOCUMENT_VALUES:,} values once its "
                    "YAML aliases are followed (an alias bomb?)"
                )


_LISTS = ("allOf", "anyOf", "oneOf")
_SINGLES = ("not", "if", "then", "else")


class SchemaShapes:
    """In-place cost of schemas: how many subschemas check one value, and how deep."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self._memo: dict[int, tuple[int, int] | str] = {}

    def _kids(self, node: Any) -> list[Any]:
        if not isinstance(node, dict):
            return []
        kids: list[Any] = []
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            try:
                kids.append(resolve_pointer(self.document, ref))
            except UnresolvableRefError:
                pass  # reported as unresolvable elsewhere
        for key in _LISTS:
            items = node.get(key)
            if isinstance(items, list):
                kids += [item for item in items if isinstance(item, dict)]
        kids += [node[key] for key in _SINGLES if isinstance(node.get(key), dict)]
        return kids

    def problem(self, root: Any) -> str | None:
        """Why ``root`` cannot be checked safely, or None."""
        memo = self._memo
        stack: list[tuple[Any, list[Any] | None]] = [(root, None)]
        active: set[int] = set()
        while stack:
            node, kids = stack[-1]
            nid = id(node)
            if kids is None:
                if nid in memo:
                    stack.pop()
                    continue
                kids = self._kids(node)
                stack[-1] = (node, kids)
                active.add(nid)
                pending = [k for k in kids if id(k) not in memo]
                if any(id(k) in active for k in pending):
                    memo[nid] = "it refers to itself without descending into the value"
                elif pending:
                    stack += [(k, None) for k in pending]
                    continue
            stack.pop()
            active.discard(nid)
            if nid in memo:  # a cycle found above
                continue
            memo[nid] = self._combine([memo.get(id(k), (1, 1)) for k in kids])
        found = memo.get(id(root))
        return SHAPE_PROBLEM + found if isinstance(found, str) else None

    @staticmethod
    def _combine(results: list[tuple[int, int] | str]) -> tuple[int, int] | str:
        cost, depth = 1, 0
        for result in results:
            if isinstance(result, str):
                return result
            cost = min(cost + result[0], MAX_IN_PLACE + 1)
            depth = max(depth, result[1])
        if cost > MAX_IN_PLACE:
            return f"its $ref/allOf/anyOf/oneOf fan out to more than {MAX_IN_PLACE:,} subschemas"
        if depth + 1 > MAX_CHAIN:
            return f"its $ref/allOf/anyOf/oneOf chain is deeper than {MAX_CHAIN}"
        return cost, depth + 1
