"""``LogtoSession``: what one simulated user does, every exchange reported.

The building blocks of a load test (sign in with a password, with TOTP; register; refresh;
userinfo; a Management API call; an app's own API with the access token; sign out; the whole
journey) as methods over one :class:`~logto_dynamic.Client` (one cookie jar, the client's
validation) and one :class:`Reporter`. Nothing here imports Locust: ``_user`` wires a
session's reports to Locust's statistics.
"""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from logto_dynamic._apis._management import ManagementClient
from logto_dynamic._client import Client
from logto_dynamic._config import ValidateTypes
from logto_dynamic._oidc import _lifecycle, _rounds
from logto_dynamic._oidc._m2m import DEFAULT_MANAGEMENT_RESOURCE
from logto_dynamic._oidc._tokens import Tokens
from logto_dynamic._signin import _flows, _steps
from logto_dynamic._signin._flows import Registration
from logto_dynamic._signin._sync import new_state
from logto_dynamic._signin._totp import STEP_SECONDS
from logto_dynamic._signin._totp import totp as totp_code
from logto_dynamic.load._report import Fire, Reporter

__all__ = ["LogtoSession"]


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every session of the process: httpx builds one per client
    otherwise (loading the CA bundle, ~0.1 s of CPU each), which would make spawning a
    thousand users cost minutes."""
    return httpx.create_ssl_context()


class TotpCodes:
    """TOTP codes never used before: Logto refuses a code of a step already used, so each
    answer takes the next unused step from the one before now (one step of drift either
    side is accepted), and waits for the clock when three were used within one step."""

    def __init__(self) -> None:
        self.steps: dict[str, int] = {}  # the last step used, per secret

    def answer(self, secret: str) -> Callable[[tuple[str, ...]], tuple[str, str]]:
        """An ``mfa=`` answer of the sign-in flow: ``("Totp", code)``."""

        def code(factors: tuple[str, ...]) -> tuple[str, str]:
            now = int(time.time()) // STEP_SECONDS
            step = max(self.steps.get(secret, now - 2) + 1, now - 1)
            if step > now + 1:  # three codes used in this step: wait for the next one
                time.sleep(max(0.0, (step - 1) * STEP_SECONDS - time.time()) + 0.05)
            self.steps[secret] = step
            return "Totp", totp_code(secret, at=step * STEP_SECONDS)

        return code


class _Management:
    """The Management API client of one M2M app, made on first use, its answers watched."""

    def __init__(
        self,
        base_url: str,
        app: tuple[str, str] | None,
        resource: str,
        reporter: Reporter,
        validate: ValidateTypes,
        timeout: float,
    ) -> None:
        self._arguments = (base_url, app, resource, reporter, validate, timeout)
        self._client: ManagementClient | None = None

    def client(self) -> ManagementClient:
        if self._client is None:
            base_url, app, resource, reporter, validate, timeout = self._arguments
            if app is None:
                raise RuntimeError("no M2M app: pass management=(app_id, app_secret)")
            self._client = ManagementClient(
                base_url,
                app_id=app[0],
                app_secret=app[1],
                resource=resource,
                validate=validate,
                timeout=timeout,
                verify=_tls(),
            )
            reporter.watch(self._client.http)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


class LogtoSession:
    """One simulated user's client: sign-in, tokens and API calls, each exchange reported.

    ``fire`` receives one :class:`~logto_dynamic.load.Exchange` per HTTP exchange. The
    client validates as ``validate`` says (``"strict"``: every violation is a failure).
    ``management`` is an M2M app's ``(app_id, app_secret)`` for :meth:`management_call`
    (tokens for ``management_resource``). :attr:`tokens`: the last sign-in's or refresh's.
    """

    def __init__(
        self,
        base_url: str,
        fire: Fire,
        *,
        app_id: str = "demo-app",
        redirect_uri: str | None = None,
        client_secret: str | None = None,
        scopes: Sequence[str] = ("openid", "profile", "offline_access"),
        resources: Sequence[str] = (),
        validate: ValidateTypes = "strict",
        management: tuple[str, str] | None = None,
        management_resource: str = DEFAULT_MANAGEMENT_RESOURCE,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.redirect_uri = redirect_uri or f"{self.base_url}/demo-app"
        self.client_secret = client_secret
        self.scopes = tuple(scopes)
        self.resources = tuple(resources)
        #: ``consent`` too with ``offline_access``: Logto issues a refresh token only then.
        self.prompt = "login consent" if "offline_access" in self.scopes else "login"
        self.reporter = Reporter(fire)
        self.client = Client(self.base_url, validate=validate, timeout=timeout, verify=_tls())
        self.reporter.watch(self.client.http)
        self._management = _Management(
            self.base_url, management, management_resource, self.reporter, validate, timeout
        )
        self.tokens: Tokens | None = None  #: The last sign-in's, registration's or refresh's
        self.totp_codes = TotpCodes()

    def _begin(self) -> _steps.InteractionState:
        """A fresh cookie jar and a sent authorization request."""
        self.client.http.cookies.clear()
        state = new_state(
            self.base_url,
            self.app_id,
            self.redirect_uri,
            scopes=self.scopes,
            resources=self.resources,
            prompt=self.prompt,
            extra_params=None,
            client_secret=self.client_secret,
        )
        self.reporter.run(self.client, _steps.authorize(state))
        return state

    def sign_in(self, username: str, password: str, *, totp: str | None = None) -> Tokens:
        """Sign in with a password (and a code of ``totp``, the base32 TOTP secret, when MFA
        asks): the tokens.

        Repeated sign-ins take codes of later steps (:class:`TotpCodes`).
        """
        state = self._begin()
        mfa = None if totp is None else self.totp_codes.answer(totp)
        flow = _flows.sign_in(state, username, password, mfa)
        tokens: Tokens = self.reporter.run(self.client, flow)
        self.tokens = tokens
        return tokens

    def register(self, username: str, password: str, *, totp: bool = False) -> Registration:
        """Register a new username with a password (binding TOTP when ``totp``)."""
        state = self._begin()
        flow = _flows.register(state, username, password, bind_mfa="Totp" if totp else None)
        registration: Registration = self.reporter.run(self.client, flow)
        self.tokens = registration.tokens
        return registration

    def _tokens(self) -> Tokens:
        if self.tokens is None:
            raise RuntimeError("no tokens yet: sign in or register first")
        return self.tokens

    def refresh(self) -> Tokens:
        """Trade the refresh token for new tokens (the refresh token rotates)."""
        refresh_token = self._tokens().refresh_token
        if refresh_token is None:
            raise RuntimeError("no refresh token: sign in with the offline_access scope")
        flow = _rounds.refresh(
            self.base_url, self.app_id, refresh_token, None, client_secret=self.client_secret
        )
        self.tokens = self.reporter.run(self.client, flow)
        return self.tokens

    def userinfo(self) -> dict[str, Any]:
        """The user's claims from ``/oidc/me``."""
        flow = _lifecycle.userinfo(self.base_url, self._tokens().access_token)
        claims: dict[str, Any] = self.reporter.run(self.client, flow)
        return claims

    def call_api(self, url: str, *, method: str = "GET", name: str | None = None) -> httpx.Response:
        """Call an app's own API with the access token as a bearer (``name``: its stats name,
        default ``api <path>``); an answer of 400 or more is a failure."""
        headers = {"authorization": f"Bearer {self._tokens().access_token}"}
        label = name or f"api {httpx.URL(url).path}"
        return self.reporter.request(
            self.client, label, method=method, url=url, headers=headers, follow_redirects=False
        )

    def sign_out(self) -> str:
        """End the Logto session (the end-session page and its confirmation); tokens dropped."""
        id_token = self.tokens.id_token if self.tokens is not None else None
        flow = _lifecycle.sign_out(
            self.base_url, self.app_id, id_token=id_token, post_logout_redirect_uri=None
        )
        ended: str = self.reporter.run(self.client, flow)
        self.tokens = None
        return ended

    @property
    def management(self) -> ManagementClient:
        """The Management API client of the ``management`` M2M app (made on first use)."""
        return self._management.client()

    def management_call(self, operation: str, body: Any = None, **options: Any) -> Any:
        """One Management API call by operationId (``path=``, ``query=`` ...), reported."""
        return self.reporter.call(self.management, operation, body, **options)

    def journey(
        self,
        username: str,
        password: str,
        *,
        totp: str | None = None,
        api_url: str | None = None,
    ) -> None:
        """Sign in, call my API (``api_url``, else userinfo), refresh, sign out."""
        self.sign_in(username, password, totp=totp)
        if api_url is not None:
            self.call_api(api_url)
        else:
            self.userinfo()
        self.refresh()
        self.sign_out()

    def close(self) -> None:
        """Close the clients."""
        self.client.close()
        self._management.close()
