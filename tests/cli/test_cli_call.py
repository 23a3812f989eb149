"""``logto-dynamic call`` over real HTTP on 127.0.0.1: one cookie jar across invocations,
every exit code, the stdout/stderr split, and secrets kept out of every output."""

from __future__ import annotations

import http.cookiejar
import io
import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _support import CANARY, ECHO_SPEC, SEED_USER, TOKEN, echo_app, seed_jar

from logto_dynamic._cli import main
from logto_dynamic.testing import ExperienceServer, SignInExperience, serve_app

Capture = pytest.CaptureFixture[str]


@pytest.fixture(scope="module")
def logto() -> Iterator[str]:
    with serve_app(ExperienceServer(SignInExperience(seed_users=(SEED_USER,)))) as url:
        yield url


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(["call", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.loopback
def test_an_interaction_across_invocations_with_one_cookie_jar(
    logto: str, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    jar = tmp_path / "cookies.txt"
    assert seed_jar(logto, jar) == 6
    monkeypatch.setenv("LOGTO_DYNAMIC_BASE_URL", logto)
    opts = ("--cookie-jar", str(jar))

    assert run(capsys, "InitInteraction", '{"interactionEvent": "SignIn"}', *opts) == (0, "", "")
    body = tmp_path / "verify.json"
    body.write_text(
        json.dumps(
            {"identifier": {"type": "username", "value": SEED_USER[0]}, "password": SEED_USER[1]}
        )
    )
    code, out, err = run(capsys, "create_password_verification", f"@{body}", *opts)
    assert (code, err) == (0, "")
    verification_id = json.loads(out)["verificationId"]
    assert out.startswith("{\n  ")  # pretty JSON

    # A wrong password in the same interaction: Logto's error, its code shown, exit 1.
    wrong = json.dumps(
        {
            "identifier": {"type": "username", "value": SEED_USER[0]},
            "password": "not-" + SEED_USER[1],
        }
    )
    code, out, err = run(capsys, "CreatePasswordVerification", wrong, *opts)
    assert (code, out) == (1, "") and err.count("\n") == 1
    assert err.startswith(
        "logto-dynamic call: error: CreatePasswordVerification failed with "
        "HTTP 422 session.invalid_credentials: "
    )
    assert SEED_USER[1] not in err

    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps({"verificationId": verification_id})))
    assert run(capsys, "IdentifyUser", "-", *opts) == (0, "", "")  # 204: nothing printed
    code, out, err = run(capsys, "SubmitInteraction", "--json", *opts)
    assert (code, err) == (0, "")
    answer = json.loads(out)
    assert answer["status"] == 200 and answer["violations"] == [] and answer["error"] is None
    assert answer["data"]["redirectTo"].startswith(logto + "/oidc/auth/")
    assert stat.S_IMODE(os.stat(jar).st_mode) == 0o600


@pytest.mark.loopback
def test_without_the_jar_there_is_no_interaction(logto: str, capsys: Capture) -> None:
    code, out, err = run(
        capsys, "InitInteraction", '{"interactionEvent": "SignIn"}', "--base-url", logto, "--json"
    )
    assert code == 1
    answer = json.loads(out)
    assert answer["status"] == 400 and answer["data"]["code"] == "session.not_found"
    assert "HTTP 400 session.not_found" in err and "Traceback" not in err
    assert "hint: no interaction: start one with the OIDC authorization request" in err


@pytest.mark.loopback
def test_error_lines_carry_logtos_data(logto: str, tmp_path: Path, capsys: Capture) -> None:
    jar = tmp_path / "jar.txt"
    assert seed_jar(logto, jar) == 6
    common = ("--base-url", logto, "--cookie-jar", str(jar))
    assert run(capsys, "InitInteraction", '{"interactionEvent": "Register"}', *common)[0] == 0
    profile = '{"type": "username", "value": "weakling"}'
    assert run(capsys, "AddUserProfile", profile, *common)[0] == 0
    code, out, err = run(capsys, "AddUserProfile", '{"type": "password", "value": "1234"}', *common)
    assert (code, out) == (1, "")
    assert "HTTP 422 password.rejected" in err and err.count("\n") == 1
    assert "[password_rejected.too_short (min: 8); password_rejected.restricted.sequence]" in err
    assert "1234" not in err  # the password itself stays out


def test_compact_data_shapes() -> None:
    from logto_dynamic._cli._api_errors import compact_data

    issues = {"issues": [{"code": "invalid_enum_value", "path": ["identifier", "type"]}]}
    assert compact_data(issues) == "identifier.type: invalid_enum_value"
    factors = {"availableFactors": ["Totp", "BackupCode"], "skippable": False}
    assert compact_data(factors) == "availableFactors: Totp, BackupCode, skippable: False"
    assert compact_data(None) == "" and compact_data("text") == ""
    assert compact_data([{"code": "x" * 400}]).endswith("...")


@pytest.mark.loopback
def test_jar_is_created_0600_and_cookie_values_never_printed(
    logto: str, tmp_path: Path, capsys: Capture
) -> None:
    jar = tmp_path / "new" / "jar.txt"
    jar.parent.mkdir()
    old = os.umask(0)  # even a permissive umask gives a private file
    try:
        assert seed_jar(logto, jar) == 6
        os.chmod(jar, 0o644)  # a jar someone left readable is replaced by a private one
        code, out, err = run(
            capsys,
            "InitInteraction",
            '{"interactionEvent": "Register"}',
            "--base-url",
            logto,
            "--cookie-jar",
            str(jar),
            "--json",
        )
    finally:
        os.umask(old)
    assert code == 0 and err == ""
    assert stat.S_IMODE(os.stat(jar).st_mode) == 0o600
    assert [p.name for p in jar.parent.iterdir()] == ["jar.txt"]  # no temporary file left
    values = [c.value for c in _load(jar)]
    assert len(values) == 6 and all(v and v not in out for v in values)


def _load(path: Path) -> http.cookiejar.MozillaCookieJar:
    jar = http.cookiejar.MozillaCookieJar(str(path))
    jar.load(ignore_discard=True, ignore_expires=True)
    return jar


def test_usage_errors_exit_2(
    tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOGTO_DYNAMIC_BASE_URL", raising=False)
    url = ("--base-url", "http://127.0.0.1:9")
    cases: list[tuple[list[str], str]] = [
        (["identifyuserr", *url], "unknown operation 'identifyuserr'; did you mean IdentifyUser?"),
        (["IdentifyUser", '{"verificationId": ', *url], "BODY is not valid JSON: Expecting value"),
        (["IdentifyUser", f"@{tmp_path / 'missing.json'}", *url], "cannot read BODY file"),
        (
            ["IdentifyUser", "{}", "--spec", str(tmp_path / "missing.yaml"), *url],
            "cannot read OpenAPI document",
        ),
        (["IdentifyUser", "{}"], "no server: pass --base-url URL or set LOGTO_DYNAMIC_BASE_URL"),
        (
            ["IdentifyUser", "{}", "--base-url", "127.0.0.1:3001"],
            "the base URL must be an http(s) URL, not '127.0.0.1:3001'",
        ),
        (
            ["CreateSocialVerification", "{}", "--path", "conectorId=x", *url],
            "--path conectorId: CreateSocialVerification has no such path parameter "
            "(did you mean connectorId? it has: connectorId)",
        ),
        (
            ["GetEnabledSsoConnectors", "--query", "emial=a@example.com", *url],
            "--query emial: GetEnabledSsoConnectors has no such query parameter "
            "(did you mean email? it has: email)",
        ),
        (
            ["IdentifyUser", "{}", "--query", "x=1", *url],
            "--query x: IdentifyUser has no such query parameter (it has: none)",
        ),
    ]
    for argv, message in cases:
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert message in err and err.count("\n") == 1, err
    bad_jar = tmp_path / "jar.txt"
    bad_jar.write_text("not a cookie file: _interaction=s3cr3t-cookie-value\n")
    code, out, err = run(capsys, "InitInteraction", "{}", *url, "--cookie-jar", str(bad_jar))
    assert code == 2 and "cannot read cookie jar" in err and "s3cr3t" not in err
    with pytest.raises(SystemExit) as exit_:
        main(["call", "IdentifyUser", "--query", "no-equals-sign"])
    assert exit_.value.code == 2 and "NAME=VALUE" in capsys.readouterr().err


@pytest.mark.loopback
def test_refused_request_and_transport_error_exit_1(capsys: Capture, tmp_path: Path) -> None:
    jar = tmp_path / "jar.txt"
    code, out, err = run(
        capsys,
        "CreatePasswordVerification",
        '{"identifier": {}}',
        "--base-url",
        "http://127.0.0.1:9",
        "--cookie-jar",
        str(jar),
    )
    assert code == 1 and out == ""
    assert err.startswith(
        "logto-dynamic call: error: request not sent: "
        "CreatePasswordVerification: invalid request: body $.identifier"
    )
    assert stat.S_IMODE(os.stat(jar).st_mode) == 0o600  # written, even empty

    code, out, err = run(
        capsys,
        "IdentifyUser",
        '{"verificationId": "v"}',
        "--base-url",
        "http://127.0.0.1:9",
        "--json",
    )
    assert code == 1
    assert json.loads(out) == {
        "status": None,
        "headers": {},
        "data": None,
        "violations": [],
        "error": json.loads(out)["error"],
    }
    assert "could not connect" in err and "Traceback" not in err


# -- a server of our own: parameters reach it, and it echoes secrets back ---------------------


@pytest.fixture(scope="module")
def echo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    spec = tmp_path_factory.mktemp("spec") / "echo.json"
    spec.write_text(json.dumps(ECHO_SPEC))
    with serve_app(echo_app) as url:
        yield url, str(spec)


@pytest.mark.loopback
def test_parameters_reach_the_server_and_secret_fields_are_redacted(
    echo: tuple[str, str], capsys: Capture
) -> None:
    url, spec = echo
    argv = (
        "SetPassword",
        '{"password": "letmein"}',
        "--base-url",
        url,
        "--spec",
        spec,
        "--path",
        "id=a b",
        "--query",
        "tag=x",
        "--query",
        "tag=y",
        "--header",
        "x-trace=t1",
    )
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data == {
        "token": "<redacted>",
        "seen": {"path": "/things/a b", "query": "tag=x&tag=y", "trace": "t1"},
    }

    code, out, err = run(capsys, *argv, "--json")
    answer = json.loads(out)
    assert answer["data"]["token"] == "<redacted>" and TOKEN not in out
    assert answer["headers"]["set-cookie"] == "sid=<redacted>"

    code, out, err = run(capsys, *argv, "--show-secrets")
    assert code == 0 and json.loads(out)["token"] == TOKEN  # asked for, on stdout only


@pytest.mark.loopback
@pytest.mark.parametrize("validate", ["strict", "warn", "off"])
def test_redaction_canary_in_every_call_output(
    echo: tuple[str, str], capsys: Capture, validate: str
) -> None:
    """The password fails its pattern; the violation and the server's error would both repeat
    it. It appears in no output: stdout, stderr (logs included), --json."""
    url, spec = echo
    for extra in ((), ("--json",), ("-v",)):
        code, out, err = run(
            capsys,
            "SetPassword",
            json.dumps({"password": CANARY}),
            "--base-url",
            url,
            "--spec",
            spec,
            "--path",
            "id=1",
            "--validate",
            validate,
            *extra,
        )
        assert code == 1, (validate, extra)
        assert CANARY not in out and CANARY not in err, (validate, extra, out, err)
        assert err.count("logto-dynamic call: error:") == 1
        if validate == "strict":
            assert "request not sent" in err and "does not match the pattern" in err
        else:  # sent: the server refused it and said so, with the value blanked
            assert "HTTP 400 password.rejected: password '<redacted>' is too weak" in err
        if validate == "warn" and extra == ("-v",):
            assert "request violation" in err  # the warning was logged, scrubbed
        if extra == ("--json",):
            violations = json.loads(out)["violations"]
            assert validate == "off" or violations[0]["path"] == "$.password"


def test_query_names_of_an_exploded_object_parameter() -> None:
    from logto_dynamic import Spec
    from logto_dynamic._cli._call import _names

    def op(schema: dict[str, object]) -> Any:
        document = {
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/x": {
                    "get": {
                        "operationId": "GetX",
                        "parameters": [
                            {"name": "page", "in": "query", "schema": {"type": "integer"}},
                            {"name": "filter", "in": "query", "schema": schema},
                        ],
                        "responses": {"204": {"description": "none"}},
                    }
                }
            },
        }
        return Spec.from_dict(document).operation("GetX")

    closed = {"type": "object", "properties": {"a": {}, "b": {}}, "additionalProperties": False}
    assert _names(op(closed), "query") == ["a", "b", "page"]  # the object's, not "filter"
    assert _names(op({"type": "object"}), "query") is None  # any name goes
    assert _names(op({"type": "string"}), "query") == ["filter", "page"]
