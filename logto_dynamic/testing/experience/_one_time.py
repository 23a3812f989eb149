"""One-time tokens (Logto's magic links): issued for an email, consumed by the Experience API.

Real Logto issues them with the Management API (``POST /api/one-time-tokens``); the embedded
server has :meth:`OneTimeTokens.issue` for tests. Verification follows Logto 1.42's checks in
order: unknown token ``404 one_time_token.token_not_found``, another email ``400
one_time_token.email_mismatch``, then expired, consumed, revoked and a token scoped to another
interaction event (``400 one_time_token.*``).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from .._errors import LogtoError

__all__ = ["OneTimeToken", "OneTimeTokens"]

DEFAULT_TTL = 600.0


@dataclass
class OneTimeToken:
    """A token for ``email``; ``status`` is ``active``, ``consumed``, ``revoked`` or ``expired``."""

    token: str
    email: str
    expires_at: float
    interaction_event: str | None = None
    status: str = "active"

    def __repr__(self) -> str:
        return f"OneTimeToken(email={self.email!r}, status={self.status!r}, token=<redacted>)"


class OneTimeTokens:
    """The server's one-time tokens."""

    def __init__(self) -> None:
        self._tokens: dict[str, OneTimeToken] = {}
        self._lock = threading.Lock()

    def issue(
        self,
        email: str,
        *,
        now: float,
        expires_in: float = DEFAULT_TTL,
        interaction_event: str | None = None,
    ) -> OneTimeToken:
        """A new active token for ``email`` valid ``expires_in`` seconds from ``now``."""
        token = OneTimeToken(secrets.token_urlsafe(24), email, now + expires_in, interaction_event)
        with self._lock:
            self._tokens[token.token] = token
        return token

    def consume(self, token: str, email: str, event: str, *, now: float) -> OneTimeToken:
        """Check ``token`` for ``email`` during ``event`` and mark it consumed."""
        with self._lock:
            found = self._tokens.get(token)
            if found is None:
                raise LogtoError(404, "one_time_token.token_not_found")
            if found.email != email:
                raise LogtoError(400, "one_time_token.email_mismatch")
            if found.expires_at <= now or found.status == "expired":
                found.status = "expired" if found.status == "active" else found.status
                raise LogtoError(400, "one_time_token.token_expired")
            if found.status in ("consumed", "revoked"):
                raise LogtoError(400, f"one_time_token.token_{found.status}")
            if found.interaction_event not in (None, event):
                raise LogtoError(400, "one_time_token.interaction_event_mismatch")
            found.status = "consumed"
            return found
