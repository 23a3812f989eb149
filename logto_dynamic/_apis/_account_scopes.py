"""Which sign-in scopes each part of Logto's Account API needs (Logto 1.42).

The user's access token decides what the Account API lets them read and change: ask for
the scopes at sign-in (``client.interaction(app, redirect, scopes=account_scopes(...))``).

====================================  ==========================================================
scope                                 what it opens
====================================  ==========================================================
``openid``                            every route (without it: 403); alone, ``GetProfile`` gives
                                      only ``id`` and ``hasSecurityVerificationMethod``
``profile``                           ``UpdateProfile``, ``UpdateOtherProfile``, the avatar
                                      upload; name, avatar, username, profile ... in ``GetProfile``
``email`` / ``phone``                 add or remove the primary email / phone; show them
``custom_data``                       write ``customData`` in ``UpdateProfile``; show it
``address``                           write ``profile.address``; show it
``identities``                        every MFA route (factors, backup codes, MFA settings,
                                      logto-configs), linking and unlinking social identities,
                                      the stored provider tokens; show ``identities``
``urn:logto:scope:sessions``          list and revoke sessions and grants
====================================  ==========================================================

Changing the password and the verification routes need no scope beyond ``openid``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ACCOUNT_SCOPES",
    "MFA_OPERATIONS",
    "OPERATION_SCOPES",
    "SESSIONS_SCOPE",
    "account_scopes",
    "scopes_for_call",
]

#: The scope that opens sessions and grants.
SESSIONS_SCOPE = "urn:logto:scope:sessions"
#: Every scope the Account API reads (no ``offline_access``: see :func:`account_scopes`).
ACCOUNT_SCOPES: tuple[str, ...] = (
    "openid",
    "profile",
    "email",
    "phone",
    "identities",
    "custom_data",
    "address",
    SESSIONS_SCOPE,
)

MFA_OPERATIONS = (
    "GetMfaVerifications",
    "AddMfaVerification",
    "CreateOrReplaceTotpMfaVerification",
    "GetBackupCodes",
    "UpdateMfaVerificationName",
    "DeleteMfaVerification",
    "GetMfaSettings",
    "UpdateMfaSettings",
    "GetLogtoConfig",
    "UpdateLogtoConfig",
)
_IDENTITIES = (
    "AddUserIdentities",
    "ReplaceMyAccountIdentity",
    "DeleteIdentity",
    "GetSocialIdentityAccessToken",
    "UpdateSocialIdentityAccessTokenByVerificationId",
    "GetEnterpriseSsoIdentityAccessToken",
)
SESSION_OPERATIONS = ("GetSessions", "DeleteSessionById", "GetGrants", "DeleteGrantById")
#: operationId -> the scope it needs beyond ``openid`` (absent: none).
OPERATION_SCOPES: Mapping[str, str] = {
    "UpdateProfile": "profile",
    "UpdateOtherProfile": "profile",
    "UploadAccountAvatar": "profile",
    "UpdatePrimaryEmail": "email",
    "DeletePrimaryEmail": "email",
    "UpdatePrimaryPhone": "phone",
    "DeletePrimaryPhone": "phone",
    **dict.fromkeys(MFA_OPERATIONS, "identities"),
    **dict.fromkeys(_IDENTITIES, "identities"),
    **dict.fromkeys(SESSION_OPERATIONS, SESSIONS_SCOPE),
}

# What users call the parts of the Account API -> the scope each needs.
_FEATURES = {
    "profile": "profile",
    "name": "profile",
    "avatar": "profile",
    "username": "profile",
    "email": "email",
    "phone": "phone",
    "custom_data": "custom_data",
    "customData": "custom_data",
    "address": "address",
    "identities": "identities",
    "social": "identities",
    "mfa": "identities",
    "sessions": SESSIONS_SCOPE,
    "grants": SESSIONS_SCOPE,
    SESSIONS_SCOPE: SESSIONS_SCOPE,
}


def account_scopes(*features: str, offline: bool = False) -> tuple[str, ...]:
    """The scopes to ask for at sign-in for the given parts of the Account API.

    >>> account_scopes("profile", "mfa", "sessions")
    ('openid', 'profile', 'identities', 'urn:logto:scope:sessions')
    >>> account_scopes() == ACCOUNT_SCOPES
    True

    No ``features``: all of them (:data:`ACCOUNT_SCOPES`). ``features`` are scope names or
    ``name``, ``avatar``, ``username``, ``customData``, ``social``, ``mfa``, ``sessions``,
    ``grants``. ``offline=True`` adds ``offline_access`` (a refresh token; note that such
    tokens outlive a revoked session, as on Logto).
    """
    if not features:
        chosen = list(ACCOUNT_SCOPES)
    else:
        chosen = ["openid"]
        for feature in features:
            scope = _FEATURES.get(feature)
            if scope is None:
                known = ", ".join(sorted(_FEATURES))
                raise ValueError(f"unknown Account API feature {feature!r}; known: {known}")
            if scope not in chosen:
                chosen.append(scope)
    if offline:
        chosen.append("offline_access")
    return tuple(chosen)


def scopes_for_call(operation_id: str, body: Any) -> tuple[str, ...]:
    """The scopes one call needs beyond ``openid``, its body considered (``customData``
    needs ``custom_data``; ``address`` in the profile needs ``address``)."""
    needed = [OPERATION_SCOPES[operation_id]] if operation_id in OPERATION_SCOPES else []
    if isinstance(body, dict):
        if operation_id == "UpdateProfile" and "customData" in body:
            needed.append("custom_data")
        if operation_id == "UpdateOtherProfile" and "address" in body:
            needed.append("address")
    return tuple(needed)
