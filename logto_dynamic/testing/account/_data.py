"""What the Account API keeps per user beside the shared :class:`User`: profile, custom data,
social identities, ``logtoConfig`` and the ids of bound MFA factors.

Kept in the Management API's per-user extras (``customData`` and ``profile`` are the same
dicts the Management API reads and writes), so both APIs see one account.
"""

from __future__ import annotations

from typing import Any

from .._state import User, new_id
from ._records import iso

__all__ = ["UserData"]


class UserData:
    """One user's account data (a view over ``extras``; changes write through)."""

    def __init__(self, user: User, extras: dict[str, Any], now: float) -> None:
        self.user = user
        self.extras = extras
        self.now = now

    @property
    def profile(self) -> dict[str, Any]:
        """The OIDC profile (``familyName``, ``address`` ...)."""
        value = self.extras.setdefault("profile", {})
        return value if isinstance(value, dict) else {}

    @property
    def custom_data(self) -> dict[str, Any]:
        """The custom data object."""
        value = self.extras.get("customData")
        return value if isinstance(value, dict) else {}

    @property
    def identities(self) -> dict[str, Any]:
        """Social identities by connector target."""
        value = self.extras.setdefault("identities", {})
        assert isinstance(value, dict)
        return value

    @property
    def logto_config(self) -> dict[str, Any]:
        """``{"mfa": {...}, "passkeySignIn": {...}}`` as stored."""
        value = self.extras.setdefault("logtoConfig", {})
        assert isinstance(value, dict)
        return value

    def has_password(self) -> bool:
        """Whether a password is set (through either API)."""
        return self.user.password_digest is not None or "passwordDigest" in self.extras

    def has_security_method(self) -> bool:
        """Logto's ``hasSecurityVerificationMethod``: a password, an email or a phone."""
        return self.has_password() or bool(self.user.primary_email or self.user.primary_phone)

    # -- MFA factors ------------------------------------------------------------------------

    def _factor(self, kind: str) -> dict[str, Any]:
        ids = self.extras.setdefault("mfaIds", {})
        if kind not in ids:
            ids[kind] = {"id": new_id(), "createdAt": iso(self.now)}
        found: dict[str, Any] = ids[kind]
        return found

    def renew_factor(self, kind: str) -> None:
        """Give a (re)bound factor a new id and creation time."""
        self.extras.setdefault("mfaIds", {})[kind] = {"id": new_id(), "createdAt": iso(self.now)}

    def forget_factor(self, kind: str) -> None:
        """Drop a removed factor's id."""
        self.extras.setdefault("mfaIds", {}).pop(kind, None)

    def backup_codes(self) -> list[dict[str, Any]]:
        """The bound backup codes with ``usedAt`` for those used at sign-in since."""
        bound = self.extras.get("backupCodes")
        if not isinstance(bound, list):  # bound through the Experience API or the harness
            bound = [{"code": code} for code in self.user.backup_codes]
            self.extras["backupCodes"] = bound
        unused = set(self.user.backup_codes)
        for entry in bound:
            if entry["code"] not in unused and "usedAt" not in entry:
                entry["usedAt"] = iso(self.now)
        return bound

    def factors(self) -> list[dict[str, Any]]:
        """``GET /mfa-verifications``: the bound factors, TOTP first."""
        listed: list[dict[str, Any]] = []
        if self.user.totp_secret is not None:
            listed.append({**self._factor("Totp"), "type": "Totp"})
        if self.user.backup_codes or self.extras.get("backupCodes"):
            codes = self.backup_codes()
            remain = sum(1 for entry in codes if "usedAt" not in entry)
            listed.append(
                {**self._factor("BackupCode"), "type": "BackupCode", "remainCodes": remain}
            )
        return listed
