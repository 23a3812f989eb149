"""HAR validation: pure summary and the ``har`` command."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from logto_dynamic._cli import main
from logto_dynamic._exceptions import HarError
from logto_dynamic._traffic._har import validate_har

BASE = "http://localhost:3001"
JSON_HEADER = [{"name": "Content-Type", "value": "application/json; charset=utf-8"}]


def entry(
    method: str,
    path: str,
    status: int,
    *,
    body: Any = None,
    response: Any = None,
    mime: str = "application/json",
    b64: bool = False,
) -> dict[str, Any]:
    request: dict[str, Any] = {"method": method, "url": BASE + path, "headers": []}
    if body is not None:
        request["postData"] = {"mimeType": "application/json", "text": json.dumps(body)}
    content: dict[str, Any] = {"size": 0, "mimeType": mime}
    if response is not None:
        text = response if isinstance(response, str) else json.dumps(response)
        if b64:
            content.update(text=base64.b64encode(text.encode()).decode(), encoding="base64")
        else:
            content["text"] = text
    headers = JSON_HEADER if response is not None and mime == "application/json" else []
    return {
        "request": request,
        "response": {"status": status, "headers": headers, "content": content},
    }


def har(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    path = tmp_path / "flow.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    return path


GOOD = [
    entry("GET", "/oidc/auth?client_id=demo-app", 303),
    entry("GET", "/sign-in?app_id=demo-app", 200, response="<html>", mime="text/html"),
    entry("GET", "/assets/app.js", 200, response="x", mime="text/javascript"),
    entry("PUT", "/api/experience", 204, body={"interactionEvent": "SignIn"}),
    entry(
        "POST",
        "/api/experience/verification/password",
        200,
        body={"identifier": {"type": "username", "value": "alice"}, "password": "pw"},
        response={"verificationId": "v1"},
        b64=True,
    ),
    entry(
        "GET", "/api/experience/sso-connectors?email=a%40b.com", 200, response={"connectorIds": []}
    ),
    entry("POST", "/api/experience/submit", 200, response={"redirectTo": "http://x/cb"}),
]


def test_valid_har_summary(tmp_path: Path) -> None:
    summary = validate_har(har(tmp_path, GOOD))
    assert summary.ok and summary.skipped == 3 and len(summary.entries) == 4
    stats = summary.operations["CreatePasswordVerification"]
    assert (stats.count, stats.passed, stats.violations) == (1, 1, 0)


def test_invalid_entries_reported(tmp_path: Path) -> None:
    bad = [
        *GOOD,
        entry("PUT", "/api/experience", 204, body={"interactionEvent": "Bogus"}),
        entry(
            "POST",
            "/api/experience/verification/password",
            200,
            body={"identifier": {"type": "username", "value": "a"}, "password": "pw"},
            response={"verificationId": 5},
            b64=True,
        ),
        entry("GET", "/api/experience/nope", 404, response={"code": "x", "message": "y"}),
    ]
    summary = validate_har(har(tmp_path, bad))
    assert not summary.ok and summary.skipped == 3
    assert [f.index for f in summary.failures] == [8, 9, 10]  # numbered from 1
    assert summary.operations["InitInteraction"].count == 2
    assert summary.operations["InitInteraction"].passed == 1
    assert summary.operations["(undocumented)"].violations == 1
    data = summary.to_dict()
    assert data["failures"][1]["violations"][0]["path"] == "$.verificationId"


def test_cli_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["har", str(har(tmp_path, GOOD))]) == 0
    out = capsys.readouterr().out
    assert "InitInteraction" in out and "3 other entries skipped" in out and "OK" in out
    bad = har(tmp_path, [*GOOD, entry("PUT", "/api/experience", 204, body={"x": 1})])
    assert main(["har", str(bad)]) == 1
    text = capsys.readouterr().out
    assert "FAILED" in text and "#8 PUT /api/experience" in text
    assert main(["har", str(bad), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["skipped"] == 3
    assert data["operations"]["InitInteraction"] == {"count": 2, "passed": 1, "violations": 1}


def test_not_a_har(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.har"
    path.write_text("{}")
    with pytest.raises(HarError):
        validate_har(path)
    assert main(["har", str(path)]) == 2
    assert "not a HAR" in capsys.readouterr().err


def test_secret_not_in_har_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    canary = "canary-Pa55word-4242"
    bad = har(
        tmp_path,
        [
            entry(
                "POST",
                "/api/experience/verification/password",
                200,
                body={"identifier": {"type": "bogus", "value": "a"}, "password": [canary]},
                response={"verificationId": "v"},
            )
        ],
    )
    assert main(["har", str(bad), "--json"]) == 1
    assert canary not in capsys.readouterr().out


def test_proxy_command_is_registered(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["proxy", "--help"])
    assert "--upstream" in capsys.readouterr().out
