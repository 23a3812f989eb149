"""``serve --app-secret``, ``login --client-secret-env`` and ``userinfo --token-env`` as real
processes over loopback: a confidential app signs in from the shell, and no secret or token
shows up in any output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from _support import SEED_USER
from test_cli_processes import Process, start

from logto_dynamic._cli import main

SECRET = "Web-App-Secret-4711"
RUNNER = [sys.executable, "-m", "logto_dynamic._cli"]


@pytest.fixture
def server_url() -> Iterator[str]:
    processes: list[Process] = []
    try:
        _, url = start(
            processes,
            "serve",
            "--port",
            "0",
            "--seed-user",
            f"{SEED_USER[0]}:{SEED_USER[1]}",
            "--app",
            "web=/web/cb",
            "--app-secret",
            f"web={SECRET}",
        )
        yield url
    finally:
        for proc in processes:
            code, log = proc.stop()
            assert SECRET not in log


def run(argv: list[str], stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RUNNER, *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


def login(url: str, *extra: str) -> list[str]:
    return [
        "login",
        "--base-url",
        url,
        "--app-id",
        "web",
        "--redirect-uri",
        f"{url}/web/cb",
        "--username",
        SEED_USER[0],
        "--password-stdin",
        *extra,
    ]


@pytest.mark.process
def test_a_confidential_app_logs_in_and_reads_userinfo(server_url: str) -> None:
    password = SEED_USER[1] + "\n"
    wrong = run(login(server_url, "--client-secret-env", "WEB_SECRET"), password, WEB_SECRET="no")
    assert wrong.returncode == 1 and "invalid_client" in wrong.stderr
    missing = run(login(server_url), password)  # no secret for a confidential app
    assert missing.returncode == 1 and "invalid_client" in missing.stderr
    done = run(
        login(server_url, "--client-secret-env", "WEB_SECRET", "--json"),
        password,
        WEB_SECRET=SECRET,
    )
    assert done.returncode == 0, done.stderr
    tokens = json.loads(done.stdout)
    assert tokens["claims"]["aud"] == "web"
    assert SECRET not in done.stdout + done.stderr + wrong.stderr
    info = run(
        ["userinfo", "--base-url", server_url, "--token-env", "TOKEN"],
        TOKEN=tokens["access_token"],
    )
    assert info.returncode == 0, info.stderr
    claims = json.loads(info.stdout)
    assert claims["sub"] == tokens["claims"]["sub"] and claims["username"] == SEED_USER[0]
    assert tokens["access_token"] not in info.stdout + info.stderr
    refused = run(
        ["userinfo", "--base-url", server_url, "--token-env", "TOKEN"], TOKEN="forged-token"
    )
    assert refused.returncode == 1 and "invalid_token" in refused.stderr
    assert "forged-token" not in refused.stdout + refused.stderr


def test_missing_environment_variables_are_usage_errors(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    argv = ["userinfo", "--base-url", "http://127.0.0.1:9", "--token-env", "NOT_SET_ANYWHERE"]
    assert main(argv) == 2
    assert "$NOT_SET_ANYWHERE is not set" in capsys.readouterr().err
    login_argv = [*login("http://127.0.0.1:9", "--client-secret-env", "NOT_SET_ANYWHERE")]
    assert main(login_argv) == 2
    assert "--client-secret-env" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad:
        main(["serve", "--app-secret", "no-equals-sign"])
    assert bad.value.code == 2
    assert main(["serve", "--port", "0", "--app-secret", "ghost=x"]) == 2
    assert "no --app registers" in capsys.readouterr().err
