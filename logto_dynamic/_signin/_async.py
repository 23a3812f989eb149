"""``AsyncInteraction``: the asyncio driver of the same state machine as ``Interaction``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, cast, overload

import httpx

from logto_dynamic._client_core import map_transport_errors
from logto_dynamic._exceptions import LogtoDynamicError
from logto_dynamic._oidc._tokens import Tokens
from logto_dynamic._signin import _flows as helpers
from logto_dynamic._signin import _steps as steps
from logto_dynamic._signin._flows import CodeSource, MfaAnswer, Registration
from logto_dynamic._signin._steps import (
    BackupCodes,
    Flow,
    Identifier,
    OperationCall,
    TotpSecret,
)
from logto_dynamic._signin._sync import InteractionBase, new_state

__all__ = ["AsyncInteraction", "AsyncPort", "abegin", "adrive"]


class AsyncPort(Protocol):
    """What the async driver needs from a client: its calls, its httpx client, its base URL."""

    async def call(
        self, operation: str, body: Any = None, *, raise_for_status: bool | None = None
    ) -> Any: ...

    @property
    def http(self) -> httpx.AsyncClient: ...

    @property
    def base_url(self) -> str: ...


async def adrive(port: AsyncPort, flow: Flow) -> Any:
    """The async twin of ``_interaction.drive``: run ``flow`` with an async client."""
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
                outcome = await port.call(effect.operation, effect.body, raise_for_status=True)
            else:
                with map_transport_errors("OIDC"):
                    outcome = await port.http.request(**effect.httpx_arguments())
        except LogtoDynamicError as exc:
            error = exc


async def abegin(
    port: AsyncPort, app_id: str, redirect_uri: str, **options: Any
) -> AsyncInteraction:
    """:func:`begin` for an async client."""
    state = new_state(port.base_url, app_id, redirect_uri, **options)
    await adrive(port, steps.authorize(state))
    return AsyncInteraction(port, state)


class _AsyncInteractionSteps(InteractionBase):
    """The steps of an :class:`AsyncInteraction`: one awaitable operation call each."""

    async def _run(self, flow: Flow) -> Any:
        return await adrive(self._client, flow)

    async def init(self, event: str = "SignIn") -> None:
        """``InitInteraction`` with ``SignIn``, ``Register`` or ``ForgotPassword``."""
        await self._run(steps.init(self.state, event))

    async def update_event(self, event: str) -> None:
        """``UpdateInteractionEvent``."""
        await self._run(steps.update_event(self.state, event))

    async def verify_password(self, identifier: Identifier, password: str) -> str:
        """``CreatePasswordVerification``; the verification ID."""
        return str(await self._run(steps.verify_password(self.state, identifier, password)))

    async def send_code(self, identifier: Identifier, event: str | None = None) -> str:
        """``CreateAndSendVerificationCode`` to an email or phone; the verification ID."""
        return str(await self._run(steps.send_code(self.state, identifier, event)))

    async def verify_code(
        self, identifier: Identifier, code: str, verification_id: str | None = None
    ) -> str:
        """``VerifyVerificationCodeVerification``; the verification ID."""
        flow = steps.verify_code(self.state, identifier, code, verification_id)
        return str(await self._run(flow))

    async def create_password_identity(self, username: str, password: str) -> str:
        """``CreateNewPasswordIdentityVerification``; the verification ID."""
        return str(await self._run(steps.create_password_identity(self.state, username, password)))

    async def identify(self, verification_id: str | None = None) -> None:
        """``IdentifyUser`` with the given or the last verification."""
        await self._run(steps.identify(self.state, verification_id))

    async def add_profile(
        self, kind: str, value: str | None = None, *, verification_id: str | None = None
    ) -> None:
        """``AddUserProfile`` (``value`` for username/password, else a verification)."""
        await self._run(steps.add_profile(self.state, kind, value, verification_id))

    async def reset_user_password(self, password: str) -> None:
        """``ResetUserPassword``."""
        await self._run(steps.reset_user_password(self.state, password))

    async def create_totp(self) -> TotpSecret:
        """``CreateTotpSecret``."""
        return cast(TotpSecret, await self._run(steps.create_totp(self.state)))

    async def verify_totp(self, code: str, verification_id: str | None = None) -> str:
        """``VerifyTotpVerification``; the verification ID."""
        return str(await self._run(steps.verify_totp(self.state, code, verification_id)))

    async def bind_mfa(self, factor: str, verification_id: str | None = None) -> None:
        """``BindMfaVerification`` (``Totp``, ``BackupCode`` ...)."""
        await self._run(steps.bind_mfa(self.state, factor, verification_id))

    async def generate_backup_codes(self) -> BackupCodes:
        """``GenerateBackupCodes``."""
        return cast(BackupCodes, await self._run(steps.generate_backup_codes(self.state)))

    async def verify_backup_code(self, code: str) -> str:
        """``VerifyBackupCode``; the verification ID."""
        return str(await self._run(steps.verify_backup_code(self.state, code)))

    async def skip_mfa(self) -> None:
        """``SkipMfaBindingFlow``."""
        await self._run(steps.skip_mfa(self.state))

    async def submit(self) -> str | None:
        """``SubmitInteraction``; ``redirectTo`` (None for ForgotPassword)."""
        return cast("str | None", await self._run(steps.submit(self.state)))


class AsyncInteraction(_AsyncInteractionSteps):
    """:class:`Interaction` on an :class:`~logto_dynamic.AsyncClient`: same methods, awaitable.

    ``interaction = await client.interaction(...)``; ``await interaction.sign_in(...)``.
    """

    async def complete(self, redirect_to: str | None = None) -> Tokens:
        """Follow ``redirectTo`` to the code and exchange it: verified :class:`Tokens`."""
        return cast(Tokens, await self._run(steps.complete(self.state, redirect_to)))

    async def finish(self) -> Tokens:
        """Submit, then complete the OIDC round: verified :class:`Tokens`."""
        return cast(Tokens, await self._run(steps.finish(self.state)))

    @overload
    async def sign_in(
        self, identifier: Identifier, password: str, mfa: MfaAnswer | None = None
    ) -> Tokens: ...

    @overload
    async def sign_in(
        self,
        identifier: Identifier,
        password: str,
        mfa: MfaAnswer | None = None,
        *,
        bind_mfa: str | Sequence[str],
    ) -> Registration: ...

    async def sign_in(
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
        return cast("Tokens | Registration", await self._run(flow))

    async def register(
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
        return cast(Registration, await self._run(flow))

    async def reset_password(
        self, identifier: Identifier, new_password: str, code: CodeSource
    ) -> None:
        """ForgotPassword: verify the code sent to ``identifier``, set ``new_password``."""
        await self._run(helpers.reset_password(self.state, identifier, new_password, code))
