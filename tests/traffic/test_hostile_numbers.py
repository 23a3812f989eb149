"""Issue 26.2: a JSON number of more than 4,300 digits (Python's integer-digit limit), NaN,
Infinity and deep nesting are a verdict or the package's typed error wherever JSON is read:
``TrafficValidator``, ``Client.call``, HAR files (and ``logto-dynamic har`` as a process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from logto_dynamic import Client, ResponseValidationError, TrafficValidator
from logto_dynamic._exceptions import HarError
from logto_dynamic._traffic._har import validate_har

PASSWORD = "/api/experience/verification/password"
HUGE = "9" * 5000
JSON_CT = {"content-type": "application/json"}
BAD_TEXTS = [
    ('{"verificationId": ' + HUGE + "}", "more than 4300 digits"),
    ('{"verificationId": NaN}', "NaN is not a JSON number"),
    ('{"verificationId": -Infinity}', "-Infinity is not a JSON number"),
]


@pytest.mark.parametrize(("text", "why"), BAD_TEXTS)
def test_the_traffic_validator_gives_a_verdict(text: str, why: str) -> None:
    v = TrafficValidator()
    request = v.validate_request("POST", PASSWORD, JSON_CT, text.encode())
    assert not request.ok and why in request.violations[0].message
    answer = v.validate_response(("POST", PASSWORD), 200, JSON_CT, text.encode())
    assert not answer.ok and why in answer.violations[0].message


@pytest.mark.parametrize(("text", "why"), BAD_TEXTS)
def test_client_call_raises_the_typed_error(text: str, why: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=text.encode(), headers=JSON_CT)

    client = Client("http://logto.test", transport=httpx.MockTransport(answer))
    body = {"identifier": {"type": "username", "value": "ann"}, "password": "p"}
    with pytest.raises(ResponseValidationError) as caught:
        client.call("CreatePasswordVerification", body=body)
    assert why in str(caught.value)


def _har(tmp_path: Path, text: str) -> Path:
    entry = {
        "request": {
            "method": "POST",
            "url": "http://logto.test" + PASSWORD,
            "headers": [{"name": "content-type", "value": "application/json"}],
            "postData": {"mimeType": "application/json", "text": text},
        },
        "response": {
            "status": 200,
            "headers": [],
            "content": {"mimeType": "application/json", "text": '{"verificationId": "v"}'},
        },
    }
    path = tmp_path / "t.har"
    path.write_text(json.dumps({"log": {"entries": [entry]}}))
    return path


def test_a_har_body_with_a_huge_number_is_a_verdict(tmp_path: Path) -> None:
    summary = validate_har(_har(tmp_path, '{"password": ' + HUGE + "}"))
    (failure,) = summary.failures
    assert any("more than 4300 digits" in str(v) for v in failure.violations)


def test_a_har_file_with_a_huge_number_is_a_har_error(tmp_path: Path) -> None:
    path = tmp_path / "n.har"
    path.write_text('{"log": {"entries": [], "x": ' + HUGE + "}}")
    with pytest.raises(HarError, match="more than 4300 digits"):
        validate_har(path)


@pytest.mark.process
def test_the_har_command_says_one_line_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "n.har"
    path.write_text('{"log": {"entries": [], "x": ' + HUGE + "}}")
    done = subprocess.run(
        [sys.executable, "-m", "logto_dynamic._cli", "har", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "more than 4300 digits" in done.stderr
    body_case = subprocess.run(
        [sys.executable, "-m", "logto_dynamic._cli", "har", str(_har(tmp_path, HUGE))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert body_case.returncode == 1 and "Traceback" not in body_case.stderr
    assert "more than 4300 digits" in body_case.stdout
