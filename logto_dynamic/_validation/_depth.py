"""How deeply a JSON text nests, found without parsing it (so without recursion).

A few kilobytes of ``[[[[...`` is enough to exhaust Python's recursion limit in the JSON
decoder or in any walk over the parsed value. Bodies are refused past :data:`MAX_JSON_DEPTH`
levels, with the JSON path where the limit was crossed, before anything walks them.
"""

from __future__ import annotations

import re

from logto_dynamic._validation._violations import Violation

__all__ = ["MAX_JSON_DEPTH", "too_deep", "too_deep_violation"]

#: The deepest JSON value checked (Logto's bodies nest a handful of levels).
MAX_JSON_DEPTH = 64

_STRING = rb'"(?:[^"\\]|\\.)*"'
_STRINGS = re.compile(_STRING, re.DOTALL)
_INNERMOST = re.compile(rb"\[\]|\{\}")
_TOKENS = re.compile(_STRING + rb"|[\[\]{},:]", re.DOTALL)
_BRACKETS = b"[]{}"
_OTHER = bytes(c for c in range(256) if c not in _BRACKETS)


def too_deep(content: bytes, limit: int = MAX_JSON_DEPTH) -> tuple[str | int, ...] | None:
    """The JSON path (as parts) where ``content`` nests past ``limit``; None if it does not.

    Cheap for ordinary bodies: two byte counts decide most; otherwise the brackets alone
    (strings removed) are peeled one level per pass, at most ``limit`` passes.
    """
    if content.count(b"[") + content.count(b"{") <= limit:
        return None
    brackets = _STRINGS.sub(b"", content).translate(None, _OTHER)
    for _ in range(limit):
        peeled = _INNERMOST.sub(b"", brackets)
        if not peeled or peeled == brackets:  # flat, or unbalanced (the parser says why)
            return None
        brackets = peeled
    return _where(content, limit)


def too_deep_violation(media: str, path: tuple[str | int, ...]) -> Violation:
    """The verdict on a body nested past :data:`MAX_JSON_DEPTH` (``path``: where)."""
    return Violation(
        "body",
        path,
        "depth",
        f"the {media} body nests too deeply (more than {MAX_JSON_DEPTH} levels)",
    )


def _where(content: bytes, limit: int) -> tuple[str | int, ...]:
    """The path of the first value opened at depth ``limit`` + 1."""
    stack: list[list[object]] = []  # [kind, index or key, expecting a key]
    for match in _TOKENS.finditer(content):
        token = match.group()
        top = stack[-1] if stack else None
        if token in (b"[", b"{"):
            if len(stack) >= limit:
                break
            stack.append([token, 0, token == b"{"])
        elif token in (b"]", b"}"):
            if stack:
                stack.pop()
        elif token == b",":
            if top is not None:
                if top[0] == b"[":
                    top[1] = int(top[1]) + 1  # type: ignore[call-overload]
                else:
                    top[2] = True
        elif token != b":" and top is not None and top[0] == b"{" and top[2]:
            top[1], top[2] = token[1:-1].decode("utf-8", "replace"), False
    return tuple(entry[1] for entry in stack)  # type: ignore[misc]
