"""What a handler gets: the server state, the interaction, the parsed input; plus shared checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._errors import LogtoError
from .._state import Interaction, SignInExperience, User, UserStore, VerificationRecord

if TYPE_CHECKING:
    from .._asgi import Request
    from .._state import Outbox
    from ._one_time import OneTimeTokens
    from ._rate import MessageRateGuard

__all__ = ["Context"]


@dataclass
class Context:
    """One API call being served."""

    request: Request
    settings: SignInExperience
    users: UserStore
    outbox: Outbox
    interaction: Interaction | None
    body: Any
    path_params: dict[str, str]
    query: dict[str, str]
    clock: Callable[[], float]
    rate_guard: MessageRateGuard
    one_time_tokens: OneTimeTokens

    @property
    def session(self) -> Interaction:
        """The interaction (the server checked the cookie before calling the handler)."""
        assert self.interaction is not None, "handler needs an interaction"
        return self.interaction

    @property
    def event(self) -> str:
        """The current interaction event; 404 if the experience was never initialised."""
        event = self.session.event
        if event is None:
            raise LogtoError(404, "session.interaction_not_found")
        return event

    def field(self, name: str) -> Any:
        """A top-level body field (``None`` if absent)."""
        return self.body.get(name) if isinstance(self.body, dict) else None

    def guard_event_allowed(self, event: str) -> None:
        """403 ``auth.forbidden`` when the sign-in mode does not allow ``event``."""
        mode = self.settings.sign_in_mode
        if (event == "SignIn" and mode == "Register") or (event == "Register" and mode == "SignIn"):
            raise LogtoError(403, "auth.forbidden")

    def identified_user(self) -> User:
        """The identified user; 404 ``session.identifier_not_found`` if there is none yet."""
        self.event  # noqa: B018 - raises when the experience was not initialised
        user_id = self.session.user_id
        user = self.users.by_id.get(user_id) if user_id else None
        if user is None:
            raise LogtoError(404, "session.identifier_not_found")
        return user

    def record(self, verification_id: Any, *types: str) -> VerificationRecord:
        """A verification record of one of ``types``; 404 if it is not in this interaction."""
        record = (
            self.session.records.get(verification_id) if isinstance(verification_id, str) else None
        )
        if record is None or (types and record.type not in types):
            raise LogtoError(404, "session.verification_session_not_found")
        return record

    def require_mfa_verified(self) -> None:
        """403 when the identified user has MFA that this interaction has not verified."""
        user = self.identified_user()
        if user.has_mfa and not self.session.mfa_verified:
            raise LogtoError(
                403,
                "session.mfa.require_mfa_verification",
                data={"availableFactors": user.mfa_factors, "maskedIdentifiers": {}},
            )

    def check_password_policy(self, password: str) -> None:
        """422 ``password.rejected`` with the violations as ``data``."""
        from ._policy import password_issues

        issues = password_issues(password, min_length=self.settings.password_min_length)
        if issues:
            raise LogtoError(422, "password.rejected", data=issues)
