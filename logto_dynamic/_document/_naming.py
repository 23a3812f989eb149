"""How operations are named, found in a document, and told apart: the one rule.

Loading (``Spec``), lint and the operation index all name an operation with
:func:`operation_name` (its operationId, else a name made from method and path), walk a
document with :func:`iter_operations`, and find clashes with :func:`duplicates`, so an
operation has the same name wherever it is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from logto_dynamic._document._refs import escape_pointer

__all__ = [
    "HTTP_METHODS",
    "OperationEntry",
    "duplicates",
    "iter_operations",
    "normalize_name",
    "operation_name",
    "synthetic_operation_id",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

_SEPARATORS = str.maketrans("", "", "_- .")


def normalize_name(name: str) -> str:
    """The key under which every spelling of an operation name meets.

    ``IdentifyUser``, ``identifyUser``, ``identify_user`` and ``identify-user`` all give
    ``identifyuser``.
    """
    return name.translate(_SEPARATORS).casefold()


def synthetic_operation_id(method: str, path: str) -> str:
    """A name for an operation without an operationId: ``post_api_users_userId``."""
    words = re.sub(r"[{}]", "", path).strip("/").replace("-", "_").replace("/", "_")
    return f"{method.lower()}_{words}" if words else method.lower()


def operation_name(method: str, path: str, raw: Any) -> str:
    """The operationId when there is one, else :func:`synthetic_operation_id`."""
    given = raw.get("operationId") if isinstance(raw, Mapping) else None
    return str(given) if given else synthetic_operation_id(method, path)


@dataclass(frozen=True, slots=True)
class OperationEntry:
    """One operation object of a document, named, before anything is read from it."""

    name: str
    method: str  # lower case, as in the document
    path: str
    pointer: str  # JSON pointer of the operation object
    raw: Any  # the operation object (may be malformed)
    item: Mapping[str, Any]  # its path item

    @property
    def location(self) -> str:
        """``POST /api/x``."""
        return f"{self.method.upper()} {self.path}"


def iter_operations(document: Mapping[str, Any]) -> Iterator[OperationEntry]:
    """Every operation of a document, in document order (malformed path items skipped)."""
    paths = document.get("paths")
    if not isinstance(paths, Mapping):
        return
    for path, item in paths.items():
        if not isinstance(item, Mapping):
            continue
        for method in HTTP_METHODS:
            if method in item:
                raw = item[method]
                yield OperationEntry(
                    operation_name(method, str(path), raw),
                    method,
                    str(path),
                    f"#/paths/{escape_pointer(str(path))}/{method}",
                    raw,
                    item,
                )


def duplicates(named: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """``(name, where)`` pairs → every name used more than once, with all its places."""
    places: dict[str, list[str]] = {}
    for name, where in named:
        places.setdefault(name, []).append(where)
    return {name: found for name, found in places.items() if len(found) > 1}
