"""Logto 1.42's cap on verification-code sends: 10 per canonical recipient in 600 seconds.

The guard is checked before a send and a send is counted only when it went through (a ``501``
from a missing connector counts nothing); a send whose delivery Logto skips on purpose (a
``ForgotPassword`` code to an unknown address) still counts, so the cap does not tell whether
an account exists. Over the cap: ``429 request.message_rate_limited``.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque

from .._errors import LogtoError

__all__ = ["MAX_SENDS", "SEND_WINDOW", "MessageRateGuard", "canonical_recipient"]

MAX_SENDS = 10
SEND_WINDOW = 600.0


def canonical_recipient(recipient: str) -> str:
    """One bucket per address: emails lower-cased, phone numbers reduced to their digits.

    >>> canonical_recipient(" Ann@Example.COM "), canonical_recipient("+1 (650) 253-0000")
    ('ann@example.com', '16502530000')
    """
    trimmed = recipient.strip()
    if "@" in trimmed:
        return trimmed.lower()
    digits = "".join(c for c in trimmed if c.isdigit())
    return digits or trimmed


class MessageRateGuard:
    """Sends per recipient in a rolling window (times from the server's clock)."""

    def __init__(self, max_sends: int = MAX_SENDS, window: float = SEND_WINDOW) -> None:
        self.max_sends = max_sends
        self.window = window
        self._sends: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, recipient: str, now: float) -> deque[float]:
        sends = self._sends[canonical_recipient(recipient)]
        while sends and sends[0] <= now - self.window:
            sends.popleft()
        return sends

    def guard(self, recipient: str, now: float) -> None:
        """Raise ``429 request.message_rate_limited`` when ``recipient`` is at the cap."""
        with self._lock:
            if len(self._recent(recipient, now)) >= self.max_sends:
                raise LogtoError(429, "request.message_rate_limited")

    def record(self, recipient: str, now: float) -> None:
        """Count one send to ``recipient``."""
        with self._lock:
            self._recent(recipient, now).append(now)
