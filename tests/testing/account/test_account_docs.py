"""The complete example of docs/account.md runs, as written, against the embedded server."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from logto_dynamic import (
    AccountClient,
    Client,
    MfaRequired,
    Totp,
    UnauthorizedError,
    account_scopes,
)
from logto_dynamic.testing import LogtoTestServer, running_server

pytestmark = [pytest.mark.loopback]

DOC = Path(__file__).resolve().parents[3] / "docs" / "account.md"
USERNAME, PASSWORD, NEW_PASSWORD = "mira", "Tq8#harbor-Lumen", "Zx4!meadow-Quill"


def _example(tmp_path: Path) -> ModuleType:
    text = DOC.read_text(encoding="utf-8")
    found = re.search(r"<!-- example: account_page -->\n```python\n(.*?)```", text, re.DOTALL)
    assert found is not None, "the example block is missing from docs/account.md"
    path = tmp_path / "account_page.py"
    path.write_text(found.group(1), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("account_page", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def logto() -> Iterator[LogtoTestServer]:
    with running_server() as server:
        server.add_user(USERNAME, PASSWORD)
        server.set_mfa("UserControlled", ("Totp", "BackupCode"))
        server.account_center(enabled=True, fields="Edit")
        yield server


def test_the_documented_account_page_runs(logto: LogtoTestServer, tmp_path: Path) -> None:
    page = _example(tmp_path)
    tokens = page.sign_in(logto.base_url, logto.app_id, logto.redirect_uri, USERNAME, PASSWORD)
    other = page.sign_in(logto.base_url, logto.app_id, logto.redirect_uri, USERNAME, PASSWORD)
    with AccountClient(logto.base_url, tokens) as account:
        shown = page.page(account, PASSWORD)
        assert shown["profile"]["username"] == USERNAME and shown["factors"] == []
        assert len(shown["sessions"]) == 2
        assert page.rename(account, "Mira K.") == "Mira K."
        assert page.save_preferences(account, {"theme": "dark"}) is True
        assert page.custom_data(account) == {"theme": "dark"}
        page.change_password(account, PASSWORD, NEW_PASSWORD)
        secret = page.enable_totp(account, NEW_PASSWORD)
        assert len(page.backup_codes(account, NEW_PASSWORD)) == 10
        assert page.sign_out_other_sessions(account, NEW_PASSWORD) == 1
        assert [f["type"] for f in page.page(account, NEW_PASSWORD)["factors"]] == [
            "Totp",
            "BackupCode",
        ]
    with AccountClient(logto.base_url, other) as ended:  # its session was ended
        with pytest.raises(UnauthorizedError, match="auth.unauthorized"):
            ended.ops.GetProfile()
    with Client(logto.base_url) as client, pytest.raises(MfaRequired):
        client.interaction(logto.app_id, logto.redirect_uri).sign_in(USERNAME, NEW_PASSWORD)
    with Client(logto.base_url) as client:
        interaction = client.interaction(logto.app_id, logto.redirect_uri, scopes=account_scopes())
        assert interaction.sign_in(USERNAME, NEW_PASSWORD, Totp(secret)).access_token


def test_the_example_reports_a_missing_scope(logto: LogtoTestServer, tmp_path: Path) -> None:
    page = _example(tmp_path)
    with Client(logto.base_url) as client:
        interaction = client.interaction(
            logto.app_id, logto.redirect_uri, scopes=account_scopes("profile")
        )
        tokens = interaction.sign_in(USERNAME, PASSWORD)
    with AccountClient(logto.base_url, tokens) as account:
        assert page.custom_data(account) is None
        assert page.save_preferences(account, {"theme": "dark"}) is False
