"""The Management API's sign-in experience of the embedded server: ``GET`` and ``PATCH
/api/sign-in-exp``. The fields the Experience API applies (``mfa``, ``signInMode``,
``signIn`` identifiers, the password length) live in the server's :class:`SignInExperience`,
so a patch governs the next interaction; the others are kept as they were patched."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from .._asgi import Response
from .._errors import LogtoError
from .._state import SignInExperience
from ._context import ManagementContext

__all__ = ["SIE_HANDLERS", "sign_in_experience_view"]

_NON_SKIPPABLE = ("PromptAtSignInAndSignUpMandatory", "PromptOnlyAtSignInMandatory")
_MESSAGES = {
    "sign_in_experiences.duplicated_mfa_factors": "Duplicated MFA factors.",
    "sign_in_experiences.backup_code_cannot_be_enabled_alone": (
        "Backup code can not be enabled alone."
    ),
    "sign_in_experiences.non_adaptive_mfa_requires_skippable_policy": (
        "A non-skippable MFA prompt policy needs adaptive MFA."
    ),
    "sign_in_experiences.adaptive_mfa_requires_mfa": "Adaptive MFA needs MFA to be enabled.",
    "sign_in_experiences.adaptive_mfa_requires_non_skippable_policy": (
        "Adaptive MFA needs a non-skippable MFA prompt policy."
    ),
}


def _error(status: int, code: str) -> LogtoError:
    return LogtoError(status, code, message=_MESSAGES[code])


def _defaults() -> dict[str, Any]:
    """The fields the embedded server does not act on, as a fresh Logto 1.42 has them."""
    return {
        "tenantId": "default",
        "id": "default",
        "color": {
            "primaryColor": "#6139f6",
            "isDarkModeEnabled": False,
            "darkPrimaryColor": "#8c75ff",
        },
        "branding": {},
        "hideLogtoBranding": False,
        "languageInfo": {"autoDetect": True, "fallbackLanguage": "en"},
        "termsOfUseUrl": None,
        "privacyPolicyUrl": None,
        "agreeToTermsPolicy": "Automatic",
        "socialSignIn": {},
        "socialSignInConnectorTargets": [],
        "customCss": None,
        "customContent": {},
        "customUiAssets": None,
        "customUiCsp": {},
        "adaptiveMfa": {"enabled": False},
        "singleSignOnEnabled": False,
        "supportEmail": None,
        "supportWebsiteUrl": None,
        "unknownSessionRedirectUrl": None,
        "captchaPolicy": {},
        "sentinelPolicy": {},
        "emailBlocklistPolicy": {},
        "verificationCodePolicy": {},
        "forgotPasswordMethods": ["EmailVerificationCode", "PhoneVerificationCode"],
        "passkeySignIn": {},
        "signUpProfileFields": None,
        "passwordExpiration": {"enabled": False},
        "usernamePolicy": {},
    }


def sign_in_experience_view(settings: SignInExperience, kept: dict[str, Any]) -> dict[str, Any]:
    """The whole sign-in experience: the server's settings plus the kept fields."""
    view = {**_defaults(), **kept}
    methods = [
        {
            "identifier": identifier,
            "password": True,
            "verificationCode": identifier != "username",
            "isPasswordPrimary": True,
        }
        for identifier in settings.sign_in_identifiers
    ]
    view["signIn"] = {**kept.get("signIn", {}), "methods": methods}
    view.setdefault("signUp", {"identifiers": ["username"], "password": True, "verify": False})
    view["signInMode"] = settings.sign_in_mode
    length = {"min": settings.password_min_length, "max": 256}
    view["passwordPolicy"] = {**kept.get("passwordPolicy", {}), "length": length}
    view["mfa"] = {"factors": list(settings.mfa_factors), "policy": settings.mfa_policy}
    return view


def get_sign_in_experience(ctx: ManagementContext) -> Response:
    """GET /api/sign-in-exp."""
    view = sign_in_experience_view(ctx.server.settings, ctx.store.sign_in_experience)
    return Response.json(200, view)


def _check_mfa(mfa: dict[str, Any] | None, adaptive: dict[str, Any] | None, current: bool) -> None:
    """Logto's checks of an MFA change (``validateMfa`` and the adaptive-MFA rules)."""
    if mfa is not None:
        factors = list(mfa.get("factors", []))
        if len(set(factors)) != len(factors):
            raise _error(400, "sign_in_experiences.duplicated_mfa_factors")
        if "BackupCode" in factors and len(factors) == 1:
            raise _error(400, "sign_in_experiences.backup_code_cannot_be_enabled_alone")
    enabled = bool(mfa and mfa.get("factors"))
    non_skippable = bool(mfa and mfa.get("policy") in _NON_SKIPPABLE)
    wants_adaptive = adaptive.get("enabled") if adaptive is not None else None
    if wants_adaptive is True and mfa is not None:
        if not enabled:
            raise _error(422, "sign_in_experiences.adaptive_mfa_requires_mfa")
        if not non_skippable:
            raise _error(422, "sign_in_experiences.adaptive_mfa_requires_non_skippable_policy")
    if wants_adaptive is None and enabled and non_skippable and not current:
        raise _error(422, "sign_in_experiences.non_adaptive_mfa_requires_skippable_policy")


def update_sign_in_experience(ctx: ManagementContext) -> Response:
    """PATCH /api/sign-in-exp: the given fields replace the stored ones."""
    body: dict[str, Any] = dict(ctx.body or {})
    kept = ctx.store.sign_in_experience
    adaptive_now = bool((kept.get("adaptiveMfa") or {}).get("enabled"))
    _check_mfa(body.get("mfa"), body.get("adaptiveMfa"), adaptive_now)
    changes: dict[str, Any] = {}
    mfa = body.pop("mfa", None)
    if mfa is not None:
        changes["mfa_factors"] = tuple(mfa.get("factors", ()))
        changes["mfa_policy"] = mfa.get("policy")
    if "signInMode" in body:
        changes["sign_in_mode"] = body.pop("signInMode")
    sign_in = body.get("signIn")
    if isinstance(sign_in, dict) and "methods" in sign_in:
        changes["sign_in_identifiers"] = tuple(m["identifier"] for m in sign_in["methods"])
    length = ((body.get("passwordPolicy") or {}).get("length") or {}).get("min")
    if isinstance(length, int | float):
        changes["password_min_length"] = int(length)
    kept.update(body)
    if changes:
        ctx.server.settings = dataclasses.replace(ctx.server.settings, **changes)
    return get_sign_in_experience(ctx)


SIE_HANDLERS: dict[str, Callable[[ManagementContext], Response]] = {
    "GetSignInExp": get_sign_in_experience,
    "UpdateSignInExp": update_sign_in_experience,
}
