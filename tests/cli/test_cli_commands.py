"""The command line's shared conventions: --version, --spec in every command, exit codes,
errors on stderr; ``ops``, ``describe`` and ``spec normalize`` output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openapi_core
import pytest
import yaml

from logto_dynamic import __version__, load_spec
from logto_dynamic._cli import main
from logto_dynamic._document._load import bundled_spec_path

Capture = pytest.CaptureFixture[str]

LOGTO_DIALECT = {
    "openapi": "3.0.1",
    "info": {"title": "published", "version": "1.42.0"},
    "paths": {
        "/things": {
            "post": {
                "operationId": "MakeThing",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"kind": {"type": "string", "format": '"thing"'}},
                            }
                        }
                    }
                },
                "responses": {"204": {"description": "No Content"}, "400": {"description": "Bad"}},
            }
        }
    },
}


def test_version(capsys: Capture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"logto-dynamic {__version__}\n"


def test_no_command_prints_help_on_stderr(capsys: Capture) -> None:
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "COMMAND" in err
    assert main(["spec"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "normalize" in err


def bad_spec_commands(tmp_path: Path) -> dict[str, list[str]]:
    """Every command that takes a document, given one that cannot be read."""
    bad = str(tmp_path / "missing.yaml")
    har = tmp_path / "empty.har"
    har.write_text(json.dumps({"log": {"entries": []}}))
    return {
        "ops": ["ops", "--spec", bad],
        "describe": ["describe", "IdentifyUser", "--spec", bad],
        "call": ["call", "IdentifyUser", "{}", "--base-url", "http://127.0.0.1:9", "--spec", bad],
        "proxy": ["proxy", "--upstream", "http://127.0.0.1:9", "--port", "0", "--spec", bad],
        "har": ["har", str(har), "--spec", bad],
        "spec diff": ["spec", "diff", "bundled", bad],
        "spec drift": ["spec", "drift", "--server", "http://127.0.0.1:9"],
        "spec lint": ["spec", "lint", bad],
        "spec normalize": ["spec", "normalize", bad],
    }


@pytest.mark.loopback
def test_a_bad_spec_exits_2_with_one_line_on_stderr(tmp_path: Path, capsys: Capture) -> None:
    for name, argv in bad_spec_commands(tmp_path).items():
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 2, name
        assert out == "" or name == "spec drift", (name, out)
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"logto-dynamic {name}: error: "), err
        assert "Traceback" not in err


def test_a_document_that_is_not_openapi_3_exits_2(tmp_path: Path, capsys: Capture) -> None:
    swagger = tmp_path / "swagger.json"
    swagger.write_text(json.dumps({"swagger": "2.0", "paths": {}}))
    assert main(["ops", "--spec", str(swagger)]) == 2
    assert "only OpenAPI 3.0 and 3.1" in capsys.readouterr().err


def test_bundled_path_and_url_are_accepted_everywhere(capsys: Capture) -> None:
    path = str(bundled_spec_path())
    assert main(["ops", "--spec", "bundled"]) == 0
    bundled = capsys.readouterr().out
    assert main(["ops", "--spec", path]) == 0
    assert capsys.readouterr().out == bundled
    assert main(["ops"]) == 0
    assert capsys.readouterr().out == bundled
    assert "1.42.0" in bundled.splitlines()[0] and "37 operations" in bundled.splitlines()[0]
    # the named documents, everywhere a document is taken
    assert main(["ops", "--spec", "logto-1.22"]) == 0
    assert "1.22.0" in (old := capsys.readouterr().out) and "25 operations" in old
    assert main(["ops", "--spec", "logto-1.42"]) == 0
    assert capsys.readouterr().out == bundled
    assert main(["ops", "--spec", "logto-management-1.42"]) == 0
    assert "284 operations" in capsys.readouterr().out.splitlines()[0]
    assert main(["spec", "diff", "logto-1.22", "logto-1.42", "--json"]) in (0, 1)
    added = json.loads(capsys.readouterr().out)
    assert "GetInteraction" in json.dumps(added)
    assert main(["ops", "--spec", "logto-9.99"]) == 2  # a path that does not exist
    assert main(["describe", "identify_user", "--spec", "bundled", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["path"] == "/api/experience/identification"
    assert main(["spec", "lint", "bundled"]) == 0
    assert main(["spec", "lint", path, "--json"]) == 0


def test_describe_an_unknown_operation_is_a_usage_error(capsys: Capture) -> None:
    assert main(["describe", "identifyuserr"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "logto-dynamic describe: error: unknown operation 'identifyuserr'; "
        "did you mean IdentifyUser?\n"
    )


def test_spec_normalize_json_and_yaml(tmp_path: Path, capsys: Capture) -> None:
    source = tmp_path / "published.json"
    source.write_text(json.dumps(LOGTO_DIALECT))
    expected = json.loads(json.dumps(load_spec(source).document))
    kind = expected["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]
    assert kind["schema"]["properties"]["kind"] == {"type": "string", "enum": ["thing"]}

    assert main(["spec", "normalize", str(source)]) == 0  # stdout: the document, nothing else
    out, err = capsys.readouterr()
    assert (json.loads(out), err) == (expected, "")

    for name in ("out.json", "out.yaml", "sub/out.yml"):
        target = tmp_path / name
        assert main(["spec", "normalize", str(source), "-o", str(target)]) == 0
        report = capsys.readouterr().out
        assert f"wrote {target}" in report and "literal-format" in report
        text = target.read_text()
        assert (json.loads(text) if name.endswith(".json") else yaml.safe_load(text)) == expected
        if not name.endswith(".json"):
            assert not text.lstrip().startswith("{")  # block YAML, not JSON

    # The normalised file is the same document for load_spec, and a plain one for openapi-core.
    assert load_spec(tmp_path / "out.yaml", normalize=False).document == expected
    openapi_core.OpenAPI.from_file_path(str(tmp_path / "out.json"))
    bundled = tmp_path / "bundled.json"
    assert main(["spec", "normalize", "bundled", "-o", str(bundled)]) == 0
    assert json.loads(bundled.read_text())["info"]["title"] == load_spec().title


def test_spec_normalize_to_an_unwritable_place(tmp_path: Path, capsys: Capture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["spec", "normalize", "bundled", "-o", str(blocker / "x.json")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("logto-dynamic spec normalize: error: cannot write")


@pytest.mark.process
def test_the_console_entry_point_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "logto_dynamic._cli", "describe", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("logto-dynamic describe: error: unknown operation 'nope'")


def test_har_output_never_repeats_a_secret(tmp_path: Path, capsys: Capture) -> None:
    """A recorded password that fails its pattern (a violation that would quote it), and a
    secret token in a response that fails its type: neither appears in ``har`` output."""
    from _support import CANARY, ECHO_SPEC, TOKEN

    spec = tmp_path / "echo.json"
    spec.write_text(json.dumps(ECHO_SPEC))
    entries = [
        {
            "request": {
                "method": "POST",
                "url": "http://127.0.0.1:1/things/1",
                "headers": [],
                "postData": {
                    "mimeType": "application/json",
                    "text": json.dumps({"password": CANARY}),
                },
            },
            "response": {
                "status": 200,
                "headers": [{"name": "Content-Type", "value": "application/json"}],
                "content": {"mimeType": "application/json", "text": json.dumps({"token": [TOKEN]})},
            },
        }
    ]
    recording = tmp_path / "flow.har"
    recording.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    for extra in ((), ("--json",)):
        assert main(["har", str(recording), "--spec", str(spec), *extra]) == 1
        out, err = capsys.readouterr()
        assert "$.password" in out and "$.token" in out, out
        assert CANARY not in out + err and TOKEN not in out + err


@pytest.mark.process
def test_the_parser_loads_nothing_heavy() -> None:
    """uvicorn, the validators, the proxy and the embedded server load when a command runs."""
    heavy = [
        "uvicorn",
        "openapi_spec_validator",
        "openapi_core",
        "logto_dynamic._proxy",
        "logto_dynamic.testing",
        "logto_dynamic._cli._redact",
    ]
    script = (
        "import sys; from logto_dynamic._cli import build_parser; build_parser(); "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr
