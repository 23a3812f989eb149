"""A running embedded server with a test-friendly handle: what the pytest plugin hands out."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ._harness_access import AccessArrangements
from ._server import ExperienceServer
from ._state import Outbox, SignInExperience, User
from .account._settings import FIELDS, AccountCenter
from .experience._totp import new_totp_secret

if TYPE_CHECKING:
    from logto_dynamic._oidc._tokens import Tokens

__all__ = ["LogtoTestServer", "running_server"]

OFFLINE_SCOPES = ("openid", "profile", "offline_access")


class LogtoTestServer(AccessArrangements):
    """The embedded Logto-like server on a loopback port, plus helpers to arrange a test.

    ``base_url`` is the server's endpoint; the default application ``demo-app`` accepts
    ``redirect_uri`` (``{base_url}/demo-app``). Verification codes land in ``outbox``.
    """

    app_id = "demo-app"

    def __init__(self, server: ExperienceServer, base_url: str) -> None:
        self.server = server
        self.base_url = base_url

    def __repr__(self) -> str:
        return f"<LogtoTestServer {self.base_url} users={len(self.server.users.by_id)}>"

    @property
    def redirect_uri(self) -> str:
        """The registered redirect URI of ``demo-app``."""
        return f"{self.base_url}/demo-app"

    @property
    def issuer(self) -> str:
        """``{base_url}/oidc``, the ``iss`` of every token."""
        return f"{self.base_url}/oidc"

    @property
    def outbox(self) -> Outbox:
        """Verification codes "sent" by email or SMS (``outbox.last_code(address)``)."""
        return self.server.outbox

    def add_user(
        self,
        username: str | None,
        password: str | None,
        *,
        email: str | None = None,
        phone: str | None = None,
        name: str | None = None,
        totp: bool | str = False,
        backup_codes: Iterable[str] = (),
    ) -> User:
        """Create a user. ``totp=True`` binds a new TOTP secret (read it from ``user.totp_secret``),
        a string binds that base32 secret; ``backup_codes`` binds those codes.
        """
        secret = new_totp_secret() if totp is True else (totp or None)
        user = self.server.users.create(
            username=username,
            password=password,
            primary_email=email,
            primary_phone=phone,
            name=name,
            totp_secret=secret,
            backup_codes=list(backup_codes),
        )
        return user

    def set_mfa(self, policy: Any = "UserControlled", factors: Iterable[str] = ("Totp",)) -> None:
        """Set the sign-in experience's MFA policy and enabled factors.

        Policies: ``UserControlled``, ``PromptAtSignInAndSignUp``, ``PromptOnlyAtSignIn``,
        ``Mandatory``, ``NoPrompt``. Factors: ``Totp``, ``BackupCode``, ``WebAuthn``.
        """
        self.server.settings = dataclasses.replace(
            self.server.settings, mfa_policy=policy, mfa_factors=tuple(factors)
        )

    def configure(self, **settings: Any) -> None:
        """Change any :class:`SignInExperience` field (``sign_in_mode=...`` and so on)."""
        self.server.settings = dataclasses.replace(self.server.settings, **settings)

    def sign_in(
        self,
        username: str,
        password: str,
        *,
        mfa: Any = None,
        scopes: Iterable[str] = OFFLINE_SCOPES,
        prompt: str = "consent",
    ) -> Tokens:
        """Sign ``username`` in through the Experience API; verified ``Tokens``.

        By default with ``offline_access`` and ``prompt=consent``, so a refresh token comes
        too. ``mfa`` is passed on to ``Interaction.sign_in`` (a ``Totp``, a backup code, ...).
        """
        from logto_dynamic import Client

        with Client(self.base_url) as client:
            interaction = client.interaction(
                self.app_id, self.redirect_uri, scopes=tuple(scopes), prompt=prompt
            )
            return interaction.sign_in(username, password, mfa)

    def account_center(
        self, enabled: bool | None = None, fields: Mapping[str, str] | str | None = None
    ) -> AccountCenter:
        """The Account API's settings (off by default), changed as ``PATCH /api/account-center``
        changes them when arguments are given: ``fields`` replaces the whole map (a missing
        field is ``Off``); ``fields="Edit"`` (or ``"ReadOnly"``) sets every field to it."""
        center = self.server.account_center
        body: dict[str, Any] = {}
        if enabled is not None:
            body["enabled"] = enabled
        if isinstance(fields, str):
            body["fields"] = dict.fromkeys(FIELDS, fields)
        elif fields is not None:
            body["fields"] = dict(fields)
        center.update(body)
        return center

    def one_time_token(
        self, email: str, *, expires_in: float = 600.0, interaction_event: str | None = None
    ) -> str:
        """Issue a one-time token (a magic link's secret) for ``email``, as Logto's Management
        API does; ``VerifyOneTimeTokenVerification`` consumes it."""
        token = self.server.one_time_tokens.issue(
            email,
            now=self.server.clock(),
            expires_in=expires_in,
            interaction_event=interaction_event,
        )
        return token.token


@contextlib.contextmanager
def running_server(settings: SignInExperience | None = None) -> Iterator[LogtoTestServer]:
    """Start a fresh embedded server on an ephemeral loopback port; stop it on exit.

    Without the ``server`` extra (uvicorn) it raises :class:`~logto_dynamic.MissingExtraError`.
    """
    from logto_dynamic._config import require_extra

    require_extra("running_server()", "server")
    from ._uvicorn import serve_app

    server = ExperienceServer(settings)
    with serve_app(server) as base_url:
        yield LogtoTestServer(server, base_url)
