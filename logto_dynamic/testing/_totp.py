"""RFC 6238 time-based one-time passwords (SHA1, 30 s steps), using only the standard library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time

__all__ = ["hotp", "new_totp_secret", "totp", "verify_totp"]

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
