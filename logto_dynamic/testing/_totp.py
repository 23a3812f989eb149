"""RFC 6238 TOTP for the embedded server; the implementation is ``logto_dynamic._signin._totp``."""

from __future__ import annotations

from logto_dynamic._signin._totp import hotp, new_totp_secret, totp, verify_totp

__all__ = ["hotp", "new_totp_secret", "totp", "verify_totp"]
