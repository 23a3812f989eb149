"""Logto-style request errors: ``{code, message}`` plus optional ``data`` and ``details``."""

from __future__ import annotations

from typing import Any

from ._asgi import Response

__all__ = ["MESSAGES", "LogtoError", "oidc_error", "session_expired", "session_not_found"]

# Message texts of the codes this server uses (Logto's English phrases where known).
MESSAGES: dict[str, str] = {
    "request.message_rate_limited": (
        "Too many messages sent to this recipient. Please try again later."
    ),
    "session.insufficient_info": "Insufficient session info.",
    "session.invalid_connector_id": "Unable to find available connector with id {{connectorId}}.",
    "entity.not_exists_with_id": "The {{name}} with ID `{{id}}` does not exist.",
    "verification_code.not_found": (
        "Verification code not found. Please send verification code first."
    ),
    "verification_code.email_mismatch": "Email mismatch. Please request a new verification code.",
    "verification_code.phone_mismatch": "Phone mismatch. Please request a new verification code.",
    "verification_code.expired": (
        "Verification code has expired. Please request a new verification code."
    ),
    "verification_code.exceed_max_try": (
        "Verification code retries limitation exceeded. Please request a new verification code."
    ),
    "one_time_token.token_not_found": "One-time token not found.",
    "one_time_token.email_mismatch": "Email mismatch.",
    "one_time_token.token_expired": "The token is expired.",
    "one_time_token.token_consumed": "The token has been consumed.",
    "one_time_token.token_revoked": "The token has been revoked.",
    "one_time_token.interaction_event_mismatch": "Interaction event mismatch.",
    "session.passkey_sign_in.conflict_rp_id": "The relying party ID does not match.",
    "storage.not_configured": "Storage provider is not configured.",
    "auth.forbidden": "Forbidden.",
    "connector.not_found": "Can not find any available connector with type: {{type}}.",
    "entity.not_found": "The entity does not exist.",
    "guard.invalid_input": "The request {{type}} is invalid.",
    "guard.file_size_exceeded": "File size exceeded.",
    "guard.mime_type_not_allowed": "MIME type is not allowed.",
    "oidc.invalid_client": "Client authentication failed.",
    "oidc.invalid_grant": "Grant request is invalid.",
    "oidc.invalid_redirect_uri": (
        "`redirect_uri` did not match any of the client's registered `redirect_uris`."
    ),
    "oidc.invalid_request": "Request is invalid.",
    "oidc.invalid_target": "Invalid target.",
    "oidc.invalid_token": "Invalid token provided.",
    "oidc.unsupported_grant_type": "Unsupported `grant_type` requested.",
    "password.rejected": "Password rejected. Please check if your password meets the requirements.",
    "session.identifier_not_found": "User identifier not found. Please go back and sign in again.",
    "session.identity_conflict": "The interaction has already been identified with another user.",
    "session.interaction_not_found": "Interaction session not found.",
    "session.invalid_credentials": "Incorrect account or password. Please check your input.",
    "session.invalid_interaction_type": "The interaction type is not supported.",
    "session.mfa.backup_code_required": "Backup code is required.",
    "session.mfa.backup_code_can_not_be_alone": "Backup code can not be the only MFA.",
    "session.mfa.invalid_backup_code": "Invalid backup code.",
    "session.mfa.invalid_totp_code": "Invalid TOTP code.",
    "session.mfa.mfa_factor_not_enabled": "MFA factor is not enabled.",
    "session.mfa.mfa_policy_not_user_controlled": "MFA policy is not user controlled.",
    "session.mfa.require_mfa_verification": "Mfa verification is required to sign in.",
    "session.mfa.webauthn_verification_failed": "WebAuthn verification failed.",
    "session.mfa.webauthn_verification_not_found": "WebAuthn verification not found.",
    "session.not_found": "Session not found. Please go back and sign in again.",
    "session.not_supported_for_forgot_password": (
        "This operation is not supported for forgot password."
    ),
    "session.verification_failed": "The verification is not successful. Please try again.",
    "session.verification_session_not_found": (
        "The passwordless verification session not found. Please go back and retry."
    ),
    "user.email_already_in_use": "This email is associated with an existing account.",
    "user.missing_mfa": "You need to bind additional MFA before signing in.",
    "user.suggest_mfa": "You can bind additional MFA to protect your account.",
    "user.missing_profile": "You need to provide additional info before signing in.",
    "user.new_password_required_in_profile": "You need to set a new password.",
    "user.phone_already_in_use": "This phone number is associated with an existing account.",
    "user.same_password": "New password cannot be the same as your old password.",
    "user.sign_in_method_not_enabled": "This sign-in method is not enabled.",
    "user.suspended": "This account is suspended.",
    "user.totp_already_in_use": "TOTP is already in use.",
    "user.user_not_exist": "User with {{identifier}} does not exist.",
    "user.username_already_in_use": "This username is already in use.",
    "verification_code.code_mismatch": "Invalid verification code.",
}


class LogtoError(Exception):
    """An error answered as Logto does: JSON ``{code, message, data?, details?}``."""

    def __init__(
        self,
        status: int,
        code: str,
        *,
        message: str | None = None,
        data: Any = None,
        details: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message if message is not None else MESSAGES.get(code, code)
        self.data = data
        self.details = details
        self.extra = extra or {}
        super().__init__(f"{status} {code}")

    def body(self) -> dict[str, Any]:
        """The JSON body, keys in Logto's order."""
        payload: dict[str, Any] = {"code": self.code}
        if self.data is not None:
            payload["data"] = self.data
        if self.details is not None:
            payload["details"] = self.details
        payload["message"] = self.message
        payload.update(self.extra)
        return payload

    def response(self) -> Response:
        """This error as an HTTP response."""
        return Response.json(self.status, self.body())


def session_not_found() -> LogtoError:
    """The exact 400 Logto sends when the interaction cookie is missing."""
    return LogtoError(
        400,
        "session.not_found",
        extra={
            "error": "invalid_request",
            "error_description": "interaction session id cookie not found",
        },
    )


def session_expired() -> LogtoError:
    """The 400 for a resumed ``/oidc/auth/<uid>`` without its interaction cookies."""
    return LogtoError(
        400,
        "session.not_found",
        extra={
            "error": "invalid_request",
            "error_description": "authorization request has expired",
        },
    )


def oidc_error(status: int, error: str, description: str, *, iss: str | None = None) -> LogtoError:
    """An OIDC provider error as Logto wraps it: ``{code: "oidc.<error>", message, error, ...}``."""
    extra: dict[str, Any] = {"error": error, "error_description": description}
    if iss is not None:
        extra["iss"] = iss
    return LogtoError(status, f"oidc.{error}", extra=extra)
