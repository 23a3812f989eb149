"""``LogtoUser``: a Locust user whose client is this project's validating client.

Every exchange of its building blocks is one Locust request (type: the HTTP method; name:
the operationId or the OIDC step) with its time and size; a validation violation, an
unexpected status or a failed OIDC check is a Locust failure carrying the library's message,
and ends the task (Locust's ``RescheduleTask``: the failure is already in the statistics).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from locust import User
from locust.exception import RescheduleTask, StopUser

from logto_dynamic._config import ValidateTypes
from logto_dynamic._exceptions import AccountsExhausted, LogtoDynamicError
from logto_dynamic._oidc._m2m import DEFAULT_MANAGEMENT_RESOURCE
from logto_dynamic._oidc._tokens import Tokens
from logto_dynamic._signin._flows import Registration
from logto_dynamic.load._accounts import DEFAULT_PREFIX, Account, derive_password
from logto_dynamic.load._cluster import serve_accounts_to, take_account
from logto_dynamic.load._report import Exchange
from logto_dynamic.load._session import LogtoSession

__all__ = ["LogtoUser"]

log = logging.getLogger("logto_dynamic.load")


class LogtoUser(User):
    """A simulated Logto user: subclass it, set the class attributes, write ``@task``\\ s.

    >>> class Visitor(LogtoUser):                                        # doctest: +SKIP
    ...     m2m_app = ("m2m-app-id", "m2m-app-secret")
    ...     seed_users = 100
    ...     @task
    ...     def visit(self):
    ...         self.journey()
    """

    abstract = True
    #: The app users sign in to, and its redirect URI (default: ``{host}/demo-app``).
    app_id: ClassVar[str] = "demo-app"
    redirect_uri: ClassVar[str | None] = None
    #: A confidential (web) app's secret for the code exchange; None for a public app.
    client_secret: ClassVar[str | None] = None
    scopes: ClassVar[Sequence[str]] = ("openid", "profile", "offline_access")
    #: The client's validation (``"strict"``: every violation is a failure).
    validate: ClassVar[ValidateTypes] = "strict"
    #: An M2M app with the Management API role: ``(app_id, app_secret)``.
    m2m_app: ClassVar[tuple[str, str] | None] = None
    #: The Management API's resource indicator (Logto Cloud: ``https://{tenant}.logto.app/api``).
    management_resource: ClassVar[str] = DEFAULT_MANAGEMENT_RESOURCE
    #: How many accounts to seed before the run (through the Management API, ``m2m_app``).
    seed_users: ClassVar[int] = 0
    #: Accounts that exist already (with TOTP secrets, say), handed out before seeded ones.
    accounts: ClassVar[Sequence[Account]] = ()
    account_prefix: ClassVar[str] = DEFAULT_PREFIX
    #: Each account to one simulated user only (more users than accounts: they stop).
    distinct_accounts: ClassVar[bool] = True
    #: Delete the seeded and registered accounts (by prefix) when Locust quits (needs m2m_app).
    remove_accounts: ClassVar[bool] = True
    #: The app's own API that :meth:`journey` calls with the access token (else userinfo).
    api_url: ClassVar[str | None] = None

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        if not self.host:
            raise ValueError(f"{type(self).__name__}: no host (--host, or the class's host)")
        self.session = LogtoSession(
            self.host,
            self._fire,
            app_id=self.app_id,
            redirect_uri=self.redirect_uri,
            client_secret=self.client_secret,
            scopes=self.scopes,
            validate=self.validate,
            management=self.m2m_app,
            management_resource=self.management_resource,
        )
        self._account: Account | None = None

    def _fire(self, exchange: Exchange) -> None:
        self.environment.events.request.fire(
            request_type=exchange.request_type,
            name=exchange.name,
            response_time=exchange.response_time,
            response_length=exchange.response_length,
            exception=exchange.exception,
            context={},
        )

    @contextlib.contextmanager
    def _reported(self) -> Iterator[None]:
        try:
            yield
        except LogtoDynamicError as exc:
            raise RescheduleTask() from exc

    @property
    def account(self) -> Account:
        """This user's test account (taken on first use; distinct across workers)."""
        if self._account is None:
            try:
                self._account = take_account(self)
            except AccountsExhausted as exc:
                log.error("%s stops: %s", type(self).__name__, exc)
                raise StopUser() from exc
        return self._account

    @property
    def tokens(self) -> Tokens | None:
        """The tokens of the last sign-in, registration or refresh."""
        return self.session.tokens

    def sign_in(self) -> Tokens:
        """Sign in as this user's account (with its TOTP secret when it has one)."""
        account = self.account
        with self._reported():
            return self.session.sign_in(
                account.username, account.password, totp=account.totp_secret
            )

    def register(self, *, totp: bool = False) -> Registration:
        """Register a new account (removed with the seeded ones); binds TOTP when ``totp``.

        The new account replaces this user's account, so a following :meth:`sign_in` signs
        in with it (and its TOTP secret).
        """
        username = f"{self.account_prefix}r{uuid.uuid4().hex[:12]}"
        password = derive_password(uuid.uuid4().hex, username)
        with self._reported():
            registration = self.session.register(username, password, totp=totp)
        self._account = Account(username, password, registration.totp_secret)
        return registration

    def refresh(self) -> Tokens:
        """Trade the refresh token for new tokens."""
        with self._reported():
            return self.session.refresh()

    def userinfo(self) -> dict[str, Any]:
        """The user's claims (``/oidc/me``)."""
        with self._reported():
            return self.session.userinfo()

    def call_api(self, url: str | None = None, *, method: str = "GET") -> Any:
        """Call the app's API (``url``, default :attr:`api_url`) with the access token."""
        target = url or self.api_url
        if target is None:
            raise ValueError("call_api needs a url (or LogtoUser.api_url)")
        with self._reported():
            return self.session.call_api(target, method=method)

    def management_call(self, operation: str, body: Any = None, **options: Any) -> Any:
        """One Management API call by operationId, as the ``m2m_app``."""
        with self._reported():
            return self.session.management_call(operation, body, **options)

    def sign_out(self) -> str:
        """End the Logto session."""
        with self._reported():
            return self.session.sign_out()

    def journey(self) -> None:
        """Sign in, call my API (:attr:`api_url`, else userinfo), refresh, sign out."""
        account = self.account
        with self._reported():
            self.session.journey(
                account.username, account.password, totp=account.totp_secret, api_url=self.api_url
            )

    def on_stop(self) -> None:
        """Close the clients."""
        self.session.close()


serve_accounts_to(LogtoUser)
