"""In-memory OIDC state: the pending authorization request, codes, grants and tokens."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "ACCESS_TOKEN_TTL",
    "CODE_TTL",
    "AuthCode",
    "AuthRequest",
    "Grant",
    "TokenStore",
]

CODE_TTL = 60.0  # seconds an authorization code stays valid (oidc-provider's default)
ACCESS_TOKEN_TTL = 3600
REFRESH_TOKEN_TTL = 14 * 86400.0


@dataclass
class AuthRequest:
    """The parameters of ``GET /oidc/auth`` that the code redirect and token exchange need."""

    app_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    prompt: tuple[str, ...]
    code_challenge: str
    state: str | None = None
    nonce: str | None = None
    resources: tuple[str, ...] = ()
    consented: bool = False

    @property
    def needs_consent(self) -> bool:
        """Whether the consent hop comes before the code (``prompt=consent`` not yet granted)."""
        return "consent" in self.prompt and not self.consented

    @property
    def offline(self) -> bool:
        """A refresh token is issued only for ``offline_access`` with ``prompt=consent``."""
        return "offline_access" in self.scopes and "consent" in self.prompt


@dataclass
class Grant:
    """What the user authorized: one app, scopes and nonce; tokens hang off it."""

    id: str
    user_id: str
    app_id: str
    scopes: tuple[str, ...]
    nonce: str | None
    resources: tuple[str, ...]
    offline: bool
    revoked: bool = False


@dataclass
class AuthCode:
    """An issued authorization code (single use, :data:`CODE_TTL` seconds)."""

    grant: Grant
    redirect_uri: str
    code_challenge: str
    expires_at: float
    used: bool = False


@dataclass
class _Token:
    grant: Grant
    expires_at: float
    consumed: bool = False


@dataclass
class TokenStore:
    """Codes, access and refresh tokens by value; a clock that tests may replace."""

    clock: Callable[[], float] = time.time
    codes: dict[str, AuthCode] = field(default_factory=dict)
    access: dict[str, _Token] = field(default_factory=dict)
    refresh: dict[str, _Token] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def issue_code(self, grant: Grant, redirect_uri: str, code_challenge: str) -> str:
        """A new authorization code for ``grant``."""
        code = secrets.token_urlsafe(32)
        with self._lock:
            self.codes[code] = AuthCode(
                grant, redirect_uri, code_challenge, self.clock() + CODE_TTL
            )
        return code

    def take_code(self, code: str) -> AuthCode | None:
        """The code's record, marked used. A code used twice revokes its grant (RFC 6749 4.1.2)."""
        with self._lock:
            record = self.codes.get(code)
            if record is None:
                return None
            if record.used:
                record.grant.revoked = True
                return None
            record.used = True
            if record.expires_at <= self.clock():
                return None
            return record

    def issue_access(self, grant: Grant) -> str:
        """A new opaque access token."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self.access[token] = _Token(grant, self.clock() + ACCESS_TOKEN_TTL)
        return token

    def issue_refresh(self, grant: Grant) -> str:
        """A new refresh token."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self.refresh[token] = _Token(grant, self.clock() + REFRESH_TOKEN_TTL)
        return token

    def rotate_refresh(self, token: str) -> Grant | None:
        """Consume ``token``; its grant, or None. Reusing a consumed token revokes the grant."""
        with self._lock:
            record = self.refresh.get(token)
            if record is None or record.grant.revoked:
                return None
            if record.consumed:
                record.grant.revoked = True
                return None
            record.consumed = True
            if record.expires_at <= self.clock():
                return None
            return record.grant

    def owner(self, token: str) -> str | None:
        """The app id an access or refresh token was issued to, or None."""
        with self._lock:
            record = self.access.get(token) or self.refresh.get(token)
        return record.grant.app_id if record is not None else None

    def revoke(self, token: str, hint: str | None) -> Grant | None:
        """Revoke an access token (that token) or a refresh token (its whole grant).

        The grant the token belonged to, or None when the token is unknown. ``hint``
        (``access_token`` / ``refresh_token``) only orders the look-up, as RFC 7009 says.
        """
        order = (
            (self.refresh, self.access) if hint == "refresh_token" else (self.access, self.refresh)
        )
        with self._lock:
            for table in order:
                record = table.get(token)
                if record is None:
                    continue
                if table is self.refresh:
                    record.grant.revoked = True
                del table[token]
                return record.grant
        return None

    def grant_of_access(self, token: str) -> Grant | None:
        """The live grant of an access token, or None."""
        with self._lock:
            record = self.access.get(token)
        if record is None or record.grant.revoked or record.expires_at <= self.clock():
            return None
        return record.grant
