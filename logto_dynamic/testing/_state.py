"""In-memory state of the embedded server: settings, users, interactions and the code outbox."""

from __future__ import annotations

import hashlib
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ._asgi import same_text, wire_bytes

if TYPE_CHECKING:
    from ._grants import AuthRequest

__all__ = [
    "Delivery",
    "Interaction",
    "Outbox",
    "SignInExperience",
    "User",
    "UserStore",
    "VerificationRecord",
    "new_id",
]

MfaPolicy = Literal[
    "UserControlled", "PromptAtSignInAndSignUp", "PromptOnlyAtSignIn", "Mandatory", "NoPrompt"
]
SignInMode = Literal["SignInAndRegister", "SignIn", "Register"]

_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_id(length: int = 21) -> str:
    """A random lower-case id like Logto's (``vjlpbt7m9l5i6jt1jzzk0``)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def _digest(password: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", wire_bytes(password), salt.encode(), 1000).hex()


@dataclass(frozen=True)
class SignInExperience:
    """Sign-in experience settings; switch them to exercise Logto's 403/422 answers.

    >>> SignInExperience(sign_in_mode="SignIn", mfa_factors=("Totp",), mfa_policy="Mandatory")
    ... # doctest: +ELLIPSIS
    SignInExperience(sign_in_mode='SignIn', ...)
    """

    sign_in_mode: SignInMode = "SignInAndRegister"
    sign_in_identifiers: tuple[str, ...] = ("username", "email", "phone")
    password_min_length: int = 8
    mfa_factors: tuple[str, ...] = ()
    mfa_policy: MfaPolicy = "UserControlled"
    verification_code_connector: bool = True
    social_connectors: tuple[str, ...] = ()
    sso_connectors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    seed_users: tuple[tuple[str, str], ...] = ()


@dataclass
class User:
    """A user account (the password is kept only as a salted digest)."""

    id: str
    username: str | None = None
    primary_email: str | None = None
    primary_phone: str | None = None
    password_digest: str | None = None
    salt: str = field(default_factory=lambda: secrets.token_hex(8))
    totp_secret: str | None = None
    totp_last_step: int | None = None  # Logto's lastUsedTimeStep: a code works once per step
    backup_codes: list[str] = field(default_factory=list)
    mfa_skipped: bool = False
    name: str | None = None
    avatar: str | None = None
    created_at: int = field(default_factory=lambda: int(time.time() * 1000))
    updated_at: int = field(default_factory=lambda: int(time.time() * 1000))
    is_suspended: bool = False  # suspended users cannot sign in (401 user.suspended)

    def set_password(self, password: str) -> None:
        """Store a new password digest."""
        self.password_digest = _digest(password, self.salt)

    def check_password(self, password: str) -> bool:
        """Whether ``password`` is this user's password."""
        return self.password_digest is not None and same_text(
            self.password_digest, _digest(password, self.salt)
        )

    @property
    def has_mfa(self) -> bool:
        """Whether any MFA factor is bound."""
        return self.totp_secret is not None or bool(self.backup_codes)

    @property
    def mfa_factors(self) -> list[str]:
        """The bound factors, in Logto's order (``Totp`` before ``BackupCode``)."""
        factors = ["Totp"] if self.totp_secret is not None else []
        return factors + (["BackupCode"] if self.backup_codes else [])

    def touch(self) -> None:
        """Record a change (``updated_at``, milliseconds)."""
        self.updated_at = int(time.time() * 1000)


class UserStore:
    """Users by id, with look-ups by identifier."""

    def __init__(self) -> None:
        self.by_id: dict[str, User] = {}

    def find(self, kind: str, value: str) -> User | None:
        """The user whose ``kind`` (username | email | phone) identifier is ``value``."""
        for user in self.by_id.values():
            if kind == "username" and user.username == value:
                return user
            if kind == "email" and user.primary_email is not None:
                if user.primary_email.lower() == value.lower():
                    return user
            if kind == "phone" and user.primary_phone == value:
                return user
        return None

    def create(self, **fields: Any) -> User:
        """Create and store a user; ``password=`` is digested."""
        password = fields.pop("password", None)
        user = User(id=new_id(12), **fields)
        if password is not None:
            user.set_password(password)
        self.by_id[user.id] = user
        return user


@dataclass
class VerificationRecord:
    """One verification record of an interaction (Password, EmailVerificationCode, Totp, ...)."""

    id: str
    type: str
    verified: bool = False
    identifier: dict[str, str] | None = None
    user_id: str | None = None
    secret: str | None = None  # code, TOTP secret or pending password; never sent back
    codes: list[str] = field(default_factory=list)
    created_at: float = 0.0  # when a verification code was sent (server clock)
    tries: int = 0  # wrong codes so far
    consumed: bool = False  # a verification code works once


@dataclass
class Interaction:
    """One OIDC interaction (keyed by the ``_interaction`` cookie) and its experience state."""

    uid: str
    auth: AuthRequest
    event: str | None = None
    records: dict[str, VerificationRecord] = field(default_factory=dict)
    user_id: str | None = None
    profile: dict[str, Any] = field(default_factory=dict)
    new_password: str | None = None
    mfa_verified: bool = False
    mfa_skipped: bool = False
    mfa_flags: dict[str, bool] = field(default_factory=dict)  # mfaEnabled, passkeySkipped, ...
    passkey_options: dict[str, Any] | None = None  # the preflight passkey challenge
    captcha_skipped: bool = False  # social, SSO, one-time token and passkey skip the captcha
    pending_totp: str | None = None
    pending_backup_codes: list[str] = field(default_factory=list)
    submitted: bool = False

    def reset(self, event: str) -> None:
        """Start over with ``event``; Logto clears all data on InitInteraction."""
        self.event = event
        self.records.clear()
        self.user_id = None
        self.profile.clear()
        self.new_password = None
        self.mfa_verified = self.mfa_skipped = False
        self.mfa_flags = {}
        self.captcha_skipped = False
        self.pending_totp = None
        self.pending_backup_codes = []
        self.submitted = False

    def add(self, record_type: str, **fields: Any) -> VerificationRecord:
        """Add a new verification record; as in Logto, it replaces any record of its type."""
        record = VerificationRecord(id=new_id(), type=record_type, **fields)
        for old in [r.id for r in self.records.values() if r.type == record_type]:
            del self.records[old]
        self.records[record.id] = record
        return record


@dataclass(frozen=True)
class Delivery:
    """A verification code "sent" to an email address or phone number."""

    to: str
    code: str
    event: str


class Outbox:
    """Where verification codes go instead of email/SMS; inspect it in tests.

    >>> outbox = Outbox()
    >>> outbox.deliver("a@b.com", "123456", "SignIn")
    >>> outbox.last_code("A@b.com")
    '123456'
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.deliveries: list[Delivery] = []

    def deliver(self, to: str, code: str, event: str) -> None:
        """Record a delivery."""
        with self._lock:
            self.deliveries.append(Delivery(to, code, event))

    def last_code(self, to: str) -> str:
        """The most recent code sent to ``to``; raises ``LookupError`` if none was."""
        with self._lock:
            for delivery in reversed(self.deliveries):
                if delivery.to.lower() == to.lower():
                    return delivery.code
        raise LookupError(f"no verification code was sent to {to!r}")
