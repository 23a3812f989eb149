"""The flows with the document a real Logto 1.42.0 publishes: same operationIds, same flows.

Skipped when the shared reference documents are absent.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from _support.live import PASSWORD, aw, live_server

from logto_dynamic import AsyncClient, Client, Totp

SHARED = Path(os.environ.get("LOGTO_SHARED_DIR", Path(__file__).parents[3] / "shared"))
EXPERIENCE = SHARED / "reference" / "logto-1.42.0-experience.openapi.json"

pytestmark = [pytest.mark.anyio, pytest.mark.loopback]


@pytest.fixture(params=["sync", "async"])
async def make_client(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    if not EXPERIENCE.is_file():
        pytest.skip("shared reference documents are absent")
    opened: list[Any] = []

    def make(base: str) -> Any:
        cls = Client if request.param == "sync" else AsyncClient
        opened.append(cls(base, spec=str(EXPERIENCE)))
        return opened[-1]

    yield make
    for client in opened:
        await aw(client.close() if isinstance(client, Client) else client.aclose())


async def test_register_with_mfa_then_sign_in_on_the_142_document(make_client: Any) -> None:
    with live_server(mfa_factors=("Totp", "BackupCode"), mfa_policy="Mandatory") as live:
        client = make_client(live.base)
        assert "GetInteraction" in client.spec.index  # the newer document is the one loaded
        interaction = await aw(client.interaction("demo-app", live.redirect))
        registered = await aw(interaction.register("newer", PASSWORD, bind_mfa="Totp"))
        assert registered.totp_secret and registered.backup_codes
        again = make_client(live.base)
        interaction = await aw(again.interaction("demo-app", live.redirect))
        tokens = await aw(
            interaction.sign_in("newer", password=PASSWORD, mfa=Totp(registered.totp_secret))
        )
    assert tokens.subject == registered.tokens.subject
