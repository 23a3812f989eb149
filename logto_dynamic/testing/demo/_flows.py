"""The demo flows, written once as generators of steps (sans-I/O).

A flow yields :class:`Bootstrap` (start an OIDC interaction), :class:`Call` and
:class:`Finish` (follow ``redirectTo`` to verified tokens) steps and is sent back an
:class:`Outcome` for each; ``_runner`` drives flows with a ``Client`` or an
``AsyncClient``. Flows may read the server's outbox (verification codes) and compute TOTP
codes, the way a user reads their email or authenticator app.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from logto_dynamic._signin._totp import STEP_SECONDS

from ..experience._totp import totp

if TYPE_CHECKING:
    import httpx

    from logto_dynamic import Violation

    from .._server import ExperienceServer

__all__ = [
    "FLOWS",
    "Account",
    "Bootstrap",
    "Call",
    "Finish",
    "Flow",
    "Outcome",
    "forgot_password",
    "register",
    "sign_in",
    "totp_binding",
    "wrong_password",
]


@dataclass(frozen=True)
class Bootstrap:
    """``GET /oidc/auth``: a fresh OIDC interaction (and its six cookies)."""

    app_id: str = "demo-app"
    redirect_path: str = "/demo-app"  # under the server's base URL, as demo-app registers it


@dataclass(frozen=True)
class Call:
    """Call an operation; ``expect`` is the status and ``code`` the Logto error code due."""

    operation: str
    body: Any = None
    path: Mapping[str, Any] | None = None
    query: Mapping[str, Any] | None = None
    expect: int = 200
    code: str | None = None


@dataclass(frozen=True)
class Finish:
    """Complete the OIDC round from ``redirect_to``: code, token exchange, verified ID token."""

    redirect_to: str


Step = Bootstrap | Call | Finish


@dataclass
class Outcome:
    """What a step did: status, decoded body, error code/class and validation result."""

    step: Step
    method: str
    path: str
    status: int
    data: Any = None
    code: str | None = None
    error: str | None = None  # name of the exception class that was raised, if any
    violations: tuple[Violation, ...] = ()
    http: httpx.Response | None = field(default=None, repr=False)

    @property
    def operation(self) -> str:
        """The operationId (``OIDC auth`` / ``OIDC tokens`` for the OIDC steps)."""
        if isinstance(self.step, Call):
            return self.step.operation
        return "OIDC auth" if isinstance(self.step, Bootstrap) else "OIDC tokens"

    @property
    def expected(self) -> bool:
        """Whether the step behaved as the flow expected (status, code, valid response)."""
        if isinstance(self.step, Bootstrap):
            return self.status == 303 and self.error is None
        if isinstance(self.step, Finish):
            return self.status == 200 and self.error is None
        if self.violations or self.status != self.step.expect:
            return False
        return self.step.code is None or self.code == self.step.code


Flow = Generator[Step, Outcome, None]


@dataclass
class Account:
    """The demo user. Its secrets are only ever sent to the server, never printed."""

    username: str = "demo_user"
    password: str = "Gx7!trombone-Kite"
    email: str = "demo.user@example.com"
    new_password: str = "Wq4#lantern-Fjord"
    totp_secret: str | None = None


def _verified_email(
    acct: Account, server: ExperienceServer, event: str
) -> Generator[Step, Outcome, str]:
    identifier = {"type": "email", "value": acct.email}
    sent = yield Call(
        "CreateAndSendVerificationCode", {"identifier": identifier, "interactionEvent": event}
    )
    code = server.outbox.last_code(acct.email)
    verified = yield Call(
        "VerifyVerificationCodeVerification",
        {"identifier": identifier, "verificationId": sent.data["verificationId"], "code": code},
    )
    return str(verified.data["verificationId"])


def register(server: ExperienceServer, acct: Account) -> Flow:
    """Register with a verified email, a username and a password."""
    yield Bootstrap()
    yield Call("InitInteraction", {"interactionEvent": "Register"}, expect=204)
    email_id = yield from _verified_email(acct, server, "Register")
    yield Call("AddUserProfile", {"type": "email", "verificationId": email_id}, expect=204)
    new = yield Call(
        "CreateNewPasswordIdentityVerification",
        {"identifier": {"type": "username", "value": acct.username}, "password": acct.password},
    )
    yield Call("IdentifyUser", {"verificationId": new.data["verificationId"]}, expect=201)
    yield from _submit_and_finish()


def _submit_and_finish() -> Generator[Step, Outcome, None]:
    submitted = yield Call("SubmitInteraction")
    yield Finish(str(submitted.data["redirectTo"]))


def _password_sign_in(acct: Account, password: str) -> Generator[Step, Outcome, None]:
    yield Bootstrap()
    yield Call("InitInteraction", {"interactionEvent": "SignIn"}, expect=204)
    identifier = {"type": "username", "value": acct.username}
    verified = yield Call(
        "CreatePasswordVerification", {"identifier": identifier, "password": password}
    )
    yield Call("IdentifyUser", {"verificationId": verified.data["verificationId"]}, expect=204)


def sign_in(server: ExperienceServer, acct: Account) -> Flow:
    """Sign in with username and password (plus the TOTP code once TOTP is bound)."""
    yield from _password_sign_in(acct, acct.password)
    if acct.totp_secret is not None:
        code = "session.mfa.require_mfa_verification"
        yield Call("SubmitInteraction", expect=403, code=code)
        yield Call("VerifyTotpVerification", {"code": _unused_totp(server, acct)})
    yield from _submit_and_finish()


def _unused_totp(server: ExperienceServer, acct: Account) -> str:
    """A code of a step not used yet: Logto takes each 30-second step's code once, and also
    accepts the next step's code, so a quick second sign-in uses that instead of waiting."""
    assert acct.totp_secret is not None
    now = server.clock()
    user = server.users.find("username", acct.username)
    last = user.totp_last_step if user is not None else None
    if last is not None and int(now) // STEP_SECONDS <= last:
        now += STEP_SECONDS
    return totp(acct.totp_secret, at=now)


def wrong_password(server: ExperienceServer, acct: Account) -> Flow:
    """A wrong password: Logto answers 422 ``session.invalid_credentials``."""
    yield Bootstrap()
    yield Call("InitInteraction", {"interactionEvent": "SignIn"}, expect=204)
    yield Call(
        "CreatePasswordVerification",
        {"identifier": {"type": "username", "value": acct.username}, "password": "not-it-1234"},
        expect=422,
        code="session.invalid_credentials",
    )


def totp_binding(server: ExperienceServer, acct: Account) -> Flow:
    """Turn TOTP on, sign in, bind an authenticator (secret, code, bind) and submit."""
    if "Totp" not in server.settings.mfa_factors:
        factors = (*server.settings.mfa_factors, "Totp")
        server.settings = dataclasses.replace(server.settings, mfa_factors=factors)
    yield from _password_sign_in(acct, acct.password)
    yield Call("SubmitInteraction", expect=422, code="user.suggest_mfa")
    created = yield Call("CreateTotpSecret")
    acct.totp_secret = str(created.data["secret"])
    verification_id = created.data["verificationId"]
    yield Call(
        "VerifyTotpVerification",
        {"code": totp(acct.totp_secret), "verificationId": verification_id},
    )
    yield Call(
        "BindMfaVerification", {"type": "Totp", "verificationId": verification_id}, expect=204
    )
    yield from _submit_and_finish()


def forgot_password(server: ExperienceServer, acct: Account) -> Flow:
    """Reset the password with an email code, then sign in with the new one."""
    yield Bootstrap()
    yield Call("InitInteraction", {"interactionEvent": "ForgotPassword"}, expect=204)
    email_id = yield from _verified_email(acct, server, "ForgotPassword")
    yield Call("IdentifyUser", {"verificationId": email_id}, expect=204)
    yield Call("ResetUserPassword", {"password": acct.new_password}, expect=204)
    yield Call("SubmitInteraction")
    acct.password, acct.new_password = acct.new_password, acct.password
    yield from sign_in(server, acct)


FLOWS: tuple[tuple[str, Callable[[ExperienceServer, Account], Flow]], ...] = (
    ("Register (new-password identity, verified email)", register),
    ("SignIn with password", sign_in),
    ("SignIn with a wrong password", wrong_password),
    ("TOTP binding and verification", totp_binding),
    ("ForgotPassword, then SignIn with the new password", forgot_password),
)
