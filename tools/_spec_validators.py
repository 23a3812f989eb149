"""The overlay's ``validators`` section: repair the checks Logto publishes as placeholders.

Logto's generator writes a zod refinement it cannot describe as ``{type: object,
additionalProperties: true}`` ("Validator function"), whatever the refined value is. The
overlay maps JSON-pointer patterns to what each guard really checks; this module applies them
for ``update_spec.py`` and refuses to leave a placeholder behind.
"""

from __future__ import annotations

import copy
import fnmatch
from collections.abc import Iterator
from typing import Any

from logto_dynamic._document._dialect_requests import PLACEHOLDER_TEXT, is_placeholder
from logto_dynamic._exceptions import SpecError

__all__ = ["placeholder_pointers", "repair_validators", "schema_nodes"]


def schema_nodes(node: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(pointer, mapping)`` for every mapping under ``node``, parents first."""
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            if isinstance(value, dict | list):
                escaped = str(key).replace("~", "~0").replace("/", "~1")
                yield from schema_nodes(value, f"{pointer}/{escaped}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from schema_nodes(value, f"{pointer}/{i}")


def placeholder_pointers(document: dict[str, Any]) -> set[str]:
    """The pointers of the schemas Logto describes as "Validator function" (before the prose
    is stripped)."""
    return {
        pointer
        for pointer, node in schema_nodes(document, "")
        if node.get("description") == PLACEHOLDER_TEXT and is_placeholder(node)
    }


def repair_validators(
    document: dict[str, Any], repairs: dict[str, Any], marked: set[str]
) -> dict[str, int]:
    """Replace the placeholders Logto publishes for checks it cannot describe (in place).

    ``repairs`` maps a pattern (``fnmatch``, ``*`` crossing ``/``) over a schema's JSON
    pointer (``/paths/~1api~1.../schema/...``) to the schema it gets. A schema is repaired when
    its pointer matches and it has a placeholder's shape (``{type: object,
    additionalProperties: true}`` with at most ``nullable``, or, at a ``marked`` pointer, what
    the dialect normalisation left of one); ``nullable`` is kept. Every pattern must repair at
    least one schema, and no ``marked`` schema may be left: either is a ``SpecError`` (a new
    Logto release moved or added one). Returns the number of repairs per pattern.
    """
    counts = dict.fromkeys(repairs, 0)
    found: list[tuple[dict[str, Any], Any]] = []
    for pointer, node in schema_nodes(document, ""):
        known = pointer in marked
        raw = node.get("type") == "object" and node.get("additionalProperties") is True
        if not is_placeholder(node) or not (known or raw):
            continue
        hit = next((p for p in repairs if fnmatch.fnmatchcase(pointer, p)), None)
        if hit is not None:
            counts[hit] += 1
            found.append((node, repairs[hit]))
        elif known:
            raise SpecError(f"a check Logto publishes as a placeholder is not repaired: {pointer}")
    for node, schema in found:
        nullable = node.get("nullable") is True
        node.clear()
        node.update(copy.deepcopy(schema))
        if nullable:
            node["nullable"] = True
    unused = [p for p, n in counts.items() if n == 0]
    if unused:
        raise SpecError(f"overlay validators repair nothing: {', '.join(unused)}")
    return counts
