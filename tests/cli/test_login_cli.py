"""``logto-dynamic login`` / ``register`` against the embedded server over loopback."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _support.live import PASSWORD, Live, live_server
from joserfc import jwk, jwt

from logto_dynamic._cli import main

JWT_LIKE = re.compile(r"eyJ[\w-]+\.[\w-]+")
RUNNER = [sys.executable, "-m", "logto_dynamic._cli"]


@pytest.fixture
def live() -> Iterator[Live]:
    with live_server(mfa_factors=("Totp", "BackupCode")) as started:
        yield started


def _args(live: Live, *extra: str, command: str = "login") -> list[str]:
    who = ["--username", "alice"] if command == "login" and "--identifier" not in extra else []
    return [
        command,
        "--base-url",
        live.base,
        "--app-id",
        "demo-app",
        "--redirect-uri",
        live.redirect,
        *who,
        *extra,
    ]


def _run(argv: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(argv)


@pytest.mark.loopback
@pytest.mark.process
def test_login_end_to_end_with_the_password_on_stdin(live: Live) -> None:
    user = live.user(mfa_skipped=True)
    done = subprocess.run(
        [*RUNNER, *_args(live, "--password-stdin")],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"signed in: subject {user.id}, username alice, expires ")
    assert not JWT_LIKE.search(done.stdout + done.stderr)
    assert PASSWORD not in done.stdout + done.stderr


@pytest.mark.loopback
def test_login_json_prints_the_verified_token_set(
    live: Live, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user = live.user(mfa_skipped=True)
    assert _run(_args(live, "--password-stdin", "--json"), PASSWORD, monkeypatch) == 0
    tokens = json.loads(capsys.readouterr().out)
    assert {"id_token", "access_token", "refresh_token", "expires_at", "claims"} <= set(tokens)
    assert tokens["claims"]["sub"] == user.id
    keys = jwk.KeySet.import_key_set(live.server.key.jwks())  # type: ignore[arg-type]
    assert jwt.decode(tokens["id_token"], keys, algorithms=["ES384"]).claims["sub"] == user.id


@pytest.mark.loopback
def test_login_output_file_is_private(
    live: Live,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    live.user(mfa_skipped=True)
    target = tmp_path / "tokens.json"
    target.write_text("old")
    os.chmod(target, 0o644)
    assert (
        _run(_args(live, "--password-stdin", "--output", str(target)), PASSWORD, monkeypatch) == 0
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["access_token"]
    out = capsys.readouterr().out
    assert out.startswith("signed in:") and not JWT_LIKE.search(out)


@pytest.mark.loopback
def test_login_with_totp_from_the_environment(
    live: Live, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user = live.user(mfa=True)
    monkeypatch.setenv("ALICE_TOTP", user.totp_secret or "")
    argv = _args(live, "--password-stdin", "--totp-secret-env", "ALICE_TOTP")
    assert _run(argv, PASSWORD, monkeypatch) == 0
    assert user.id in capsys.readouterr().out


@pytest.mark.loopback
def test_login_with_a_backup_code_from_the_environment(
    live: Live, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user = live.user(mfa=True)
    code = user.backup_codes[0]
    monkeypatch.setenv("ALICE_BACKUP", code)
    argv = _args(live, "--password-stdin", "--backup-code-env", "ALICE_BACKUP")
    assert _run(argv, PASSWORD, monkeypatch) == 0
    out, err = capsys.readouterr()
    assert user.id in out and code not in out + err
    assert code not in user.backup_codes  # used: it works once
    assert _run(argv, PASSWORD, monkeypatch) == 1  # the second time, Logto refuses it
    err = capsys.readouterr().err
    assert "session.mfa.invalid_backup_code" in err and code not in err
    monkeypatch.delenv("ALICE_BACKUP")
    assert _run(argv, PASSWORD, monkeypatch) == 2
    assert "--backup-code-env: $ALICE_BACKUP is not set" in capsys.readouterr().err


@pytest.mark.loopback
def test_login_failure_is_one_typed_line(
    live: Live, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    live.user()
    assert _run(_args(live, "--password-stdin"), "Wrong-Passw0rd!", monkeypatch) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "Wrong-Passw0rd" not in err
    assert "UnprocessableEntityError" in err and "session.invalid_credentials" in err


@pytest.mark.loopback
def test_login_mfa_without_a_way_to_answer(
    live: Live, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    live.user(mfa=True)
    assert _run(_args(live, "--password-stdin"), PASSWORD, monkeypatch) == 2
    assert "no terminal" in capsys.readouterr().err


@pytest.mark.loopback
@pytest.mark.parametrize(
    ("extra", "stdin", "message"),
    [((), PASSWORD, "use --password-stdin"), (("--password-stdin",), "", "no password")],
)
def test_login_usage_errors(
    live: Live,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: tuple[str, ...],
    stdin: str,
    message: str,
) -> None:
    assert _run(_args(live, *extra), stdin, monkeypatch) == 2
    assert message in capsys.readouterr().err


def test_login_missing_arguments_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["login", "--app-id", "x", "--username", "a"])  # no --redirect-uri
    assert caught.value.code == 2
    monkeypatch.delenv("LOGTO_DYNAMIC_BASE_URL", raising=False)
    argv = ["login", "--app-id", "x", "--redirect-uri", "y", "--username", "a", "--password-stdin"]
    assert _run(argv, PASSWORD, monkeypatch) == 2
    assert "no server: pass --base-url URL" in capsys.readouterr().err


@pytest.mark.loopback
def test_login_unreachable_server_fails_with_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "login",
        "--base-url",
        "http://127.0.0.1:9",
        "--app-id",
        "demo-app",
        "--redirect-uri",
        "http://127.0.0.1:9/demo-app",
        "--identifier",
        "alice",
        "--password-stdin",
    ]
    assert _run(argv, PASSWORD, monkeypatch) == 1
    assert "ConnectError" in capsys.readouterr().err


@pytest.mark.loopback
def test_register_binds_totp_into_the_output_file(
    live: Live,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    target = tmp_path / "new.json"
    argv = _args(
        live,
        "--username",
        "newbie",
        "--password-stdin",
        "--bind-mfa",
        "Totp",
        "--output",
        str(target),
        command="register",
    )
    assert _run(argv, PASSWORD, monkeypatch) == 0
    saved = json.loads(target.read_text())
    user = live.server.users.find("username", "newbie")
    assert user is not None and saved["totp_secret"] == user.totp_secret
    assert saved["backup_codes"] == user.backup_codes and len(user.backup_codes) > 2
    out = capsys.readouterr().out
    assert "registered:" in out and user.totp_secret not in out
    assert _run(argv[:-4] + ["--bind-mfa", "Totp"], PASSWORD, monkeypatch) == 2


@pytest.mark.loopback
def test_login_prompts_for_the_password_and_an_mfa_code_on_a_terminal(
    live: Live, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user = live.user(mfa=True)
    asked: list[str] = []

    def fake_getpass(prompt: str) -> str:
        asked.append(prompt)
        return PASSWORD if prompt.startswith("password") else user.backup_codes[0]

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    argv = _args(live, "--identifier", "alice")
    tty = io.StringIO()
    tty.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", tty)
    assert main(argv) == 0
    assert asked == ["password: ", "MFA code (Totp or BackupCode): "]
    out = capsys.readouterr().out
    assert user.id in out and user.backup_codes == ["f6a7b8c9d0"]


@pytest.mark.loopback
def test_register_prompts_for_the_email_code(
    live: Live, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        "builtins.input", lambda prompt: live.server.outbox.last_code("new@example.com")
    )
    argv = _args(
        live,
        "--username",
        "mailed",
        "--email",
        "new@example.com",
        "--password-stdin",
        command="register",
    )
    stdin = io.StringIO(PASSWORD + "\n")
    stdin.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(argv) == 0
    user = live.server.users.find("email", "new@example.com")
    assert user is not None and user.username == "mailed"
    assert "registered:" in capsys.readouterr().out


@pytest.mark.loopback
def test_login_with_a_bad_spec_is_a_usage_error(
    live: Live,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    argv = _args(live, "--password-stdin", "--spec", str(tmp_path / "missing.yaml"))
    assert _run(argv, PASSWORD, monkeypatch) == 2
    assert "missing.yaml" in capsys.readouterr().err
    live.user(mfa_skipped=True)
    assert _run(_args(live, "--password-stdin", "--spec", "bundled"), PASSWORD, monkeypatch) == 0
