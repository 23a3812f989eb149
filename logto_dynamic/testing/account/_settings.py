"""The account-center settings: switched on and off, ``Off``/``ReadOnly``/``Edit`` per field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CONTROL_VALUES", "FIELDS", "AccountCenter"]

#: The fields Logto 1.42 (dev features off) controls; ``trustedDevice`` is dropped from PATCHes.
FIELDS = (
    "name",
    "avatar",
    "profile",
    "email",
    "phone",
    "password",
    "username",
    "social",
    "customData",
    "mfa",
    "passkey",
    "session",
)
CONTROL_VALUES = ("Off", "ReadOnly", "Edit")


@dataclass
class AccountCenter:
    """The account center (``GET``/``PATCH /api/account-center``). Off by default, every field
    unset (which counts as ``Off``), as on a fresh Logto 1.42."""

    enabled: bool = False
    fields: dict[str, str] = field(default_factory=dict)
    webauthn_related_origins: list[str] = field(default_factory=list)
    delete_account_url: str | None = None
    custom_css: str | None = None
    profile_fields: list[dict[str, Any]] | None = None

    def control(self, name: str) -> str:
        """The control of a field (a missing one is ``Off``)."""
        return self.fields.get(name, "Off")

    def editable(self, name: str) -> bool:
        """Whether the field is ``Edit``."""
        return self.control(name) == "Edit"

    def readable(self, name: str) -> bool:
        """Whether the field is ``ReadOnly`` or ``Edit``."""
        return self.control(name) in ("ReadOnly", "Edit")

    def passkey_control(self) -> str:
        """Logto's ``fields.passkey ?? fields.mfa``."""
        return self.fields.get("passkey") or self.control("mfa")

    def view(self) -> dict[str, Any]:
        """The settings as the Management API answers them."""
        return {
            "tenantId": "default",
            "id": "default",
            "enabled": self.enabled,
            "fields": dict(self.fields),
            "webauthnRelatedOrigins": list(self.webauthn_related_origins),
            "deleteAccountUrl": self.delete_account_url,
            "customCss": self.custom_css,
            "profileFields": self.profile_fields,
        }

    def update(self, body: dict[str, Any]) -> None:
        """Apply a PATCH body: the given keys replace the stored ones (``fields`` whole)."""
        if "enabled" in body:
            self.enabled = bool(body["enabled"])
        if "fields" in body:
            given = body["fields"] or {}
            self.fields = {k: v for k, v in given.items() if k in FIELDS and v in CONTROL_VALUES}
        if "webauthnRelatedOrigins" in body:
            self.webauthn_related_origins = list(body["webauthnRelatedOrigins"] or [])
        if "deleteAccountUrl" in body:
            value = body["deleteAccountUrl"]
            self.delete_account_url = value if isinstance(value, str) else None
        if "customCss" in body:
            self.custom_css = body["customCss"]
        if "profileFields" in body:
            self.profile_fields = body["profileFields"]
