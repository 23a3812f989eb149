"""pytest plugin: test your app against an embedded Logto-like server instead of Logto.

Registered through the ``pytest11`` entry point, so installing ``logto-dynamic`` makes the
fixtures available. Importing this module is cheap: the server, uvicorn and the JOSE
library load only when a test asks for a fixture.

- ``logto_server``: a fresh server on a loopback port (``.base_url``, ``.add_user``,
  ``.set_mfa``, ``.outbox``, ``.redirect_uri``), stopped after the test.
- ``logto_user``: ``(username, password)`` of a user created on ``logto_server``.
- ``logto_tokens``: that user's verified ``Tokens``, signed in through the Experience API.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from logto_dynamic.testing import LogtoTestServer

__all__ = ["logto_server", "logto_user"]

TEST_USERNAME = "test_user"
TEST_PASSWORD = "Tq8#harbor-Lumen"  # only ever sent to the embedded server


@pytest.fixture
def logto_server() -> Iterator[LogtoTestServer]:
    """The embedded Logto-like server over loopback, fresh for each test."""
    from logto_dynamic.testing import running_server

    with running_server() as server:
        yield server


@pytest.fixture
def logto_user(logto_server: LogtoTestServer) -> tuple[str, str]:
    """``(username, password)`` of a user created on :func:`logto_server`."""
    logto_server.add_user(TEST_USERNAME, TEST_PASSWORD)
    return TEST_USERNAME, TEST_PASSWORD
