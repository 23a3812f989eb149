"""One exchange's log line, typed: what the proxy did (:class:`Action`) and what it found."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Action", "ExchangeRecord"]


class Action(enum.StrEnum):
    """What the proxy did with an exchange: the log line's ``action``."""

    RELAYED = "relayed"
    CLIENT_DISCONNECTED = "client-disconnected"  # before its request was read whole
    REJECTED_TARGET = "rejected-target"
    REJECTED_HEADERS_TOO_LARGE = "rejected-headers-too-large"
    REJECTED_REQUEST_TOO_LARGE = "rejected-request-too-large"
    REJECTED_REQUEST = "rejected-request"  # enforce: the request does not match
    REJECTED_RESPONSE = "rejected-response"  # enforce: the upstream answer does not match
    REJECTED_RESPONSE_TOO_LARGE = "rejected-response-too-large"
    #: enforce: the request or answer could not be checked whole (too large to validate,
    #: undecodable, an unsupported content coding): refused, never relayed unchecked
    REJECTED_REQUEST_UNCHECKED = "rejected-request-unchecked"
    REJECTED_RESPONSE_UNCHECKED = "rejected-response-unchecked"
    UPSTREAM_TIMEOUT = "upstream-timeout"
    UPSTREAM_UNREACHABLE = "upstream-unreachable"
    CUT_OFF_RESPONSE_TOO_LARGE = "cut-off-response-too-large"  # relayed in part, then cut
    CUT_OFF_CLIENT_DISCONNECTED = "cut-off-client-disconnected"
    CUT_OFF_UPSTREAM_ERROR = "cut-off-upstream-error"  # logged with the error kind after ':'

    @property
    def rejected(self) -> bool:
        """The proxy answered in the upstream's stead because the exchange broke a rule."""
        return self.value.startswith("rejected")

    @classmethod
    def cut_off(cls, reason: str) -> Action:
        """The action of an answer cut off mid-stream (``reason``: why, without the kind)."""
        return cls("cut-off-" + reason)


@dataclass(slots=True)
class ExchangeRecord:
    """The facts of one exchange that its log line says (never a body, header or cookie value).

    ``path`` is the documented template once an operation matched; ``violations`` are dicts
    (direction, location, path, keyword, message: messages never repeat a secret value).
    """

    method: str
    path: str
    operation: str | None = None
    status: int | None = None
    upstream_status: int | None = None
    action: Action = Action.RELAYED
    #: What follows the action after ``:`` (the upstream error kind of a cut-off answer).
    action_detail: str | None = None
    violations: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self, mode: str, duration_ms: float) -> dict[str, Any]:
        """The log line (JSON-ready, keys in their documented order)."""
        action = self.action.value
        return {
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "upstream_status": self.upstream_status,
            "action": action if self.action_detail is None else f"{action}:{self.action_detail}",
            "violations": self.violations,
            "notes": self.notes,
            "mode": str(mode),
            "duration_ms": duration_ms,
        }
