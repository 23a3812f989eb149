"""What the dialect normalisation rewrote: :class:`Rewrite` and :class:`NormalizationReport`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["NormalizationReport", "Rewrite"]


@dataclass(frozen=True, slots=True)
class Rewrite:
    """One change made by :func:`normalize`."""

    rule: str
    pointer: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.rule} at {self.pointer}: {self.before} -> {self.after}"

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready form."""
        return {
            "rule": self.rule,
            "pointer": self.pointer,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class NormalizationReport:
    """Every rewrite :func:`normalize` made, in document order.

    >>> NormalizationReport().counts()
    {}
    """

    rewrites: list[Rewrite] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rewrites)

    def __iter__(self) -> Iterator[Rewrite]:
        return iter(self.rewrites)

    def __bool__(self) -> bool:
        return bool(self.rewrites)

    def add(self, rule: str, pointer: str, before: Any, after: Any) -> None:
        """Record one rewrite (values are summarised)."""
        self.rewrites.append(Rewrite(rule, pointer, _summary(before), _summary(after)))

    def counts(self) -> dict[str, int]:
        """Number of rewrites per rule."""
        out: dict[str, int] = {}
        for r in self.rewrites:
            out[r.rule] = out.get(r.rule, 0) + 1
        return out

    def by_rule(self, rule: str) -> list[Rewrite]:
        """The rewrites of one rule."""
        return [r for r in self.rewrites if r.rule == rule]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"counts": self.counts(), "rewrites": [r.to_dict() for r in self.rewrites]}

    def __str__(self) -> str:
        if not self.rewrites:
            return "no rewrites"
        return "\n".join(str(r) for r in self.rewrites)


def _summary(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
