"""Handlers of the interaction, identification, profile and verification-code operations."""

from __future__ import annotations

from collections.abc import Callable

from .._asgi import Response
from .._errors import LogtoError
from .._state import User
from ._codes import send_code, verify_code
from ._context import Context

__all__ = ["CORE_HANDLERS"]

_SWITCHABLE = ("SignIn", "Register")


def init_interaction(ctx: Context) -> Response:
    """PUT /api/experience: start over with the given event."""
    event = str(ctx.field("interactionEvent"))
    ctx.guard_event_allowed(event)
    ctx.session.reset(event)
    return Response.empty()


def update_interaction_event(ctx: Context) -> Response:
    """PUT /api/experience/interaction-event: switch SignIn <-> Register only."""
    event = str(ctx.field("interactionEvent"))
    current = ctx.event
    if current not in _SWITCHABLE or event not in _SWITCHABLE:
        raise LogtoError(400, "session.not_supported_for_forgot_password")
    ctx.guard_event_allowed(event)
    ctx.session.event = event
    return Response.empty()


def create_password_verification(ctx: Context) -> Response:
    """POST /api/experience/verification/password: check the credentials."""
    ctx.event  # noqa: B018 - raises when the experience was not initialised
    identifier = ctx.field("identifier")
    kind, value = str(identifier["type"]), str(identifier["value"])
    user = ctx.users.find(kind, value)
    if user is None or not user.check_password(str(ctx.field("password"))):
        raise LogtoError(422, "session.invalid_credentials")
    if user.is_suspended:
        raise LogtoError(401, "user.suspended")
    record = ctx.session.add(
        "Password", verified=True, identifier={"type": kind, "value": value}, user_id=user.id
    )
    return Response.json(200, {"verificationId": record.id})


def create_new_password_identity(ctx: Context) -> Response:
    """POST /api/experience/verification/new-password-identity: a username + password to be."""
    ctx.event  # noqa: B018
    username = str(ctx.field("identifier")["value"])
    password = str(ctx.field("password"))
    if ctx.users.find("username", username) is not None:
        raise LogtoError(422, "user.username_already_in_use")
    ctx.check_password_policy(password)
    record = ctx.session.add(
        "NewPasswordIdentity",
        verified=True,
        identifier={"type": "username", "value": username},
        secret=password,
    )
    return Response.json(200, {"verificationId": record.id})


def _code_record_type(kind: str) -> str:
    return "EmailVerificationCode" if kind == "email" else "PhoneVerificationCode"


def send_verification_code(ctx: Context) -> Response:
    """POST /api/experience/verification/verification-code: "send" a code to the outbox."""
    identifier = ctx.field("identifier")
    kind, value = str(identifier["type"]), str(identifier["value"])
    event = str(ctx.field("interactionEvent"))
    record = send_code(ctx, _code_record_type(kind), kind, value, event)
    return Response.json(200, {"verificationId": record.id})


def verify_verification_code(ctx: Context) -> Response:
    """POST /api/experience/verification/verification-code/verify: check the code."""
    identifier = ctx.field("identifier")
    kind, value = str(identifier["type"]), str(identifier["value"])
    record = ctx.record(ctx.field("verificationId"), _code_record_type(kind))
    verify_code(ctx, record, kind, value, str(ctx.field("code")))
    user = ctx.users.find(kind, value)
    record.user_id = user.id if user else None
    return Response.json(200, {"verificationId": record.id})


def _check_method_enabled(ctx: Context, identifier: dict[str, str] | None) -> None:
    if identifier and identifier["type"] not in ctx.settings.sign_in_identifiers:
        raise LogtoError(422, "user.sign_in_method_not_enabled")


def identify_user(ctx: Context) -> Response:
    """POST /api/experience/identification: identify (SignIn/ForgotPassword) or register."""
    event = ctx.event
    ctx.guard_event_allowed(event)
    verification_id = ctx.field("verificationId")
    if event == "Register":
        return _register(ctx, verification_id)
    if not verification_id:
        raise LogtoError(400, "guard.invalid_input")
    record = ctx.record(verification_id)
    if not record.verified or record.type == "NewPasswordIdentity":
        raise LogtoError(400, "session.verification_failed")
    if event == "ForgotPassword" and not record.type.endswith("VerificationCode"):
        raise LogtoError(400, "session.verification_failed")
    if event == "SignIn":
        _check_method_enabled(ctx, record.identifier)
    if record.user_id is None or record.user_id not in ctx.users.by_id:
        raise LogtoError(404, "user.user_not_exist")
    if ctx.users.by_id[record.user_id].is_suspended:
        raise LogtoError(401, "user.suspended")
    if ctx.session.user_id not in (None, record.user_id):
        raise LogtoError(409, "session.identity_conflict")
    ctx.session.user_id = record.user_id
    return Response.empty()


def _register(ctx: Context, verification_id: object) -> Response:
    profile = ctx.session.profile
    if verification_id:
        record = ctx.record(verification_id)
        if not record.verified or record.identifier is None:
            raise LogtoError(400, "session.verification_failed")
        if record.type == "NewPasswordIdentity":
            profile["username"] = record.identifier["value"]
            profile["password"] = record.secret
        elif record.type.endswith("VerificationCode") or record.type == "OneTimeToken":
            profile[record.identifier["type"]] = record.identifier["value"]
        else:
            raise LogtoError(400, "session.verification_failed")
    if ctx.session.user_id is not None:
        raise LogtoError(409, "session.identity_conflict")
    for kind in ("username", "email", "phone"):
        if profile.get(kind) and ctx.users.find(kind, profile[kind]) is not None:
            raise LogtoError(422, f"user.{kind}_already_in_use")
    if not any(profile.get(kind) for kind in ("username", "email", "phone")):
        raise LogtoError(422, "user.missing_profile")
    user = ctx.users.create(
        username=profile.get("username"),
        primary_email=profile.get("email"),
        primary_phone=profile.get("phone"),
        password=profile.get("password"),
    )
    profile.clear()
    ctx.session.user_id = user.id
    return Response.text(201, "Created")


def add_user_profile(ctx: Context) -> Response:
    """POST /api/experience/profile: stage profile data for the account."""
    event = ctx.event
    if event == "ForgotPassword":
        raise LogtoError(400, "session.not_supported_for_forgot_password")
    if event == "SignIn":
        ctx.require_mfa_verified()
    kind = str(ctx.field("type"))
    if kind in ("username", "password"):
        value = str(ctx.field("value"))
        if kind == "password":
            ctx.check_password_policy(value)
        elif ctx.users.find("username", value) is not None:
            raise LogtoError(422, "user.username_already_in_use")
    else:
        record = ctx.record(ctx.field("verificationId"))
        if not record.verified or record.identifier is None:
            raise LogtoError(400, "session.verification_failed")
        value = record.identifier["value"]
        if kind in ("email", "phone") and ctx.users.find(kind, value) is not None:
            raise LogtoError(422, f"user.{kind}_already_in_use")
    ctx.session.profile[kind] = value
    return Response.empty()


def reset_user_password(ctx: Context) -> Response:
    """PUT /api/experience/profile/password: ForgotPassword only; applied on submit."""
    if ctx.event != "ForgotPassword":
        raise LogtoError(400, "session.invalid_interaction_type")
    user = ctx.identified_user()
    password = str(ctx.field("password"))
    ctx.check_password_policy(password)
    if user.check_password(password):
        raise LogtoError(422, "user.same_password")
    ctx.session.new_password = password
    return Response.empty()


def _apply_profile(ctx: Context, user: User) -> None:
    profile = ctx.session.profile
    if profile.get("username"):
        user.username = profile["username"]
    if profile.get("email"):
        user.primary_email = profile["email"]
    if profile.get("phone"):
        user.primary_phone = profile["phone"]
    if profile.get("password"):
        user.set_password(profile["password"])
    profile.clear()


_OPTIONAL_POLICIES = ("UserControlled", "PromptAtSignInAndSignUp", "PromptOnlyAtSignIn")


def _bound_factors(ctx: Context, user: User) -> list[str]:
    """Factors the user has, plus those bound in this interaction."""
    factors = user.mfa_factors
    if ctx.session.pending_totp is not None and "Totp" not in factors:
        factors.append("Totp")
    if ctx.session.pending_backup_codes and "BackupCode" not in factors:
        factors.append("BackupCode")
    return factors


def check_mfa_policy(ctx: Context, user: User) -> None:
    """Logto 1.42's submit-time MFA checks, after MFA verification.

    Optional policies suggest MFA (422 ``user.suggest_mfa``, no data) to a user without any
    factor who has not skipped; ``Mandatory`` demands a factor (422 ``user.missing_mfa`` with
    ``availableFactors``) and backup codes when they are enabled; ``NoPrompt`` asks nothing.
    """
    policy = ctx.settings.mfa_policy
    enabled = list(ctx.settings.mfa_factors)
    if not enabled or policy == "NoPrompt":
        return
    if policy == "PromptOnlyAtSignIn" and ctx.event == "Register":
        return
    skipped = ctx.session.mfa_skipped or user.mfa_skipped
    bound = _bound_factors(ctx, user)
    if policy in _OPTIONAL_POLICIES:
        if skipped:
            return
        if not bound:
            raise LogtoError(422, "user.suggest_mfa")
    available = [f for f in enabled if f != "BackupCode"]
    if available and not any(f in bound for f in available):
        raise LogtoError(422, "user.missing_mfa", data={"availableFactors": available})
    if "BackupCode" in enabled and "BackupCode" not in bound:
        raise LogtoError(422, "session.mfa.backup_code_required")


def submit_interaction(ctx: Context) -> Response:
    """POST /api/experience/submit: finish the interaction."""
    event = ctx.event
    user = ctx.identified_user()
    session = ctx.session
    if event == "ForgotPassword":
        if session.new_password is None:
            raise LogtoError(422, "user.new_password_required_in_profile")
        user.set_password(session.new_password)
        session.reset("ForgotPassword")
        session.event = None
        return Response.text(200, "OK")
    ctx.require_mfa_verified()
    check_mfa_policy(ctx, user)
    _apply_profile(ctx, user)
    if session.pending_totp is not None:
        user.totp_secret, user.totp_last_step = session.pending_totp, None
    if session.pending_backup_codes:
        user.backup_codes = list(session.pending_backup_codes)
    if session.mfa_skipped:
        user.mfa_skipped = True
    user.touch()
    session.submitted = True
    return Response.json(200, {"redirectTo": f"{ctx.request.base_url}/oidc/auth/{session.uid}"})


def get_enabled_sso_connectors(ctx: Context) -> Response:
    """GET /api/experience/sso-connectors?email=...: connectors for the email's domain."""
    domain = ctx.query.get("email", "").rpartition("@")[2].lower()
    return Response.json(200, {"connectorIds": list(ctx.settings.sso_connectors.get(domain, ()))})


CORE_HANDLERS: dict[str, Callable[[Context], Response]] = {
    "InitInteraction": init_interaction,
    "UpdateInteractionEvent": update_interaction_event,
    "CreatePasswordVerification": create_password_verification,
    "CreateNewPasswordIdentityVerification": create_new_password_identity,
    "CreateAndSendVerificationCode": send_verification_code,
    "VerifyVerificationCodeVerification": verify_verification_code,
    "IdentifyUser": identify_user,
    "AddUserProfile": add_user_profile,
    "ResetUserPassword": reset_user_password,
    "SubmitInteraction": submit_interaction,
    "GetEnabledSsoConnectors": get_enabled_sso_connectors,
}
