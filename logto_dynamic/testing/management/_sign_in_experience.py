"""The Management API's sign-in experience of the embedded server: ``GET`` and ``PATCH
/api/sign-in-exp``, checked as Logto 1.42 checks a change (its sign-up, sign-in, MFA,
adaptive-MFA, forgot-password and password-expiration rules, against the connectors the
server has: email and SMS when ``verification_code_connector``, the ``social_connectors``).

The whole sign-in experience is kept as Logto keeps it (a patch replaces the fields it names;
unknown keys never reach it). The fields the Experience API applies (``signInMode``, the
``signIn`` identifiers, ``mfa``, the password policy's minimum length) also live in the
server's :class:`SignInExperience`, so a patch governs the next interaction, and a change
made there in Python shows in the answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from .._asgi import Response
from .._state import SignInExperience
from ._context import ManagementContext
from ._sie_rules import (
    check_adaptive,
    check_mfa,
    check_password_policy,
    check_rest,
    check_sign_in,
    check_sign_up,
    mfa_enabled,
    sie_error,
)

__all__ = ["BODY_CHECKS", "SIE_HANDLERS", "sign_in_experience_view"]


def _defaults() -> dict[str, Any]:
    """A fresh Logto 1.42 sign-in experience (self-hosted), but the fields the server's
    :class:`SignInExperience` decides."""
    return {
        "tenantId": "default",
        "id": "default",
        "color": {
            "primaryColor": "#6139F6",
            "isDarkModeEnabled": False,
            "darkPrimaryColor": "#8C75FF",
        },
        "branding": {
            "logoUrl": "https://logto.io/logo.svg",
            "darkLogoUrl": "https://logto.io/logo-dark.svg",
        },
        "hideLogtoBranding": False,
        "languageInfo": {"autoDetect": True, "fallbackLanguage": "en"},
        "termsOfUseUrl": None,
        "privacyPolicyUrl": None,
        "agreeToTermsPolicy": "Automatic",
        "signUp": {"identifiers": ["username"], "password": True, "verify": False},
        "socialSignIn": {},
        "socialSignInConnectorTargets": [],
        "customCss": None,
        "customContent": {},
        "customUiAssets": None,
        "customUiCsp": {},
        "passwordPolicy": {},
        "adaptiveMfa": {},
        "singleSignOnEnabled": False,
        "supportEmail": None,
        "supportWebsiteUrl": None,
        "unknownSessionRedirectUrl": None,
        "captchaPolicy": {},
        "sentinelPolicy": {},
        "emailBlocklistPolicy": {},
        "verificationCodePolicy": {},
        "forgotPasswordMethods": [],
        "passkeySignIn": {},
        "signUpProfileFields": None,
        "passwordExpiration": {},
        "usernamePolicy": {
            "caseSensitive": True,
            "minLength": 1,
            "maxLength": 128,
            "allowedChars": {
                "lowercase": True,
                "uppercase": True,
                "numbers": True,
                "underscore": True,
            },
        },
    }


def _methods(settings: SignInExperience, kept: list[Any] | None) -> list[dict[str, Any]]:
    """The sign-in methods: as patched, unless the settings' identifiers were changed since."""
    if kept is not None and [m.get("identifier") for m in kept] == list(
        settings.sign_in_identifiers
    ):
        return kept
    code = settings.verification_code_connector
    return [
        {
            "identifier": identifier,
            "password": True,
            "verificationCode": code and identifier != "username",
            "isPasswordPrimary": True,
        }
        for identifier in settings.sign_in_identifiers
    ]


def sign_in_experience_view(settings: SignInExperience, kept: dict[str, Any]) -> dict[str, Any]:
    """The whole sign-in experience: the kept fields, with the server's settings applied."""
    view = {**_defaults(), **kept}
    sign_in = kept.get("signIn") or {}
    view["signIn"] = {**sign_in, "methods": _methods(settings, sign_in.get("methods"))}
    view["signInMode"] = settings.sign_in_mode
    policy = dict(view["passwordPolicy"])
    length = policy.get("length") or {}
    if length.get("min", 8) != settings.password_min_length:
        policy["length"] = {**length, "min": settings.password_min_length}
    view["passwordPolicy"] = policy
    mfa = kept.get("mfa") or {}
    view["mfa"] = {**mfa, "factors": list(settings.mfa_factors), "policy": settings.mfa_policy}
    return view


def get_sign_in_experience(ctx: ManagementContext) -> Response:
    """GET /api/sign-in-exp."""
    view = sign_in_experience_view(ctx.server.settings, ctx.store.sign_in_experience)
    return Response.json(200, view)


def _check_username_policy(ctx: ManagementContext, body: dict[str, Any]) -> None:
    """Turning usernames case-insensitive while two differ only in case: 409."""
    wanted = body.get("usernamePolicy") or {}
    current = ctx.store.sign_in_experience.get("usernamePolicy") or {}
    if wanted.get("caseSensitive") is False and current.get("caseSensitive", True):
        names = [u.username.lower() for u in ctx.server.users.by_id.values() if u.username]
        if len(set(names)) != len(names):
            raise sie_error(409, "sign_in_experiences.username_policy_case_conflicts_exist")


def update_sign_in_experience(ctx: ManagementContext) -> Response:
    """PATCH /api/sign-in-exp: the given fields replace the stored ones."""
    body: dict[str, Any] = dict(ctx.body or {})
    body.pop("tenantId", None)
    settings = ctx.server.settings
    current = sign_in_experience_view(settings, ctx.store.sign_in_experience)
    connected = settings.verification_code_connector
    _check_username_policy(ctx, body)
    if "socialSignInConnectorTargets" in body:
        targets = body["socialSignInConnectorTargets"] or []
        body["socialSignInConnectorTargets"] = [
            t for t in targets if t in settings.social_connectors
        ]
    sign_up = body.get("signUp")
    if sign_up is not None:
        check_sign_up(sign_up, connected, connected)
    sign_in, mfa = body.get("signIn"), body.get("mfa")
    if sign_in is not None:
        check_sign_in(
            sign_in["methods"], sign_up or current["signUp"], mfa or current["mfa"], connected
        )
    if mfa is not None:
        check_mfa(mfa, (sign_in or current["signIn"])["methods"])
    check_adaptive(mfa, body.get("adaptiveMfa"), current)
    if mfa is not None and not mfa_enabled(mfa) and "adaptiveMfa" not in body:
        body["adaptiveMfa"] = {"enabled": False}
    check_rest(body, current, connected)
    if not body and "tenantId" not in (ctx.body or {}):
        raise sie_error(422, "entity.invalid_input")
    ctx.store.sign_in_experience.update(body)
    ctx.server.settings = dataclasses.replace(settings, **_settings_changes(body))
    return get_sign_in_experience(ctx)


def _settings_changes(body: dict[str, Any]) -> dict[str, Any]:
    """What a patch changes in the server's :class:`SignInExperience`."""
    changes: dict[str, Any] = {}
    if "mfa" in body:
        changes["mfa_factors"] = tuple(body["mfa"].get("factors", ()))
        changes["mfa_policy"] = body["mfa"].get("policy")
    if "signInMode" in body:
        changes["sign_in_mode"] = body["signInMode"]
    if "signIn" in body:
        identifiers = (m["identifier"] for m in body["signIn"]["methods"])
        changes["sign_in_identifiers"] = tuple(dict.fromkeys(identifiers))
    if "passwordPolicy" in body:
        length = body["passwordPolicy"].get("length") or {}
        changes["password_min_length"] = int(length.get("min", 8))
    return changes


#: Body fields whose Logto checks the document cannot express, by operation.
BODY_CHECKS: dict[str, dict[str, Callable[[Any], None]]] = {
    "UpdateSignInExp": {"passwordPolicy": check_password_policy},
}
SIE_HANDLERS: dict[str, Callable[[ManagementContext], Response]] = {
    "GetSignInExp": get_sign_in_experience,
    "UpdateSignInExp": update_sign_in_experience,
}
