"""pytest plugin: test your app against an embedded Logto-like server instead of Logto.

Registered through the ``pytest11`` entry point, so installing ``logto-dynamic`` makes the
fixtures available. Importing this module is cheap: the server, uvicorn and the JOSE
library load only when a test asks for a fixture.

- ``logto_server``: a fresh server on a loopback port (``.base_url``, ``.add_user``,
  ``.set_mfa``, ``.outbox``, ``.redirect_uri``), stopped after the test.
- ``logto_user``: ``(username, password)`` of a user created on ``logto_server``.
- ``logto_tokens``: that user's verified ``Tokens``, signed in through the Experience API.
- ``logto_management``: a ``ManagementClient`` for ``logto_server``, authenticated as its
  machine-to-machine app (``logto_server.m2m_app``), closed after the test.
- ``logto_account``: an ``AccountClient`` for ``logto_user`` (every Account API scope) on a
  ``logto_server`` whose account center is on with every field ``Edit``, closed after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from logto_dynamic._apis._account import AccountClient
    from logto_dynamic._apis._management import ManagementClient
    from logto_dynamic._oidc._tokens import Tokens
    from logto_dynamic.testing import LogtoTestServer

__all__ = ["logto_account", "logto_management", "logto_server", "logto_tokens", "logto_user"]

TEST_USERNAME = "test_user"
TEST_PASSWORD = "Tq8#harbor-Lumen"  # only ever sent to the embedded server


@pytest.fixture
def logto_server() -> Iterator[LogtoTestServer]:
    """The embedded Logto-like server over loopback, fresh for each test.

    Without the ``server`` extra, each test that asks for it fails at set-up with one line
    naming the pip command; the other tests of the session run.
    """
    from logto_dynamic._config import missing_extra

    message = missing_extra("the logto_server fixture", "server")
    if message is not None:
        pytest.fail(message, pytrace=False)
    from logto_dynamic.testing import running_server

    with running_server() as server:
        yield server


@pytest.fixture
def logto_user(logto_server: LogtoTestServer) -> tuple[str, str]:
    """``(username, password)`` of a user created on :func:`logto_server`."""
    logto_server.add_user(TEST_USERNAME, TEST_PASSWORD)
    return TEST_USERNAME, TEST_PASSWORD


@pytest.fixture
def logto_tokens(logto_server: LogtoTestServer, logto_user: tuple[str, str]) -> Tokens:
    """Verified ``Tokens`` of :func:`logto_user`, signed in through the Experience API.

    Scopes ``openid profile offline_access`` with ``prompt=consent`` (so the first-party
    consent hop is taken and a refresh token comes too); ``claims`` are the verified ID
    token's, ``claims["iss"] == logto_server.issuer``.
    """
    username, password = logto_user
    return logto_server.sign_in(username, password)


@pytest.fixture
def logto_management(logto_server: LogtoTestServer) -> Iterator[ManagementClient]:
    """A ``ManagementClient`` for :func:`logto_server` (its default M2M app; strict
    validation against the shipped Management API document)."""
    client = logto_server.management()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def logto_account(
    logto_server: LogtoTestServer, logto_user: tuple[str, str]
) -> Iterator[AccountClient]:
    """An ``AccountClient`` for :func:`logto_user` (signed in with every Account API scope,
    ``account_scopes()``) on :func:`logto_server`, whose account center is enabled with every
    field ``Edit`` and whose sign-in experience offers TOTP and backup codes (UserControlled).
    ``account.verified(password=logto_user[1])`` opens sensitive changes."""
    from logto_dynamic import AccountClient, account_scopes

    logto_server.account_center(enabled=True, fields="Edit")
    logto_server.set_mfa("UserControlled", ("Totp", "BackupCode"))
    username, password = logto_user
    tokens = logto_server.sign_in(username, password, scopes=account_scopes(), prompt="login")
    client = AccountClient(logto_server.base_url, tokens)
    try:
        yield client
    finally:
        client.close()
