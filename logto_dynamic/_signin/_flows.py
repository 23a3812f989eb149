"""One-call flows (sign in, register, reset a password), built from the steps, sans-I/O."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from logto_dynamic._exceptions import (
    MfaBindingRequired,
    MfaRequired,
    MfaSuggested,
    RequestValidationError,
    UnprocessableEntityError,
)
from logto_dynamic._oidc._tokens import Tokens
from logto_dynamic._signin import _steps as steps
from logto_dynamic._signin._steps import Flow, Identifier, InteractionState, to_identifier
from logto_dynamic._signin._totp import Totp
from logto_dynamic._validation._violations import Violation

__all__ = ["CodeSource", "MfaAnswer", "Registration", "register", "reset_password", "sign_in"]

#: What ``mfa=`` accepts: a :class:`Totp`, a backup code, or a callable that receives the
#: available factors (``("Totp", "BackupCode")``) and returns ``(factor, code)``.
MfaAnswer = Totp | str | Callable[[tuple[str, ...]], tuple[str, str]]
#: A callable that receives the identifier (``{"type", "value"}``) and returns the code sent.
CodeSource = Callable[[dict[str, str]], str]
_BINDABLE = ("Totp", "BackupCode")


@dataclass(frozen=True, slots=True, repr=False)
class Registration:
    """What :meth:`Interaction.register` did: the tokens and any MFA it bound.

    ``totp_secret`` and ``backup_codes`` are the new user's secrets; ``repr`` hides them.
    """

    tokens: Tokens
    totp_secret: str | None = None
    backup_codes: tuple[str, ...] = field(default=())

    @property
    def bound(self) -> tuple[str, ...]:
        """The MFA factors bound (``("Totp", "BackupCode")``), without their secrets."""
        pairs = (("Totp", self.totp_secret), ("BackupCode", self.backup_codes))
        return tuple(name for name, value in pairs if value)

    def __repr__(self) -> str:
        return f"Registration(tokens={self.tokens!r}, bound={list(self.bound)!r})"


def verify_mfa(state: InteractionState, mfa: MfaAnswer, factors: tuple[str, ...]) -> Flow:
    """Verify one MFA factor with what ``mfa=`` gave."""
    if isinstance(mfa, Totp):
        factor, code = "Totp", mfa.now()
    elif isinstance(mfa, str):
        factor, code = "BackupCode", mfa
    else:
        factor, code = mfa(factors)
    if factor == "Totp":
        yield from steps.verify_totp(state, code, None)
    elif factor == "BackupCode":
        yield from steps.verify_backup_code(state, code)
    else:
        raise ValueError(f"cannot verify MFA factor {factor!r} (supported: Totp, BackupCode)")


def _submit_skipping_suggestion(state: InteractionState) -> Flow:
    """Submit; skip an MFA suggestion (1.42 ``user.suggest_mfa``, 1.22 skippable)."""
    try:
        return (yield from steps.finish(state))
    except (MfaSuggested, MfaBindingRequired) as err:
        if not err.skippable:
            raise
    yield from steps.skip_mfa(state)
    return (yield from steps.finish(state))


def sign_in(
    state: InteractionState,
    identifier: Identifier,
    password: str,
    mfa: MfaAnswer | None,
    bind_mfa: str | Sequence[str] | None = None,
) -> Flow:
    """SignIn with a password, MFA when asked (and ``mfa`` given), then the tokens.

    An MFA binding suggestion is skipped. A required binding (the ``Mandatory`` policy, a
    user with no factor yet) raises :class:`MfaBindingRequired`, unless ``bind_mfa`` names
    factors to bind (``"Totp"``, ``"BackupCode"``): they are bound as :func:`register` does.
    With ``bind_mfa`` the result is a :class:`Registration` (the tokens, and the secrets of
    what was bound: none when no binding was asked for). A required verification without
    ``mfa`` raises :class:`MfaRequired`.
    """
    factors = _factors(bind_mfa)
    yield from steps.init(state, "SignIn")
    yield from steps.verify_password(state, identifier, password)
    yield from steps.identify(state, None)
    try:
        tokens = yield from _submit_skipping_suggestion(state)
    except MfaRequired as err:
        if mfa is None:
            raise
        yield from verify_mfa(state, mfa, err.factors)
        tokens = yield from _submit_skipping_suggestion(state)
    except MfaBindingRequired:
        if not factors:
            raise
        return (yield from _bind_and_submit(state, factors))
    return Registration(tokens) if bind_mfa is not None else tokens


def _factors(bind_mfa: str | Sequence[str] | None) -> tuple[str, ...]:
    factors = (bind_mfa,) if isinstance(bind_mfa, str) else tuple(bind_mfa or ())
    unknown = [f for f in factors if f not in _BINDABLE]
    if unknown:
        supported = ", ".join(_BINDABLE)
        raise ValueError(f"bind_mfa: cannot bind {', '.join(unknown)} (supported: {supported})")
    return factors


def _bind_and_submit(state: InteractionState, factors: tuple[str, ...]) -> Flow:
    """Bind ``factors``, submit; the backup codes too when Logto demands them: Registration."""
    secret, codes = yield from _bind(state, factors)
    try:
        tokens = yield from _submit_skipping_suggestion(state)
    except UnprocessableEntityError as err:
        # Backup codes enabled: Logto wants them bound beside another factor.
        if err.code != "session.mfa.backup_code_required" or not factors or codes:
            raise
        _, codes = yield from _bind(state, ("BackupCode",))
        tokens = yield from _submit_skipping_suggestion(state)
    return Registration(tokens, secret, codes)


def _verified(
    state: InteractionState, identifier: dict[str, str], code: CodeSource | None, event: str
) -> Flow:
    if code is None:
        raise ValueError(f"a {identifier['type']} needs code=: a callable returning the code sent")
    sent = yield from steps.send_code(state, identifier, event)
    return (yield from steps.verify_code(state, identifier, code(identifier), sent))


def _bind(state: InteractionState, factors: Sequence[str]) -> Flow:
    secret: str | None = None
    codes: tuple[str, ...] = ()
    if "Totp" in factors:
        created = yield from steps.create_totp(state)
        secret = created.secret
        yield from steps.verify_totp(state, Totp(secret).now(), created.verification_id)
        yield from steps.bind_mfa(state, "Totp", created.verification_id)
    if "BackupCode" in factors:
        generated = yield from steps.generate_backup_codes(state)
        codes = generated.codes
        yield from steps.bind_mfa(state, "BackupCode", generated.verification_id)
    return secret, codes


def register(
    state: InteractionState,
    username: str,
    password: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    code: CodeSource | None = None,
    bind_mfa: str | Sequence[str] | None = None,
) -> Flow:
    """Register a username and password (plus a verified email/phone), bind MFA, tokens.

    ``bind_mfa`` names factors to bind (``"Totp"``, ``"BackupCode"``); when the server
    also demands backup codes (``session.mfa.backup_code_required``) they are generated
    and bound too. An MFA suggestion is skipped when nothing is to be bound.
    """
    factors = _factors(bind_mfa)
    yield from steps.init(state, "Register")
    for kind, value in (("email", email), ("phone", phone)):
        if value is not None:
            identifier = to_identifier({"type": kind, "value": value})
            verified = yield from _verified(state, identifier, code, "Register")
            yield from steps.add_profile(state, kind, None, verified)
    created = yield from steps.create_password_identity(state, username, password)
    yield from steps.identify(state, created)
    return (yield from _bind_and_submit(state, factors))


def reset_password(
    state: InteractionState, identifier: Identifier, new_password: str, code: CodeSource
) -> Flow:
    """ForgotPassword: a code to the email/phone, then the new password. Returns None.

    A username cannot receive a code: it raises :class:`RequestValidationError` before
    anything is sent.
    """
    target = to_identifier(identifier)
    if target["type"] not in ("email", "phone"):
        problem = Violation(
            "body",
            ("identifier", "type"),
            "enum",
            f"a password reset needs an email or a phone number to send a code to, "
            f"not a {target['type']}",
        )
        raise RequestValidationError("CreateAndSendVerificationCode", [problem])
    yield from steps.init(state, "ForgotPassword")
    verified = yield from _verified(state, target, code, "ForgotPassword")
    yield from steps.identify(state, verified)
    yield from steps.reset_user_password(state, new_password)
    yield from steps.submit(state)
