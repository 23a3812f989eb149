"""Logto 1.42's checks of a sign-in experience change (``PATCH /api/sign-in-exp``): its
``validateSignUp``, ``validateSignIn``, ``validateMfa``, the adaptive-MFA rules, the
forgot-password and password-expiration rules, the cloud-only fields, and the guard of a
patched password policy. ``connected`` says whether the server has email and SMS connectors
(the embedded server's ``verification_code_connector`` gives both or neither)."""

from __future__ import annotations

from typing import Any

from .._errors import LogtoError
from ..inbound._zod import details_text

__all__ = [
    "check_adaptive",
    "check_mfa",
    "check_password_policy",
    "check_rest",
    "check_sign_in",
    "check_sign_up",
    "mfa_enabled",
    "sie_error",
]

_NON_SKIPPABLE = ("PromptAtSignInAndSignUpMandatory", "PromptOnlyAtSignInMandatory")
_MESSAGES = {
    "entity.invalid_input": "Invalid input. Value list must not be empty.",
    "request.invalid_input": "Input is invalid. {detail}",
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
    "sign_in_experiences.enabled_connector_not_found": "Enabled {detail} connector not found.",
    "sign_in_experiences.passwordless_requires_verify": (
        "Must enable verify for email/phone sign up identifier."
    ),
    "sign_in_experiences.missing_sign_up_identifiers": (
        "Primary sign-up identifier cannot be empty."
    ),
    "sign_in_experiences.duplicated_sign_up_identifiers": "Duplicate sign-up identifiers detected.",
    "sign_in_experiences.at_least_one_authentication_factor": (
        "You have to select at least one authentication factor."
    ),
    "sign_in_experiences.code_sign_in_must_be_enabled": (
        "Verification code sign-in must be enabled when password is not required in sign-up."
    ),
    "sign_in_experiences.email_verification_code_cannot_be_used_for_mfa": (
        "Email verification code cannot be used for MFA when it is enabled for sign-in."
    ),
    "sign_in_experiences.phone_verification_code_cannot_be_used_for_mfa": (
        "Phone verification code cannot be used for MFA when it is enabled for sign-in."
    ),
    "sign_in_experiences.email_verification_code_cannot_be_used_for_sign_in": (
        "Email verification code cannot be used for sign-in when it is enabled for MFA."
    ),
    "sign_in_experiences.phone_verification_code_cannot_be_used_for_sign_in": (
        "Phone verification code cannot be used for sign-in when it is enabled for MFA."
    ),
    "sign_in_experiences.forgot_password_method_requires_connector": (
        "The forgot password method requires a configured {detail} connector."
    ),
    "sign_in_experiences.password_expiration_invalid_period_days": (
        "The password expiration period is invalid."
    ),
    "sign_in_experiences.password_expiration_requires_forgot_password": (
        "Password expiration requires a forgot password method."
    ),
    "sign_in_experiences.username_policy_case_conflicts_exist": (
        "Usernames that differ only in case exist."
    ),
}


def sie_error(status: int, code: str, detail: str = "") -> LogtoError:
    return LogtoError(status, code, message=_MESSAGES[code].format(detail=detail))


def mfa_enabled(mfa: dict[str, Any] | None) -> bool:
    return bool(mfa and mfa.get("factors"))


def check_sign_up(sign_up: dict[str, Any], email: bool, sms: bool) -> None:
    """Logto's ``validateSignUp``."""
    identifiers = list(sign_up.get("identifiers", []))
    secondary = [s.get("identifier") for s in sign_up.get("secondaryIdentifiers") or []]
    if secondary and not identifiers:
        raise sie_error(400, "sign_in_experiences.missing_sign_up_identifiers")
    if len(set(identifiers)) != len(identifiers) or len(set(secondary)) != len(secondary):
        raise sie_error(400, "sign_in_experiences.duplicated_sign_up_identifiers")
    for identifier in secondary:
        clash = {"email", "phone"} if identifier == "emailOrPhone" else {identifier}
        if clash & set(identifiers):
            raise sie_error(400, "sign_in_experiences.duplicated_sign_up_identifiers")
    passwordless = [i for i in identifiers + secondary if i != "username"]
    if passwordless and not sign_up.get("verify"):
        raise sie_error(400, "sign_in_experiences.passwordless_requires_verify")
    for item in sign_up.get("secondaryIdentifiers") or []:
        if item.get("identifier") != "username" and not item.get("verify"):
            raise sie_error(400, "sign_in_experiences.passwordless_requires_verify")
    wanted = set(identifiers + secondary)
    if wanted & {"email", "emailOrPhone"} and not email:
        raise sie_error(400, "sign_in_experiences.enabled_connector_not_found", "email")
    if wanted & {"phone", "emailOrPhone"} and not sms:
        raise sie_error(400, "sign_in_experiences.enabled_connector_not_found", "sms")


def check_sign_in(
    methods: list[dict[str, Any]], sign_up: dict[str, Any], mfa: dict[str, Any], connected: bool
) -> None:
    """Logto's ``validateSignIn``."""
    by_code = {m.get("identifier") for m in methods if m.get("verificationCode")}
    if "email" in by_code and not connected:
        raise sie_error(400, "sign_in_experiences.enabled_connector_not_found", "email")
    if "phone" in by_code and not connected:
        raise sie_error(400, "sign_in_experiences.enabled_connector_not_found", "sms")
    if not all(m.get("password") or m.get("verificationCode") for m in methods):
        raise sie_error(400, "sign_in_experiences.at_least_one_authentication_factor")
    if sign_up.get("verify") and not sign_up.get("password"):
        if not all(m.get("verificationCode") or m.get("identifier") == "username" for m in methods):
            raise sie_error(400, "sign_in_experiences.code_sign_in_must_be_enabled")
    factors = mfa.get("factors") or []
    if "email" in by_code and "EmailVerificationCode" in factors:
        raise sie_error(
            400, "sign_in_experiences.email_verification_code_cannot_be_used_for_sign_in"
        )
    if "phone" in by_code and "PhoneVerificationCode" in factors:
        raise sie_error(
            400, "sign_in_experiences.phone_verification_code_cannot_be_used_for_sign_in"
        )


def check_mfa(mfa: dict[str, Any], methods: list[dict[str, Any]]) -> None:
    """Logto's ``validateMfa``."""
    factors = list(mfa.get("factors", []))
    if len(set(factors)) != len(factors):
        raise sie_error(400, "sign_in_experiences.duplicated_mfa_factors")
    if "BackupCode" in factors and len(factors) == 1:
        raise sie_error(400, "sign_in_experiences.backup_code_cannot_be_enabled_alone")
    by_code = {m.get("identifier") for m in methods if m.get("verificationCode")}
    if "EmailVerificationCode" in factors and "email" in by_code:
        raise sie_error(400, "sign_in_experiences.email_verification_code_cannot_be_used_for_mfa")
    if "PhoneVerificationCode" in factors and "phone" in by_code:
        raise sie_error(400, "sign_in_experiences.phone_verification_code_cannot_be_used_for_mfa")


def check_adaptive(
    mfa: dict[str, Any] | None, adaptive: dict[str, Any] | None, current: dict[str, Any]
) -> None:
    """Logto's adaptive-MFA rules (all 422)."""
    effective = mfa if mfa is not None else current["mfa"]
    non_skippable = effective.get("policy") in _NON_SKIPPABLE
    if adaptive is not None and adaptive.get("enabled") is True:
        if not mfa_enabled(effective):
            raise sie_error(422, "sign_in_experiences.adaptive_mfa_requires_mfa")
        if not non_skippable:
            raise sie_error(422, "sign_in_experiences.adaptive_mfa_requires_non_skippable_policy")
    if adaptive is not None and adaptive.get("enabled") is False and non_skippable:
        raise sie_error(422, "sign_in_experiences.non_adaptive_mfa_requires_skippable_policy")
    if adaptive is None and mfa is not None and mfa_enabled(mfa):
        if (current.get("adaptiveMfa") or {}).get("enabled"):
            if not non_skippable:
                code = "sign_in_experiences.adaptive_mfa_requires_non_skippable_policy"
                raise sie_error(422, code)
        elif non_skippable:
            raise sie_error(422, "sign_in_experiences.non_adaptive_mfa_requires_skippable_policy")


def _forgot_password(methods: list[str] | None, connected: bool) -> tuple[bool, bool]:
    """Logto's ``getForgotPasswordAvailability``: (email, phone)."""
    if methods is None:
        return connected, connected
    return (
        "EmailVerificationCode" in methods and connected,
        "PhoneVerificationCode" in methods and connected,
    )


def check_rest(body: dict[str, Any], current: dict[str, Any], connected: bool) -> None:
    """Forgot-password methods, password expiration, the cloud-only fields."""
    for method in body.get("forgotPasswordMethods") or []:
        kind = "email" if method == "EmailVerificationCode" else "sms"
        if not connected:
            code = "sign_in_experiences.forgot_password_method_requires_connector"
            raise sie_error(400, code, kind)
    given = body.get("passwordExpiration")
    if isinstance(given, dict) and given.get("enabled") is False:
        expiration: dict[str, Any] = {"enabled": False}
    else:
        expiration = {**(current.get("passwordExpiration") or {}), **(given or {})}
    if expiration.get("enabled") is True:
        days = expiration.get("validPeriodDays")
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise sie_error(422, "sign_in_experiences.password_expiration_invalid_period_days")
        methods = body.get("forgotPasswordMethods", current.get("forgotPasswordMethods"))
        if not any(_forgot_password(methods, connected)):
            code = "sign_in_experiences.password_expiration_requires_forgot_password"
            raise sie_error(422, code)
    if body.get("hideLogtoBranding"):
        detail = "Hide Logto branding is not supported in this environment"
        raise sie_error(400, "request.invalid_input", detail)
    csp = body.get("customUiCsp") or {}
    if any(csp.get(key) for key in ("scriptSrc", "connectSrc")):
        raise sie_error(
            400, "request.invalid_input", "Custom UI CSP configuration is not available"
        )


def _issue(path: list[str], message: str, **fields: Any) -> dict[str, Any]:
    return {**fields, "path": ["passwordPolicy", *path], "message": message}


def _integer_issue(
    value: Any, path: list[str], low: int, high: int | None
) -> dict[str, Any] | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "boolean" if isinstance(value, bool) else type(value).__name__
        return _issue(
            path, "Expected number", code="invalid_type", expected="number", received=kind
        )
    if value != int(value):
        return _issue(path, "Expected integer, received float", code="invalid_type",
                      expected="integer", received="float")  # fmt: skip
    if value < low:
        return _issue(path, f"Number must be greater than or equal to {low}", code="too_small",
                      minimum=low, type="number", inclusive=True, exact=False)  # fmt: skip
    if high is not None and value > high:
        return _issue(path, f"Number must be less than or equal to {high}", code="too_big",
                      maximum=high, type="number", inclusive=True, exact=False)  # fmt: skip
    return None


#: The integer fields of a password policy and their bounds (inclusive; None: unbounded).
_POLICY_BOUNDS: dict[str, dict[str, tuple[int, int | None]]] = {
    "length": {"min": (1, None), "max": (1, None)},
    "characterTypes": {"min": (1, 4)},
}


def check_password_policy(policy: Any) -> None:
    """Logto's guard of a patched password policy (its ``passwordPolicyGuard``, every field
    optional): lengths are integers from 1, character types from 1 to 4 (the document drops
    these bounds and requires ``length.max``, which Logto does not)."""
    issues: list[dict[str, Any]] = []
    if not isinstance(policy, dict):
        issues.append(_issue([], "Expected object", code="invalid_type", expected="object"))
    else:
        for part, fields in _POLICY_BOUNDS.items():
            given = policy.get(part)
            if given is None:
                continue
            if not isinstance(given, dict):
                issues.append(_issue([part], "Expected object", code="invalid_type"))
                continue
            for name, (low, high) in fields.items():
                if name in given:
                    found = _integer_issue(given[name], [part, name], low, high)
                    issues += [found] if found else []
        rejects = policy.get("rejects")
        if rejects is not None and not isinstance(rejects, dict):
            issues.append(_issue(["rejects"], "Expected object", code="invalid_type"))
        elif rejects is not None:
            for name in ("pwned", "repetitionAndSequence", "userInfo"):
                if name in rejects and not isinstance(rejects[name], bool):
                    issues.append(
                        _issue(["rejects", name], "Expected boolean", code="invalid_type")
                    )
            words = rejects.get("words", [])
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                issues.append(_issue(["rejects", "words"], "Expected array", code="invalid_type"))
    if issues:
        raise LogtoError(
            400,
            "guard.invalid_input",
            message="The request body is invalid.",
            data={"issues": issues, "name": "ZodError"},
            details=details_text(issues),
        )
