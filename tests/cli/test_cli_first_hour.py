"""The first hour on the command line (issue 27): values typed by their schema, every
sub-command's ``--help`` complete, and the dead ends a new user met, closed."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from logto_dynamic import load_spec
from logto_dynamic._cli import build_parser, main
from logto_dynamic._cli._values import typed_values
from logto_dynamic.testing import LogtoTestServer

SECRET_ENV = "LOGTO_TEST_M2M_SECRET"


# -- item 1: --query/--path/--header values converted to the parameter's schema type ---------


def test_query_values_become_the_schema_types() -> None:
    spec = load_spec("logto-management-1.42")
    op = spec.operation("ListUsers")
    pairs = [("page", "2"), ("page_size", "50"), ("search", "%ali%")]
    assert typed_values(spec, op, "query", pairs) == {
        "page": 2,
        "page_size": 50,
        "search": "%ali%",  # a free-form name: as given
    }
    # text that does not convert stays text: validation names the parameter and the type
    assert typed_values(spec, op, "query", [("page", "two")]) == {"page": "two"}


def _spec_with(*parameters: dict[str, Any]) -> Any:
    return load_spec(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/api/things/{id}": {
                    "get": {
                        "operationId": "GetThings",
                        "parameters": list(parameters),
                        "responses": {"200": {"description": "ok"}},
                    }
                }
            },
        }
    )


def test_booleans_numbers_and_arrays_are_converted_too() -> None:
    spec = _spec_with(
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
        {"name": "flag", "in": "query", "schema": {"type": "boolean"}},
        {"name": "ratio", "in": "query", "schema": {"type": "number"}},
        {"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "integer"}}},
        {
            "name": "tags",
            "in": "query",
            "explode": False,
            "schema": {"type": "array", "items": {"type": "string"}},
        },
        {"name": "X-Count", "in": "header", "schema": {"type": "integer"}},
    )
    op = spec.operation("GetThings")
    query = [("flag", "true"), ("ratio", "0.5"), ("ids", "1"), ("ids", "2"), ("tags", "a,b")]
    assert typed_values(spec, op, "query", query) == {
        "flag": True,
        "ratio": 0.5,
        "ids": [1, 2],  # exploded: one item per repeated name
        "tags": ["a", "b"],  # not exploded: split at commas
    }
    assert typed_values(spec, op, "path", [("id", "7")]) == {"id": 7}
    assert typed_values(spec, op, "header", [("x-count", "3")]) == {"x-count": 3}


@pytest.mark.loopback
def test_call_sends_integer_query_parameters_in_strict_mode(
    logto_server: LogtoTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The README's ``call ListUsers ... --query page_size=50``, as written."""
    monkeypatch.setenv(SECRET_ENV, logto_server.m2m_app.secret)
    for name in ("ann", "ben", "cat"):
        logto_server.add_user(name, "Hn3&pepper-Vault")
    argv = ["call", "ListUsers", "--base-url", logto_server.base_url]
    argv += ["--app-id", logto_server.m2m_app.id, "--app-secret-env", SECRET_ENV]
    assert main([*argv, "--query", "page=2", "--query", "page_size=2", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["status"] == 200 and answer["headers"]["total-number"] == "3"
    assert len(answer["data"]) == 1  # the second page of two
    assert main([*argv, "--query", "page=two"]) == 1
    assert "query page: expected integer" in capsys.readouterr().err


def test_call_help_says_values_are_converted(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["call", "--help"])
    assert "converted to the parameter's schema type" in " ".join(capsys.readouterr().out.split())


# -- item 7: every sub-command has a description and every option its help ------------------


def _walk(parser: argparse.ArgumentParser, name: str) -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(name, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, child in action.choices.items():
                found += _walk(child, f"{name} {sub}")
    return found


def test_every_subcommand_has_a_description_and_every_option_a_help() -> None:
    commands = _walk(build_parser(), "logto-dynamic")
    assert len(commands) >= 16
    missing = []
    for name, parser in commands:
        if not parser.description:
            missing.append(f"{name}: no description")
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


def test_the_top_level_description_names_more_than_the_experience_api() -> None:
    description = build_parser().description or ""
    for part in ("Experience API", "Management API", "proxy", "embedded"):
        assert part in description


# -- item 7: the dead ends -------------------------------------------------------------------


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _sign_in_args(server: LogtoTestServer, command: str, *argv: str) -> list[str]:
    return [
        command,
        "--base-url",
        server.base_url,
        "--app-id",
        "demo-app",
        "--redirect-uri",
        server.redirect_uri,
        "--password-stdin",
        *argv,
    ]


@pytest.mark.loopback
def test_register_reads_the_code_from_an_environment_variable_when_asked(
    logto_server: LogtoTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    outbox = logto_server.outbox
    deliver = outbox.deliver

    def delivered(to: str, code: str, event: str) -> None:  # the "mail" lands in $CODE
        deliver(to, code, event)
        monkeypatch.setenv("CODE", code)

    monkeypatch.setattr(outbox, "deliver", delivered)
    monkeypatch.delenv("CODE", raising=False)
    _stdin(monkeypatch, "Hn3&pepper-Vault\n")
    argv = _sign_in_args(logto_server, "register", "--username", "erin")
    assert main([*argv, "--email", "erin@example.com", "--code-env", "CODE"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("registered: subject ") and err == ""
    assert logto_server.server.users.find("username", "erin").primary_email == "erin@example.com"


@pytest.mark.loopback
def test_without_a_terminal_register_names_the_ways_to_give_the_code(
    logto_server: LogtoTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _stdin(monkeypatch, "Hn3&pepper-Vault\n")
    argv = _sign_in_args(logto_server, "register", "--username", "fay", "--email", "f@example.com")
    assert main(argv) == 2
    assert "use --code-env VAR or --code-stdin" in capsys.readouterr().err


@pytest.mark.loopback
@pytest.mark.process
def test_register_reads_the_code_from_stdin_once_it_is_sent(
    logto_server: LogtoTestServer,
) -> None:
    import subprocess
    import sys
    import time

    argv = _sign_in_args(logto_server, "register", "--username", "gus", "--code-stdin")
    proc = subprocess.Popen(
        [sys.executable, "-m", "logto_dynamic._cli", *argv, "--email", "gus@example.com"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdin is not None and proc.stderr is not None
        proc.stdin.write("Hn3&pepper-Vault\n")
        proc.stdin.flush()
        assert "reading it from stdin" in proc.stderr.readline()  # the code has been sent
        deadline = time.monotonic() + 30
        code = None
        while code is None and time.monotonic() < deadline:
            try:
                code = logto_server.outbox.last_code("gus@example.com")
            except (KeyError, LookupError):
                time.sleep(0.05)
        assert code is not None
        out, err = proc.communicate(code + "\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert out.startswith("registered: subject ")


@pytest.mark.loopback
def test_login_binds_totp_when_the_policy_requires_it_and_writes_the_secret_0600(
    logto_server: LogtoTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Any,
) -> None:
    import os
    import stat

    logto_server.add_user("hal", "Hn3&pepper-Vault")
    logto_server.set_mfa("Mandatory", ["Totp"])
    _stdin(monkeypatch, "Hn3&pepper-Vault\n")
    argv = _sign_in_args(logto_server, "login", "--username", "hal")
    assert main(argv) == 1  # the dead end this closes
    assert "MfaBindingRequired" in capsys.readouterr().err
    secrets = tmp_path / "hal-mfa.json"
    secrets.write_text("old")  # replaced whole
    _stdin(monkeypatch, "Hn3&pepper-Vault\n")
    argv += ["--bind-mfa", "totp", "--mfa-secrets-output", str(secrets)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out.startswith("signed in: subject ") and "bound Totp" in out and err == ""
    assert stat.S_IMODE(os.stat(secrets).st_mode) == 0o600
    written = json.loads(secrets.read_text())
    user = logto_server.server.users.find("username", "hal")
    assert written["totp_secret"] == user.totp_secret and user.totp_secret
    assert written["totp_secret"] not in out


def test_bind_mfa_without_a_place_for_its_secrets_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["login", "--base-url", "http://127.0.0.1:9", "--app-id", "a", "--redirect-uri", "u"]
    assert main([*argv, "--username", "x", "--bind-mfa", "Totp"]) == 2
    assert "--mfa-secrets-output FILE" in capsys.readouterr().err


@pytest.mark.loopback
def test_userinfo_takes_json_like_its_siblings(
    logto_server: LogtoTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    logto_server.add_user("ida", "Hn3&pepper-Vault")
    tokens = logto_server.sign_in("ida", "Hn3&pepper-Vault")
    monkeypatch.setenv("TOKEN", tokens.access_token)
    argv = ["userinfo", "--base-url", logto_server.base_url, "--token-env", "TOKEN", "--json"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["sub"] == tokens.subject


@pytest.mark.parametrize("separator", ["=", ":"])
def test_serve_pairs_take_both_separators(separator: str) -> None:
    from logto_dynamic.testing.oidc._m2m import parse_m2m_app

    args = build_parser().parse_args(["serve", "--seed-user", f"amy{separator}p:w=d"])
    assert args.seed_user == [("amy", "p:w=d")]
    app = parse_m2m_app(f"backend{separator}s3cret")
    assert (app.id, app.secret) == ("backend", "s3cret")


def test_bench_help_speaks_of_no_issue_numbers() -> None:
    import subprocess
    import sys
    from pathlib import Path

    bench = Path(__file__).resolve().parents[2] / "tools" / "bench.py"
    done = subprocess.run(
        [sys.executable, str(bench), "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "usage" in done.stdout
    assert "issue" not in done.stdout.lower()


# -- item 4: serve arranges resources, roles and organizations --------------------------------


@pytest.mark.loopback
def test_serve_access_options_arrange_what_after_sign_in_needs(
    logto_server: LogtoTestServer,
) -> None:
    from logto_dynamic import Client
    from logto_dynamic._cli._server import arrange_access

    api = "https://api.example.com"
    args = build_parser().parse_args(
        [
            "serve",
            "--resource",
            f"{api}=read:things, write:things",
            "--role",
            "jo=read:things",
            "--organization",
            "acme=jo",
        ]
    )
    assert args.resource == [(api, ("read:things", "write:things"))]
    logto_server.add_user("jo", "Hn3&pepper-Vault")
    arrange_access(logto_server, args)
    scopes = ("openid", "offline_access", "urn:logto:scope:organizations", "read:things")
    with Client(logto_server.base_url) as client:
        tokens = client.interaction(
            "demo-app", logto_server.redirect_uri, scopes=scopes, resources=(api,), prompt="consent"
        ).sign_in("jo", password="Hn3&pepper-Vault")
        for_api = client.refresh_tokens("demo-app", tokens.refresh_token, resource=api)
        org = client.refresh_tokens("demo-app", for_api.refresh_token, organization_id="acme")
    from logto_dynamic._oidc._tokens import Tokens

    assert isinstance(org, Tokens)
    claims = _jwt_claims(for_api.access_token)
    assert claims["aud"] == api and claims["scope"] == "read:things"
    assert _jwt_claims(org.access_token)["aud"] == "urn:logto:organization:acme"


def _jwt_claims(token: str) -> dict[str, Any]:
    import base64

    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_serve_access_options_refuse_an_unknown_user(capsys: pytest.CaptureFixture[str]) -> None:
    from logto_dynamic._cli._server import arrange_access
    from logto_dynamic.testing import ExperienceServer, LogtoTestServer

    args = build_parser().parse_args(["serve", "--role", "nobody=read:things"])
    with pytest.raises(Exception, match="--role: no user 'nobody'"):
        arrange_access(LogtoTestServer(ExperienceServer(), "http://x"), args)
    assert build_parser().parse_args(["serve", "--organization", "acme="]).organization == [
        ("acme", ())
    ]
