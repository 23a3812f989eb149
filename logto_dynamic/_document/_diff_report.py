"""What a comparison of two documents found: :class:`Change` lines and the :class:`SpecDiff`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Change", "SpecDiff"]


@dataclass(frozen=True, slots=True)
class Change:
    """One difference. ``where`` is a readable location (``body $.identifier.type``)."""

    operation: str
    kind: str  # e.g. "parameter-added", "required-added", "enum-value-removed"
    where: str
    detail: str
    breaking: bool

    def __str__(self) -> str:
        mark = "BREAKING" if self.breaking else "ok"
        where = f" {self.where}" if self.where else ""
        return f"[{mark}] {self.operation}:{where} {self.kind}: {self.detail}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "operation": self.operation,
            "kind": self.kind,
            "where": self.where,
            "detail": self.detail,
            "breaking": self.breaking,
        }


@dataclass
class SpecDiff:
    """Operations added, removed and changed between two documents."""

    old_version: str = ""
    new_version: str = ""
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    @property
    def changed(self) -> list[str]:
        """Operations present in both documents that differ."""
        skip = set(self.added) | set(self.removed)
        return list(dict.fromkeys(c.operation for c in self.changes if c.operation not in skip))

    @property
    def breaking(self) -> list[Change]:
        """The breaking changes."""
        return [c for c in self.changes if c.breaking]

    @property
    def is_empty(self) -> bool:
        """True when nothing differs."""
        return not self.changes

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "breaking": len(self.breaking),
            "changes": [c.to_dict() for c in self.changes],
        }

    def table(self) -> str:
        """A text table, one change a line, breaking ones first."""
        head = (
            f"{self.old_version or '?'} -> {self.new_version or '?'}: "
            f"{len(self.added)} added, {len(self.removed)} removed, "
            f"{len(self.changed)} changed, {len(self.breaking)} breaking change(s)"
        )
        if not self.changes:
            return head + "\n(no differences)"
        rows = [("", "operation", "change", "where", "detail")]
        ordered = sorted(_grouped(self.changes), key=lambda c: (not c.breaking, c.operation))
        rows += [
            ("BREAKING" if c.breaking else "", c.operation, c.kind, c.where, c.detail)
            for c in ordered
        ]
        widths = [min(max(len(r[i]) for r in rows), 48) for i in range(4)]
        lines = [head, ""]
        for r in rows:
            cells = [r[i].ljust(widths[i])[: max(widths[i], 1)] for i in range(4)]
            lines.append("  ".join([*cells, r[4]]).rstrip())
        return "\n".join(lines)


#: Changes that, made to many operations at once (a ``5XX`` answer documented everywhere), the
#: table shows as one line.
_GROUPED_KINDS = frozenset({"response-added", "response-removed"})


def _grouped(changes: list[Change]) -> list[Change]:
    """``changes`` with each grouped kind made to several operations folded into one line."""
    groups: dict[tuple[str, str, bool], list[Change]] = {}
    for c in changes:
        if c.kind in _GROUPED_KINDS:
            groups.setdefault((c.kind, c.where, c.breaking), []).append(c)
    out: list[Change] = []
    for c in changes:
        group = groups.get((c.kind, c.where, c.breaking)) if c.kind in _GROUPED_KINDS else None
        if group is None or len(group) == 1:
            out.append(c)
        elif group[0] is c:
            names = ", ".join(g.operation for g in group[:3]) + (", ..." if len(group) > 3 else "")
            out.append(Change(f"({len(group)} operations)", c.kind, c.where, names, c.breaking))
    return out
