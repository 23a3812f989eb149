"""The token lifecycle on the clients: one mixin per shell, each method one driven round.

:class:`TokenLifecycle` gives :class:`~logto_dynamic.Client` (and
:class:`AsyncTokenLifecycle` gives :class:`~logto_dynamic.AsyncClient`) ``refresh_tokens``,
``userinfo``, ``silent_sign_in``, ``sign_out`` and ``revoke_token``. The rounds are the
sans-I/O generators of ``_rounds`` and ``_lifecycle``, built once by the ``_*_round``
functions below; the mixins only drive them (``_drive`` / ``_adrive``). Both are imported
on the first token call, so that a client's import and construction stay light.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the rounds and drivers load on a first token call: `import` stays light
    from logto_dynamic._oidc._lifecycle import Round
    from logto_dynamic._oidc._tokens import Tokens
    from logto_dynamic._signin._async import AsyncPort
    from logto_dynamic._signin._sync import SyncPort

__all__ = ["AsyncTokenLifecycle", "TokenLifecycle"]

DEFAULT_SCOPES = ("openid", "profile")


#: Why a refresh token may be missing, and what to ask for instead.
NO_REFRESH_TOKEN = (
    "refresh_tokens: no refresh token (got {got}): Logto issues one only when the sign-in "
    "asks for the 'offline_access' scope with prompt='consent', e.g. "
    "client.interaction(app_id, redirect_uri, scopes=('openid', 'profile', "
    "'offline_access'), prompt='consent'); nothing was sent"
)


def _drive(port: SyncPort, flow: Round) -> Any:
    from logto_dynamic._signin._sync import drive

    return drive(port, flow)


async def _adrive(port: AsyncPort, flow: Round) -> Any:
    from logto_dynamic._signin._async import adrive

    return await adrive(port, flow)


def _refresh_round(
    port: SyncPort | AsyncPort,
    app_id: str,
    refresh_token: str | None,
    resource: str | None,
    organization_id: str | None,
    client_secret: str | None,
) -> Round:
    if not isinstance(refresh_token, str) or not refresh_token:
        got = "an empty string" if refresh_token == "" else type(refresh_token).__name__
        raise ValueError(NO_REFRESH_TOKEN.format(got=got))
    from logto_dynamic._oidc import _rounds

    return _rounds.refresh(
        port.base_url,
        app_id,
        refresh_token,
        resource,
        organization_id=organization_id,
        client_secret=client_secret,
    )


def _silent_round(
    port: SyncPort | AsyncPort,
    app_id: str,
    redirect_uri: str,
    scopes: Sequence[str],
    resources: Sequence[str],
    client_secret: str | None,
) -> Round:
    from logto_dynamic._oidc import _lifecycle

    return _lifecycle.silent_sign_in(
        port.base_url,
        app_id,
        redirect_uri,
        scopes=scopes,
        resources=resources,
        client_secret=client_secret,
    )


def _userinfo_round(port: SyncPort | AsyncPort, access_token: str) -> Round:
    from logto_dynamic._oidc import _lifecycle

    return _lifecycle.userinfo(port.base_url, access_token)


def _sign_out_round(
    port: SyncPort | AsyncPort,
    app_id: str,
    id_token: str | None,
    post_logout_redirect_uri: str | None,
) -> Round:
    from logto_dynamic._oidc import _lifecycle

    return _lifecycle.sign_out(
        port.base_url,
        app_id,
        id_token=id_token,
        post_logout_redirect_uri=post_logout_redirect_uri,
    )


def _revoke_round(
    port: SyncPort | AsyncPort,
    app_id: str,
    token: str,
    client_secret: str | None,
    hint: str | None,
) -> Round:
    from logto_dynamic._oidc import _lifecycle

    return _lifecycle.revoke(port.base_url, app_id, token, client_secret=client_secret, hint=hint)


class TokenLifecycle:
    """What a sync client does with tokens after sign-in (see the module docstring)."""

    def refresh_tokens(
        self: SyncPort,
        app_id: str,
        refresh_token: str | None,
        *,
        resource: str | None = None,
        organization_id: str | None = None,
        client_secret: str | None = None,
    ) -> Tokens:
        """Trade a refresh token for new :class:`Tokens`, verified like the first ones.

        ``resource`` gets a JWT access token for that API resource, ``organization_id``
        one for that organization (``aud`` ``urn:logto:organization:<id>``; the sign-in
        needs scope ``urn:logto:scope:organizations``). Refusals raise
        :class:`TokenRequestError` (``.error``: ``invalid_grant``, ``access_denied`` ...).
        A missing refresh token (``None``: the sign-in did not ask for ``offline_access``)
        raises ``ValueError`` before anything is sent.
        """
        flow = _refresh_round(self, app_id, refresh_token, resource, organization_id, client_secret)
        tokens: Tokens = _drive(self, flow)
        return tokens

    def userinfo(self: SyncPort, access_token: str) -> dict[str, Any]:
        """The user's claims from ``/oidc/me`` (by the token's scopes); a refused token
        raises :class:`TokenRequestError` (``error="invalid_token"``)."""
        claims: dict[str, Any] = _drive(self, _userinfo_round(self, access_token))
        return claims

    def silent_sign_in(
        self: SyncPort,
        app_id: str,
        redirect_uri: str,
        *,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        resources: Sequence[str] = (),
        client_secret: str | None = None,
    ) -> Tokens:
        """Verified :class:`Tokens` from the Logto session in this client's cookie jar
        (``prompt=none``, no password); :class:`LoginRequired` without a session."""
        flow = _silent_round(self, app_id, redirect_uri, scopes, resources, client_secret)
        tokens: Tokens = _drive(self, flow)
        return tokens

    def sign_out(
        self: SyncPort,
        app_id: str,
        *,
        id_token: str | None = None,
        post_logout_redirect_uri: str | None = None,
    ) -> str:
        """End the Logto session in this client's cookie jar (the end-session page and its
        confirmation form, on Logto's origin only). Returns where the sign-out ended: the
        ``post_logout_redirect_uri`` (not fetched) or Logto's success page."""
        flow = _sign_out_round(self, app_id, id_token, post_logout_redirect_uri)
        ended: str = _drive(self, flow)
        return ended

    def revoke_token(
        self: SyncPort,
        app_id: str,
        token: str,
        *,
        client_secret: str | None = None,
        hint: str | None = None,
    ) -> None:
        """Revoke an access or refresh token (``hint``: ``access_token`` / ``refresh_token``).
        A revoked refresh token then gets ``invalid_grant``."""
        flow = _revoke_round(self, app_id, token, client_secret, hint)
        _drive(self, flow)


class AsyncTokenLifecycle:
    """The awaitable :class:`TokenLifecycle`: same methods, same arguments, same errors."""

    async def refresh_tokens(
        self: AsyncPort,
        app_id: str,
        refresh_token: str | None,
        *,
        resource: str | None = None,
        organization_id: str | None = None,
        client_secret: str | None = None,
    ) -> Tokens:
        """The awaitable :meth:`TokenLifecycle.refresh_tokens`."""
        flow = _refresh_round(self, app_id, refresh_token, resource, organization_id, client_secret)
        tokens: Tokens = await _adrive(self, flow)
        return tokens

    async def userinfo(self: AsyncPort, access_token: str) -> dict[str, Any]:
        """The awaitable :meth:`TokenLifecycle.userinfo`."""
        flow = _userinfo_round(self, access_token)
        claims: dict[str, Any] = await _adrive(self, flow)
        return claims

    async def silent_sign_in(
        self: AsyncPort,
        app_id: str,
        redirect_uri: str,
        *,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        resources: Sequence[str] = (),
        client_secret: str | None = None,
    ) -> Tokens:
        """The awaitable :meth:`TokenLifecycle.silent_sign_in`."""
        flow = _silent_round(self, app_id, redirect_uri, scopes, resources, client_secret)
        tokens: Tokens = await _adrive(self, flow)
        return tokens

    async def sign_out(
        self: AsyncPort,
        app_id: str,
        *,
        id_token: str | None = None,
        post_logout_redirect_uri: str | None = None,
    ) -> str:
        """The awaitable :meth:`TokenLifecycle.sign_out`."""
        flow = _sign_out_round(self, app_id, id_token, post_logout_redirect_uri)
        ended: str = await _adrive(self, flow)
        return ended

    async def revoke_token(
        self: AsyncPort,
        app_id: str,
        token: str,
        *,
        client_secret: str | None = None,
        hint: str | None = None,
    ) -> None:
        """The awaitable :meth:`TokenLifecycle.revoke_token`."""
        flow = _revoke_round(self, app_id, token, client_secret, hint)
        await _adrive(self, flow)
