"""RFC 6238 time-based one-time passwords (HMAC-SHA1, 30 s steps, 6 digits), standard library only.

:class:`Totp` is what an authenticator app does with the secret Logto hands out when TOTP is
bound: ``Totp(secret).now()`` is the current code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time

__all__ = ["Totp", "hotp", "new_totp_secret", "totp", "verify_totp"]

STEP_SECONDS = 30
DIGITS = 6


def _key(secret: str | bytes) -> bytes:
    """Raw key bytes: ``bytes`` as they are, ``str`` as (unpadded, any case) base32."""
    if isinstance(secret, bytes):
        return secret
    text = secret.strip().replace(" ", "").upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS) -> str:
    """RFC 4226 HOTP value of ``counter`` for the raw ``key`` (HMAC-SHA1, dynamic truncation)."""
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def totp(secret: str | bytes, *, at: float | None = None, digits: int = DIGITS) -> str:
    """The TOTP code for ``secret`` (base32 text or raw bytes) at unix time ``at`` (default: now).

    >>> totp(b"12345678901234567890", at=59, digits=8)
    '94287082'
    """
    now = time.time() if at is None else at
    return hotp(_key(secret), int(now) // STEP_SECONDS, digits=digits)


def verify_totp(
    secret: str | bytes, code: str, *, at: float | None = None, window: int = 1
) -> bool:
    """Whether ``code`` matches ``secret`` within ``window`` steps either side of ``at``."""
    if not code.isdigit() or len(code) != DIGITS:
        return False
    now = time.time() if at is None else at
    key = _key(secret)
    step = int(now) // STEP_SECONDS
    return any(
        hmac.compare_digest(hotp(key, step + delta), code) for delta in range(-window, window + 1)
    )


def new_totp_secret() -> str:
    """A fresh random secret (20 bytes) as unpadded base32 text, as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


class Totp:
    """An authenticator for one TOTP secret (base32 text, as Logto's ``CreateTotpSecret`` gives).

    >>> Totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").at(59)
    '287082'

    The secret is checked when the object is made and never shown by ``repr`` or ``str``.
    """

    __slots__ = ("_key",)

    def __init__(self, secret: str | bytes) -> None:
        try:
            self._key = _key(secret)
        except (ValueError, TypeError):  # binascii.Error is a ValueError
            raise ValueError("Totp secret is not valid base32 text") from None

    def now(self) -> str:
        """The current 6-digit code."""
        return self.at(time.time())

    def at(self, timestamp: float) -> str:
        """The code at unix time ``timestamp``."""
        return hotp(self._key, int(timestamp) // STEP_SECONDS)

    def verify(self, code: str, *, window: int = 1) -> bool:
        """Whether ``code`` is the current code (``window`` steps either side are accepted)."""
        return verify_totp(self._key, code, window=window)

    def __repr__(self) -> str:
        return "Totp(<redacted>)"
