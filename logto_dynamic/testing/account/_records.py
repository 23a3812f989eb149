"""Verification records of the Account API, on the server's clock.

``POST /api/verifications/password`` makes a verified ``Password`` record that lasts
:data:`RECORD_TTL` seconds; a WebAuthn registration makes one that never verifies here. Only a
verified Password record of the token's own user, still alive, grants sensitive changes (an
unknown, foreign, unverified or expired id counts as no header), as on Logto 1.42.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .._state import new_id

__all__ = ["RECORD_TTL", "AccountRecord", "AccountRecords", "iso"]

#: Seconds a verification record lives (Logto 1.42: 10 minutes).
RECORD_TTL = 600.0


def iso(seconds: float) -> str:
    """A unix time as Logto's ISO text (milliseconds, ``Z``)."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class AccountRecord:
    """One verification record: whose, what kind, whether verified, until when."""

    id: str
    user_id: str
    type: str
    verified: bool
    expires_at: float
    data: dict[str, Any] = field(default_factory=dict)


class AccountRecords:
    """The records by id; ``clock`` is the server's."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.by_id: dict[str, AccountRecord] = {}
        #: When the Account API first saw each OIDC session (its ``loginTs``).
        self.session_seen: dict[str, float] = {}

    def create(self, user_id: str, kind: str, *, verified: bool, **data: Any) -> AccountRecord:
        """A new record that expires :data:`RECORD_TTL` seconds from now."""
        record = AccountRecord(
            new_id(), user_id, kind, verified, self._clock() + RECORD_TTL, dict(data)
        )
        with self._lock:
            self.by_id[record.id] = record
        return record

    def live(self, record_id: str) -> AccountRecord | None:
        """The record, unless unknown or expired."""
        with self._lock:
            record = self.by_id.get(record_id)
        if record is None or record.expires_at <= self._clock():
            return None
        return record

    def grants_permission(self, record_id: str | None, user_id: str) -> bool:
        """Whether the ``logto-verification-id`` value proves the user's identity now."""
        if not record_id:
            return False
        record = self.live(record_id)
        return (
            record is not None
            and record.user_id == user_id
            and record.verified
            and record.type == "Password"
        )
