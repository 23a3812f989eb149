"""An OpenAPI document's operations read for a Spec: the healthy ones, and the broken ones
set aside (quarantined) with their problems; the OpenAPI version it is written in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from logto_dynamic._document._lint import operation_problems
from logto_dynamic._document._naming import duplicates, iter_operations, normalize_name
from logto_dynamic._document._operations import Operation, build_operation
from logto_dynamic._exceptions import DuplicateOperationError, SpecError

__all__ = ["openapi_version", "quarantined_as", "read_operations"]


def openapi_version(document: Mapping[str, Any], origin: str) -> str:
    """The document's ``openapi`` version: 3.0 or 3.1, else :class:`SpecError`."""
    version = str(document.get("openapi", ""))
    if not version.startswith(("3.0", "3.1")):
        raise SpecError(
            f"{origin}: only OpenAPI 3.0 and 3.1 documents are supported "
            f"(openapi: {version or 'missing'!r})"
        )
    return version


def quarantined_as(quarantined: Mapping[str, Any], name: str) -> str | None:
    """The quarantined operation a name means (exact, then any case or word style)."""
    if name in quarantined:
        return name
    key = normalize_name(name)
    return next((q for q in quarantined if normalize_name(q) == key), None)


def read_operations(
    document: Mapping[str, Any],
    *,
    tolerant: bool,
    extra: Mapping[str, Sequence[str]] | None = None,
) -> tuple[list[Operation], Mapping[str, tuple[str, ...]]]:
    """Every healthy operation, and the broken ones (read-only: name -> problems).

    Operations sharing a name are quarantined when ``tolerant``, else DuplicateOperationError.
    ``extra`` quarantines more operations (what a lint found), after the document's own.
    """
    broken = operation_problems(document)
    quarantined: dict[str, list[str]] = {}
    operations: list[Operation] = []
    for entry in iter_operations(document):
        if entry.name in broken:
            quarantined.setdefault(entry.name, []).extend(broken[entry.name])
            continue
        try:
            operations.append(build_operation(document, entry.path, entry.method, entry.item))
        except (KeyError, TypeError, AttributeError, ValueError, SpecError) as exc:
            quarantined.setdefault(entry.name, []).append(f"cannot be read: {exc!r}")
    clashes = duplicates((op.operation_id, f"{op.method} {op.path}") for op in operations)
    for op_id, places in clashes.items():
        if not tolerant:
            raise DuplicateOperationError(op_id, places)
        quarantined.setdefault(op_id, []).append(
            f"operationId {op_id!r} is used by several operations: {', '.join(places)}"
        )
    for op_id, problems in (extra or {}).items():
        known = quarantined.setdefault(op_id, [])
        known += [p for p in problems if p not in known]
    healthy = [op for op in operations if op.operation_id not in quarantined]
    return healthy, MappingProxyType({name: tuple(found) for name, found in quarantined.items()})
