"""``Interaction``: the sync driver of the one sans-I/O sign-in state machine.

The steps and flows (``_steps``, ``_flows``, ``_rounds``) are generators that yield operation
calls and HTTP requests; :func:`drive` performs them with a :class:`~logto_dynamic.Client`
(``_async`` does the same for an :class:`~logto_dynamic.AsyncClient`): operation calls through
``client.call``, HTTP requests through ``client.http``, so the interaction shares the client's
cookie jar, document and validation. Each method below is one line that hands a generator to
the driver.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, cast, overload

import httpx

from logto_dynamic._client_core import map_transport_errors
from logto_dynamic._exceptions import LogtoDynamicError
from logto_dynamic._oidc._authorization import AuthorizationRequest
from logto_dynamic._oidc._tokens import Tokens
from logto_dynamic._signin import _flows as helpers
from logto_dynamic._signin import _steps as steps
from logto_dynamic._signin._flows import CodeSource, MfaAnswer, Registration
from logto_dynamic._signin._steps import (
    BackupCodes,
    Flow,
    Identifier,
    InteractionState,
    OperationCall,
    TotpSecret,
)

__all__ = ["Interaction", "InteractionBase", "SyncPort", "begin", "drive", "new_state"]


class SyncPort(Protocol):
    """What the sync driver needs from a client: its calls, its httpx client, its base URL."""

    def call(
        self, operation: str, body: Any = None, *, raise_for_status: bool | None = None
    ) -> Any: ...

    @property
    def http(self) -> httpx.Client: ...

    @property
    def base_url(self) -> str: ...


def drive(port: SyncPort, flow: Flow) -> Any:
    """Run ``flow`` to its end with a sync client; errors of a call are thrown into it."""
    outcome: Any = None
    error: LogtoDynamicError | None = None
    while True:
        try:
            effect = flow.throw(error) if error is not None else flow.send(outcome)
        except StopIteration as stop:
            return stop.value
        outcome, error = None, None
        try:
            if isinstance(effect, OperationCall):
                outcome = port.call(effect.operation, effect.body, raise_for_status=True)
            else:
                with map_transport_errors("OIDC"):
                    outcome = port.http.request(**effect.httpx_arguments())
        except LogtoDynamicError as exc:
            error = exc


def new_state(
    base_url: str,
    app_id: str,
    redirect_uri: str,
    *,
    scopes: Sequence[str],
    resources: Sequence[str],
    prompt: str,
    extra_params: Mapping[str, str] | None,
    client_secret: str | None = None,
) -> InteractionState:
    """A fresh interaction's state: a new authorization request (state, nonce, PKCE)."""
    auth = AuthorizationRequest(
        app_id, redirect_uri, tuple(scopes), tuple(resources), prompt, dict(extra_params or {})
    )
    auth.params()  # reject bad extra_params before anything is sent
    return InteractionState(base_url, auth, client_secret=client_secret)


def begin(port: SyncPort, app_id: str, redirect_uri: str, **options: Any) -> Interaction:
    """Send the authorization request and return the started :class:`Interaction`."""
    state = new_state(port.base_url, app_id, redirect_uri, **options)
    drive(port, steps.authorize(state))
    return Interaction(port, state)


class InteractionBase:
    """What both interaction shells share: the client and the :class:`InteractionState`.

    ``state`` holds the authorization request (its ``state``, ``nonce`` and PKCE verifier),
    the interaction event, the last verification ID and, once completed, the tokens.
    """

    def __init__(self, client: Any, state: InteractionState) -> None:
        self._client = client
        self.state = state

    @property
    def event(self) -> str | None:
        """The interaction event set by ``init`` (``SignIn``, ``Register``, ``ForgotPassword``)."""
        return self.state.event

    @property
    def verification_id(self) -> str | None:
        """The last verification's ID (``identify()`` and ``bind_mfa()`` use it by default)."""
        return self.state.verification_id

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.state.auth.app_id} event={self.state.event}>"


class _InteractionSteps(InteractionBase):
    """The steps of an :class:`Interaction`: one operation call each."""

    def _run(self, flow: Flow) -> Any:
        return drive(self._client, flow)

    def init(self, event: str = "SignIn") -> None:
        """``InitInteraction`` with ``SignIn``, ``Register`` or ``ForgotPassword``."""
        self._run(steps.init(self.state, event))

    def update_event(self, event: str) -> None:
        """``UpdateInteractionEvent``."""
        self._run(steps.update_event(self.state, event))

    def verify_password(self, identifier: Identifier, password: str) -> str:
        """``CreatePasswordVerification``; the verification ID."""
        return str(self._run(steps.verify_password(self.state, identifier, password)))

    def send_code(self, identifier: Identifier, event: str | None = None) -> str:
        """``CreateAndSendVerificationCode`` to an email or phone; the verification ID."""
        return str(self._run(steps.send_code(self.state, identifier, event)))

    def verify_code(
        self, identifier: Identifier, code: str, verification_id: str | None = None
    ) -> str:
        """``VerifyVerificationCodeVerification``; the verification ID."""
        return str(self._run(steps.verify_code(self.state, identifier, code, verification_id)))

    def create_password_identity(self, username: str, password: str) -> str:
        """``CreateNewPasswordIdentityVerification``; the verification ID."""
        return str(self._run(steps.create_password_identity(self.state, username, password)))

    def identify(self, verification_id: str | None = None) -> None:
        """``IdentifyUser`` with the given or the last verification."""
        self._run(steps.identify(self.state, verification_id))

    def add_profile(
        self, kind: str, value: str | None = None, *, verification_id: str | None = None
    ) -> None:
        """``AddUserProfile`` (``value`` for username/password, else a verification)."""
        self._run(steps.add_profile(self.state, kind, value, verification_id))

    def reset_user_password(self, password: str) -> None:
        """``ResetUserPassword``."""
        self._run(steps.reset_user_password(self.state, password))

    def create_totp(self) -> TotpSecret:
        """``CreateTotpSecret``."""
        return cast(TotpSecret, self._run(steps.create_totp(self.state)))

    def verify_totp(self, code: str, verification_id: str | None = None) -> str:
        """``VerifyTotpVerification``; the verification ID."""
        return str(self._run(steps.verify_totp(self.state, code, verification_id)))

    def bind_mfa(self, factor: str, verification_id: str | None = None) -> None:
        """``BindMfaVerification`` (``Totp``, ``BackupCode`` ...)."""
        self._run(steps.bind_mfa(self.state, factor, verification_id))

    def generate_backup_codes(self) -> BackupCodes:
        """``GenerateBackupCodes``."""
        return cast(BackupCodes, self._run(steps.generate_backup_codes(self.state)))

    def verify_backup_code(self, code: str) -> str:
        """``VerifyBackupCode``; the verification ID."""
        return str(self._run(steps.verify_backup_code(self.state, code)))

    def skip_mfa(self) -> None:
        """``SkipMfaBindingFlow``."""
        self._run(steps.skip_mfa(self.state))

    def submit(self) -> str | None:
        """``SubmitInteraction``; ``redirectTo`` (None for ForgotPassword)."""
        return cast("str | None", self._run(steps.submit(self.state)))


class Interaction(_InteractionSteps):
    """One sign-in interaction on a :class:`~logto_dynamic.Client` (``client.interaction()``).

    Steps are one operation call each; ``sign_in``, ``register`` and ``reset_password`` run a
    whole flow; ``finish()`` submits and returns verified :class:`Tokens`.
    """

    def complete(self, redirect_to: str | None = None) -> Tokens:
        """Follow ``redirectTo`` to the code and exchange it: verified :class:`Tokens`."""
        return cast(Tokens, self._run(steps.complete(self.state, redirect_to)))

    def finish(self) -> Tokens:
        """Submit, then complete the OIDC round: verified :class:`Tokens`."""
        return cast(Tokens, self._run(steps.finish(self.state)))

    @overload
    def sign_in(
        self, identifier: Identifier, password: str, mfa: MfaAnswer | None = None
    ) -> Tokens: ...

    @overload
    def sign_in(
        self,
        identifier: Identifier,
        password: str,
        mfa: MfaAnswer | None = None,
        *,
        bind_mfa: str | Sequence[str],
    ) -> Registration: ...

    def sign_in(
        self,
        identifier: Identifier,
        password: str,
        mfa: MfaAnswer | None = None,
        *,
        bind_mfa: str | Sequence[str] | None = None,
    ) -> Tokens | Registration:
        """SignIn with a password (and ``mfa`` when asked): verified :class:`Tokens`.

        ``bind_mfa`` (``"Totp"``, ``"BackupCode"``): when Logto requires the user to bind a
        factor (the ``Mandatory`` policy), bind these instead of raising
        :class:`MfaBindingRequired`; the result is then a :class:`Registration` (the tokens
        and the secrets of what was bound, if anything was).
        """
        flow = helpers.sign_in(self.state, identifier, password, mfa, bind_mfa)
        return cast("Tokens | Registration", self._run(flow))

    def register(
        self,
        username: str,
        password: str,
        email: str | None = None,
        phone: str | None = None,
        *,
        code: CodeSource | None = None,
        bind_mfa: str | Sequence[str] | None = None,
    ) -> Registration:
        """Register (``code(identifier)`` returns the code sent to an email/phone)."""
        flow = helpers.register(
            self.state,
            username,
            password,
            email=email,
            phone=phone,
            code=code,
            bind_mfa=bind_mfa,
        )
        return cast(Registration, self._run(flow))

    def reset_password(self, identifier: Identifier, new_password: str, code: CodeSource) -> None:
        """ForgotPassword: verify the code sent to ``identifier``, set ``new_password``."""
        self._run(helpers.reset_password(self.state, identifier, new_password, code))
