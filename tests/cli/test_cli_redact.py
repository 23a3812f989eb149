"""What ``call`` redacts, on the bundled document; and the CLI's remaining failure paths."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from logto_dynamic import load_spec
from logto_dynamic._cli import main
from logto_dynamic._cli._redact import Scrubber, redact_data, redact_headers, secret_strings

Capture = pytest.CaptureFixture[str]


def response_schema(operation: str, status: str) -> object:
    op = load_spec().operation(operation)
    return op.responses[status].content["application/json"]["schema"]


def test_secret_fields_of_answers_are_redacted() -> None:
    document = load_spec().document
    totp = {"verificationId": "v1", "secret": "JBSWY3DPEHPK3PXP", "secretQrCode": "data:..."}
    assert redact_data(document, response_schema("CreateTotpSecret", "200"), totp) == {
        "verificationId": "v1",
        "secret": "<redacted>",
        "secretQrCode": "<redacted>",
    }
    codes = {"verificationId": "v2", "codes": ["aaaa-1111", "bbbb-2222"]}
    assert redact_data(document, response_schema("GenerateBackupCodes", "200"), codes) == {
        "verificationId": "v2",
        "codes": "<redacted>",
    }
    assert redact_data(document, None, totp) == totp  # no schema: nothing known, unchanged


def test_secret_values_of_requests_are_found_through_refs_and_allof() -> None:
    spec = load_spec()
    op = spec.operation("VerifySocialVerification")
    body = {
        "connectorData": {"code": "c0de-from-provider", "nested": {"n": 123456}},
        "verificationId": "visible-id",
    }
    found = secret_strings(spec.document, op.request_schema, body)
    assert found == {"c0de-from-provider", "123456"}
    scrub = Scrubber(found | {"ab"})  # too short to scrub safely: left alone
    assert scrub("x c0de-from-provider y 123456 ab") == "x <redacted> y <redacted> ab"
    assert scrub('{"v": "c0de-from-provider"}') == '{"v": "<redacted>"}'

    record = logging.LogRecord("t", logging.WARNING, __file__, 1, "got %s", ("123456",), None)
    assert scrub.filter(record) and record.getMessage() == "got <redacted>"


def test_cookie_and_auth_headers_are_redacted() -> None:
    headers = httpx.Headers(
        [
            ("set-cookie", "_interaction=abc; path=/"),
            ("set-cookie", "_interaction.sig=def; path=/"),
            ("authorization", "Bearer t0ken"),
            ("content-type", "text/plain"),
        ]
    )
    assert redact_headers(headers) == {
        "set-cookie": ["_interaction=<redacted>", "_interaction.sig=<redacted>"],
        "authorization": "<redacted>",
        "content-type": "text/plain",
    }


@pytest.mark.loopback
def test_a_cookie_jar_that_cannot_be_written_fails_the_call(
    tmp_path: Path, capsys: Capture
) -> None:
    jar = tmp_path / "no-such-folder" / "jar.txt"
    code = main(
        [
            "call",
            "IdentifyUser",
            '{"verificationId": "v"}',
            "--base-url",
            "http://127.0.0.1:9",
            "--cookie-jar",
            str(jar),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "could not connect" in err and "cannot write cookie jar" in err


def test_proxy_arguments_are_checked_before_anything_listens(capsys: Capture) -> None:
    argv = ["proxy", "--upstream", "http://127.0.0.1:9"]
    assert main([*argv, "--listen", "no-port"]) == 2
    assert "--listen must be HOST:PORT, not 'no-port'" in capsys.readouterr().err
    assert main(["proxy", "--upstream", "ftp://127.0.0.1:9", "--port", "0"]) == 2
    assert "upstream must be an http(s) URL" in capsys.readouterr().err
