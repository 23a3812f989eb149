"""``logto-dynamic call --token-env VAR``: the Account API with a user's bearer token taken
from the environment; the token never shows in the output."""

from __future__ import annotations

import json

import pytest

from logto_dynamic import account_scopes
from logto_dynamic._cli import main
from logto_dynamic.testing import LogtoTestServer

TOKEN_ENV = "LOGTO_TEST_USER_TOKEN"


@pytest.mark.loopback
def test_call_reaches_the_account_api_with_a_token_from_the_environment(
    logto_server: LogtoTestServer,
    logto_user: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    logto_server.account_center(enabled=True, fields="Edit")
    tokens = logto_server.sign_in(*logto_user, scopes=account_scopes(), prompt="login")
    monkeypatch.setenv(TOKEN_ENV, tokens.access_token)
    base = ["--base-url", logto_server.base_url, "--token-env", TOKEN_ENV]
    assert main(["call", "GetProfile", *base]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["username"] == logto_user[0]
    assert main(["call", "UpdateProfile", '{"name": "From Shell"}', *base, "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["data"]["name"] == "From Shell"
    assert tokens.access_token not in out.out + out.err
    # a sensitive change without a record: the typed error's code, exit 1
    assert main(["call", "UpdatePassword", '{"password": "Zx4!meadow-Quill"}', *base]) == 1
    out = capsys.readouterr()
    assert "verification_record.permission_denied" in out.out + out.err
    assert tokens.access_token not in out.out + out.err
    # with a record in the header: done, and the record's id is not printed either
    record = logto_server.server.account_records.create(
        tokens.subject, "Password", verified=True
    ).id
    argv = ["call", "UpdatePassword", '{"password": "Zx4!meadow-Quill"}', *base, "-v"]
    assert main([*argv, "--header", f"logto-verification-id={record}", "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["status"] == 204
    assert record not in out.out + out.err


def test_token_env_must_be_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    argv = ["call", "GetProfile", "--base-url", "http://127.0.0.1:9", "--token-env", TOKEN_ENV]
    assert main(argv) == 2
    assert f"environment variable {TOKEN_ENV} is not set" in capsys.readouterr().err


def test_the_account_document_is_selectable_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ops", "--spec", "logto-account-1.42"]) == 0
    out = capsys.readouterr().out
    assert "UpdatePassword" in out and "GetSessions" in out
    assert main(["describe", "UpdatePassword", "--spec", "logto-account-1.42"]) == 0
    assert "logto-verification-id" in capsys.readouterr().out
