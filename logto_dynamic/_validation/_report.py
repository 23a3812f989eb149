"""What one raw request or response looked like to the document: :class:`TrafficReport`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from logto_dynamic._document._operations import Operation
from logto_dynamic._validation._violations import Violation

__all__ = ["TrafficReport", "short_path"]

_MAX_PATH_SHOWN = 120


@dataclass
class TrafficReport:
    """What one request or response looked like to the document."""

    direction: str  # "request" | "response"
    method: str
    path: str  # the URL path as sent (no query)
    operation: Operation | None
    path_params: dict[str, str] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    status: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing violates the document."""
        return not self.violations

    @property
    def operation_id(self) -> str | None:
        """The matched operationId, if any."""
        return self.operation.operation_id if self.operation is not None else None

    @property
    def path_template(self) -> str | None:
        """The documented path (``/api/x/{id}``) rather than the concrete one."""
        return self.operation.path if self.operation is not None else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form: no bodies, no header values, no parameter values."""
        return {
            "direction": self.direction,
            "operation": self.operation_id,
            "method": self.method,
            "path": self.path_template or short_path(self.path),
            "status": self.status,
            "ok": self.ok,
            "violations": [v.to_dict() for v in self.violations],
            "notes": list(self.notes),
        }


def short_path(path: str) -> str:
    """A path cut to what a message or log line shows."""
    return path if len(path) <= _MAX_PATH_SHOWN else path[: _MAX_PATH_SHOWN - 3] + "..."
