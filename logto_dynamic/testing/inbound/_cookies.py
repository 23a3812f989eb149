"""Signed cookies the way Logto's Koa sets them: ``name=value`` plus ``name.sig``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from email.utils import formatdate
from time import time

from .._asgi import Request, same_text

__all__ = ["CookieSigner"]

Header = tuple[str, str]


class CookieSigner:
    """Signs and checks cookies with a per-server random key (HMAC-SHA1, like Koa's keygrip)."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def sign(self, name: str, value: str) -> str:
        """The ``.sig`` value for ``name=value``."""
        mac = hmac.new(self._key, f"{name}={value}".encode(), hashlib.sha1).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def read(self, request: Request, name: str) -> str | None:
        """The value of cookie ``name`` if present and correctly signed, else None (as Koa
        reads it: a value or signature that is not ours, whatever its bytes, is absent)."""
        value = request.cookies.get(name)
        signature = request.cookies.get(f"{name}.sig", "")
        if not value or not same_text(signature, self.sign(name, value)):
            return None
        return value

    def set(
        self, name: str, value: str, path: str, *, httponly: bool, seconds: float
    ) -> list[Header]:
        """``Set-Cookie`` headers for the cookie and its signature."""
        expires = formatdate(time() + seconds, usegmt=True)
        flags = f"; path={path}; expires={expires}; samesite=lax"
        if httponly:
            flags += "; httponly"
        return [
            ("set-cookie", f"{name}={value}{flags}"),
            ("set-cookie", f"{name}.sig={self.sign(name, value)}{flags}"),
        ]
