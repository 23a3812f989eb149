"""The command line and the Management API: ``call`` with an M2M app, ``token``, and
``serve --m2m-app`` as a real process. The secret and the token stay out of every output
unless ``--json``/``--output`` asks for the token."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli_processes import Process, processes, start  # noqa: F401 - the fixture

from logto_dynamic import ManagementClient
from logto_dynamic._cli import main
from logto_dynamic.testing import LogtoTestServer

SECRET_ENV = "LOGTO_TEST_M2M_SECRET"


def _args(server: LogtoTestServer, *argv: str) -> list[str]:
    app = server.m2m_app
    return [
        *argv,
        "--base-url",
        server.base_url,
        "--app-id",
        app.id,
        "--app-secret-env",
        SECRET_ENV,
    ]


@pytest.fixture
def secret_env(logto_server: LogtoTestServer, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(SECRET_ENV, logto_server.m2m_app.secret)
    return logto_server.m2m_app.secret


@pytest.mark.loopback
def test_call_reaches_the_management_api_with_an_app(
    logto_server: LogtoTestServer, secret_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    body = json.dumps({"username": "from_shell", "name": "Shell"})
    assert main(_args(logto_server, "call", "CreateUser", body)) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["username"] == "from_shell"
    # --app-id alone picks the Management API document; naming it works the same
    argv = _args(logto_server, "call", "ListUsers", "--query", "search=%shell%", "--json")
    assert main([*argv, "--spec", "logto-management-1.42"]) == 0
    out = capsys.readouterr()
    answer = json.loads(out.out)
    assert answer["status"] == 200 and answer["headers"]["total-number"] == "1"
    assert [u["id"] for u in answer["data"]] == [created["id"]]
    assert secret_env not in out.out + out.err


@pytest.mark.loopback
def test_call_with_a_wrong_secret_fails_with_invalid_client(
    logto_server: LogtoTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(SECRET_ENV, "wrong-Secret-123")
    assert main(_args(logto_server, "call", "ListUsers")) == 1
    out = capsys.readouterr()
    assert "invalid_client" in out.err and "wrong-Secret-123" not in out.out + out.err


@pytest.mark.loopback
def test_app_options_need_the_secret_variable(
    logto_server: LogtoTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    assert main(_args(logto_server, "call", "ListUsers")) == 2
    assert f"${SECRET_ENV} is not set" in capsys.readouterr().err
    argv = ["call", "ListUsers", "--base-url", logto_server.base_url, "--app-id", "x"]
    assert main(argv) == 2
    assert "--app-secret-env" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # --app-id is required
        main(["token", "--base-url", logto_server.base_url, "--app-secret-env", "X"])


@pytest.mark.loopback
def test_token_prints_the_token_only_when_asked(
    logto_server: LogtoTestServer,
    secret_env: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    assert main(_args(logto_server, "token")) == 0
    summary = capsys.readouterr().out
    assert "scope all, expires in 3600 s" in summary and "ey" not in summary
    assert main(_args(logto_server, "token", "--json")) == 0
    answer = json.loads(capsys.readouterr().out)
    claims = logto_server.server.key.verify(answer["access_token"])
    assert claims["aud"] == answer["resource"] == "https://default.logto.app/api"
    assert (claims["scope"], claims["sub"]) == ("all", logto_server.m2m_app.id)
    target = tmp_path / "token.json"
    assert main(_args(logto_server, "token", "--output", str(target), "--scope", "all")) == 0
    out = capsys.readouterr().out
    assert str(target) in out and "access_token" not in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["token_type"] == "Bearer"
    for text in (summary, out):
        assert secret_env not in text


@pytest.mark.loopback
def test_token_with_a_wrong_secret_or_resource_fails(
    logto_server: LogtoTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(SECRET_ENV, "wrong-Secret-123")
    assert main(_args(logto_server, "token", "--json")) == 1
    err = capsys.readouterr().err
    assert "TokenRequestError" in err and "invalid_client" in err and "wrong-Secret" not in err
    monkeypatch.setenv(SECRET_ENV, logto_server.m2m_app.secret)
    assert main(_args(logto_server, "token", "--resource", "https://elsewhere.test")) == 1
    assert "invalid_target" in capsys.readouterr().err


@pytest.mark.loopback
@pytest.mark.process
def test_serve_with_an_m2m_app_as_a_process(processes: list[Process]) -> None:  # noqa: F811
    secret = "Proc3ss-secret-value"
    server, url = start(processes, "serve", "--port", "0", "--m2m-app", f"backend:{secret}")
    with ManagementClient(url, app_id="backend", app_secret=secret) as client:
        client.call("CreateUser", {"username": "via_process"})
        assert [u["username"] for u in client.paginate("ListUsers")] == ["via_process"]
    token = subprocess.run(
        [sys.executable, "-m", "logto_dynamic._cli", "token", "--base-url", url]
        + ["--app-id", "backend", "--app-secret-env", SECRET_ENV],
        capture_output=True,
        text=True,
        env={**os.environ, SECRET_ENV: secret},
        timeout=60,
    )
    assert token.returncode == 0 and "expires in 3600 s" in token.stdout
    code, log = server.stop(signal.SIGINT)
    assert code == 130 and secret not in log + token.stdout + token.stderr


def test_serve_refuses_a_malformed_m2m_app(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--m2m-app", "no-secret"])
    assert "ID=SECRET" in capsys.readouterr().err
