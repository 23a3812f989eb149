"""``AccountClient`` and ``AsyncAccountClient``: the clients over Logto's Account API.

They are :class:`Client` and :class:`AsyncClient` (``call``, ``ops``, validation policies,
typed errors) loaded with the shipped Account API document and authenticated with a
signed-in user's access token for Logto itself (opaque, no resource). Both shells share
:class:`~logto_dynamic._apis._account_core.AccountCore`, which decides headers, refreshes,
verification renewals and typed errors; the shells only send.

>>> tokens = client.interaction(app, redirect, scopes=account_scopes()).sign_in(  # doctest: +SKIP
...     "alice", password=password)
>>> with AccountClient(base_url, tokens) as account:                        # doctest: +SKIP
...     account.call("UpdateProfile", {"name": "Alice"})
...     with account.verified(password=password):
...         account.call("UpdatePassword", {"password": new_password})
"""

from __future__ import annotations

from typing import Any, Unpack

from logto_dynamic._client import AsyncClient, Client
from logto_dynamic._client_core import CallOptions
from logto_dynamic._document._operations import Operation
from logto_dynamic._exceptions import ApiError
from logto_dynamic._oidc._tokens import Tokens
from logto_dynamic._results import Result
from logto_dynamic._spec import SpecSource

from ._account_core import AccountCore, UserTokenAuth, VerificationRecord

__all__ = ["ACCOUNT_SPEC", "AccountClient", "AsyncAccountClient", "VerifiedBlock"]

#: The name of the shipped Account API document (Logto 1.42).
ACCOUNT_SPEC = "logto-account-1.42"


def _with_user_auth(core: AccountCore, kwargs: dict[str, Any]) -> dict[str, Any]:
    auth = UserTokenAuth(lambda: core.access_token)
    http = kwargs.get("http")
    if http is not None:
        if http.auth is not None:
            raise TypeError("the http= client has an auth already; the client sets the token")
        http.auth = auth
        return kwargs
    if "auth" in kwargs:
        raise TypeError("AccountClient sends the user's token itself; pass no auth=")
    return {**kwargs, "auth": auth}


class VerifiedBlock:
    """What ``account.verified(password=...)`` gives: a ``with`` block (``async with`` for
    :class:`AsyncAccountClient`) whose sensitive calls carry a verification record, renewed
    when it is about to expire or the server refuses it. The password is kept only while
    the block is open."""

    def __init__(self, client: AccountClient | AsyncAccountClient, password: str) -> None:
        if not isinstance(password, str) or not password:
            raise ValueError("verified(password=...) needs the user's password")
        self._client = client
        self._password = password

    def __repr__(self) -> str:
        return "<VerifiedBlock>"

    def __enter__(self) -> VerificationRecord:
        if not isinstance(self._client, AccountClient):
            raise TypeError("use `async with` with an AsyncAccountClient")
        self._client.account.begin_verified(self._password)
        try:
            self._client._verify()
        except BaseException:
            self._client.account.end_verified()
            raise
        assert self._client.account.record is not None
        return self._client.account.record

    def __exit__(self, *exc_info: object) -> None:
        self._client.account.end_verified()

    async def __aenter__(self) -> VerificationRecord:
        if not isinstance(self._client, AsyncAccountClient):
            raise TypeError("use `with` with an AccountClient")
        self._client.account.begin_verified(self._password)
        try:
            await self._client._verify()
        except BaseException:
            self._client.account.end_verified()
            raise
        assert self._client.account.record is not None
        return self._client.account.record

    async def __aexit__(self, *exc_info: object) -> None:
        self._client.account.end_verified()


def _verified(self: AccountClient | AsyncAccountClient, *, password: str) -> VerifiedBlock:
    """A block whose sensitive calls carry a verification record made from ``password``
    and renewed as needed: ``with account.verified(password=pw) as record:`` (``async
    with`` on :class:`AsyncAccountClient`). The record in force is ``account.account.record``."""
    return VerifiedBlock(self, password)


class _AccountShell:
    """What both account clients add to their client: the user's token as their auth, the
    shared core, and the current tokens (a cooperative mixin before ``Client``/``AsyncClient``)."""

    def __init__(
        self,
        base_url: str,
        token: str | Tokens,
        *,
        app_id: str | None = None,
        client_secret: str | None = None,
        spec: SpecSource = ACCOUNT_SPEC,
        **client_kwargs: Any,
    ) -> None:
        #: The shared core (token, verification record, typed errors).
        self.account = AccountCore(token, app_id=app_id, client_secret=client_secret)
        super().__init__(  # type: ignore[call-arg]
            base_url, spec=spec, **_with_user_auth(self.account, client_kwargs)
        )

    @property
    def tokens(self) -> Tokens | None:
        """The current token set (after a refresh, the new one), if made from one."""
        return self.account.tokens


class AccountClient(_AccountShell, Client):
    """A synchronous Account API client for one signed-in user.

    ``token`` is the user's access token (a string) or the :class:`Tokens` of a sign-in; with
    :class:`Tokens` that hold a refresh token, an expired access token is refreshed once
    (before sending, or after a 401) and the call resent. ``app_id`` is the app the tokens
    were issued to (default: the ID token's ``aud``), ``client_secret`` a confidential app's
    secret. Sign in with :func:`account_scopes` to get the scopes the calls need.

    Sensitive changes need a verification record: inside ``with account.verified(password=
    ...)`` every call that takes one sends it, and a record about to expire (600 s) is
    renewed; or pass ``verification=account.verify_password(...)`` to a call.
    """

    def call(
        self,
        operation: str | Operation,
        body: Any = None,
        *,
        verification: VerificationRecord | None = None,
        **options: Unpack[CallOptions],
    ) -> Result:
        """:meth:`Client.call` with the user's token, the verification record where the
        operation takes one, one refresh or re-verification when that can help, and the
        Account API's typed errors (:class:`MissingScopeError` names the scope)."""
        op = operation if isinstance(operation, Operation) else self.spec.operation(operation)
        core = self.account
        if core.refresh_first():
            self._refresh()
        if core.verify_first(op.operation_id, verification):
            self._verify()
        tried: set[str] = set()
        while True:
            sent = core.call_options(op.operation_id, options, verification)
            try:
                return super().call(op, body, **sent)
            except ApiError as error:
                action = core.retry_after(error, verification)
                if action is None or action in tried:
                    typed = core.typed(error, body)
                    if typed is error:
                        raise
                    raise typed from error
                tried.add(action)
                self._refresh() if action == "refresh" else self._verify()

    def verify_password(self, password: str) -> VerificationRecord:
        """A new verification record from the user's password (valid 600 s)."""
        result = self.call("CreateVerificationByPassword", {"password": password})
        return VerificationRecord.from_answer(result.data)

    verified = _verified

    def _verify(self) -> None:
        body = self.account.verification_body()
        self.account.record = self.verify_password(body["password"])

    def _refresh(self) -> None:
        app_id, refresh_token, secret = self.account.refresh_arguments()
        self.account.refreshed(self.refresh_tokens(app_id, refresh_token, client_secret=secret))


class AsyncAccountClient(_AccountShell, AsyncClient):
    """The asyncio twin of :class:`AccountClient` (``await account.call(...)``,
    ``async with account.verified(password=...)``)."""

    async def call(
        self,
        operation: str | Operation,
        body: Any = None,
        *,
        verification: VerificationRecord | None = None,
        **options: Unpack[CallOptions],
    ) -> Result:
        """The awaitable :meth:`AccountClient.call`."""
        op = operation if isinstance(operation, Operation) else self.spec.operation(operation)
        core = self.account
        if core.refresh_first():
            await self._refresh()
        if core.verify_first(op.operation_id, verification):
            await self._verify()
        tried: set[str] = set()
        while True:
            sent = core.call_options(op.operation_id, options, verification)
            try:
                return await super().call(op, body, **sent)
            except ApiError as error:
                action = core.retry_after(error, verification)
                if action is None or action in tried:
                    typed = core.typed(error, body)
                    if typed is error:
                        raise
                    raise typed from error
                tried.add(action)
                await (self._refresh() if action == "refresh" else self._verify())

    async def verify_password(self, password: str) -> VerificationRecord:
        """The awaitable :meth:`AccountClient.verify_password`."""
        result = await self.call("CreateVerificationByPassword", {"password": password})
        return VerificationRecord.from_answer(result.data)

    verified = _verified

    async def _verify(self) -> None:
        body = self.account.verification_body()
        self.account.record = await self.verify_password(body["password"])

    async def _refresh(self) -> None:
        app_id, refresh_token, secret = self.account.refresh_arguments()
        tokens = await self.refresh_tokens(app_id, refresh_token, client_secret=secret)
        self.account.refreshed(tokens)
