"""Issue 26.9: secrets on the command line. No parser takes abbreviations, so
``--app-secret SECRET`` is never read as ``--app-secret-env``, and no error repeats a value
that may be a secret; ``serve`` takes its secrets from the environment or a file (not
visible in ``ps``); ``token --output`` replaces a link instead of writing through it."""

from __future__ import annotations

import argparse
import contextlib
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
from logto_dynamic._cli import build_parser

SECRET = "Sup3r-secret-VALUE-77"


def _cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "logto_dynamic._cli", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _parsers(sub)
    return found


def test_no_parser_takes_abbreviations() -> None:
    parsers = _parsers(build_parser())
    for parser in parsers:  # a parse sets the types of the --*-env options
        with contextlib.suppress(SystemExit):  # (required options missing: fine here)
            parser.parse_known_args([])
    assert len(parsers) > 10  # every command, and spec's sub-commands
    assert [p.prog for p in parsers if p.allow_abbrev] == []
    env_options = [
        a for p in parsers for a in p._actions if any(o.endswith("-env") for o in a.option_strings)
    ]
    assert len(env_options) >= 7 and all(a.type is not None for a in env_options)


@pytest.mark.process
@pytest.mark.parametrize(
    "argv",
    [
        ["--app-secret", SECRET],
        [f"--app-secret={SECRET}"],
        ["--app-secret-env", SECRET + "!"],
        ["--app-secret-env", f"not a name {SECRET}"],
        ["--app-secr", SECRET],
    ],
)
def test_token_never_echoes_a_secret_given_on_argv(argv: list[str]) -> None:
    done = _cli("token", "--base-url", "http://127.0.0.1:9", "--app-id", "backend", *argv)
    assert done.returncode == 2
    assert SECRET not in done.stdout + done.stderr
    assert "--app-secr" in done.stderr or "environment variable" in done.stderr


@pytest.mark.process
def test_login_env_options_never_echo_their_value() -> None:
    done = _cli(
        "login",
        "--base-url",
        "http://127.0.0.1:9",
        "--username",
        "ann",
        "--totp-secret-env",
        "JBSWY3DPEHPK3PXP=",
    )
    assert done.returncode == 2 and "JBSWY3DPEHPK3PXP" not in done.stderr
    assert "--totp-secret-env" in done.stderr


@pytest.mark.loopback
@pytest.mark.process
def test_serve_takes_its_secrets_from_the_environment_and_a_file(
    processes: list[Process],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secrets = tmp_path / "secrets"
    secrets.write_text(
        "# secrets of the test server\nseed-user filed_user:Fi1ed-Pa55word\n"
        "m2m-app filed-app:Fi1ed-app-secret\n"
    )
    monkeypatch.setenv("TEST_SEED", "env_user:Env-Pa55word-9")
    monkeypatch.setenv("TEST_M2M", f"env-app:{SECRET}")
    server, url = start(
        processes,
        "serve",
        "--port",
        "0",
        "--seed-user-env",
        "TEST_SEED",
        "--m2m-app-env",
        "TEST_M2M",
        "--secrets-file",
        str(secrets),
    )
    assert SECRET not in " ".join(server.proc.args)  # what ps shows
    with ManagementClient(url, app_id="env-app", app_secret=SECRET) as client:
        names = sorted(u["username"] for u in client.paginate("ListUsers"))
    assert names == ["env_user", "filed_user"]
    with ManagementClient(url, app_id="filed-app", app_secret="Fi1ed-app-secret") as client:
        assert client.call("ListUsers").status_code == 200
    code, log = server.stop(signal.SIGINT)
    assert SECRET not in log and "Fi1ed" not in log


@pytest.mark.process
@pytest.mark.parametrize(
    ("env", "lines", "message"),
    [
        ({"TEST_M2M": ""}, "", "$TEST_M2M is not set"),
        ({"TEST_M2M": f"no-colon-{SECRET}"}, "", "not ID=SECRET"),
        ({}, f"m2m-app no-colon-{SECRET}\n", "not ID=SECRET"),
        ({}, f"password {SECRET}\n", "line 1"),
    ],
)
def test_serve_refuses_a_bad_secret_without_repeating_it(
    tmp_path: Path, env: dict[str, str], lines: str, message: str
) -> None:
    argv = ["serve", "--port", "0"]
    if env:
        argv += ["--m2m-app-env", "TEST_M2M"]
    if lines:
        (tmp_path / "s").write_text(lines)
        argv += ["--secrets-file", str(tmp_path / "s")]
    done = _cli(*argv, env=env)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert SECRET not in done.stderr + done.stdout


@pytest.mark.loopback
@pytest.mark.process
def test_token_output_replaces_a_link_and_never_writes_through_it(
    processes: list[Process],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_M2M", f"backend:{SECRET}")
    server, url = start(processes, "serve", "--port", "0", "--m2m-app-env", "TEST_M2M")
    victim = tmp_path / "victim.txt"
    victim.write_text("do not overwrite\n")
    link = tmp_path / "token.json"
    link.symlink_to(victim)
    done = _cli(
        "token",
        "--base-url",
        url,
        "--app-id",
        "backend",
        "--app-secret-env",
        "TEST_SECRET",
        "--output",
        str(link),
        env={"TEST_SECRET": SECRET},
    )
    server.stop(signal.SIGINT)
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "do not overwrite\n"
    assert not link.is_symlink()
    assert stat.S_IMODE(link.stat().st_mode) == 0o600
    assert json.loads(link.read_text())["token_type"] == "Bearer"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no leftovers
