"""Issue 26 over loopback: enforce mode fails closed, huge JSON numbers are a verdict, CORS
preflights on documented paths are relayed, other undocumented methods (HEAD) are not."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import httpx
import pytest
from _support import JSON_CT, log_lines, proxied

from logto_dynamic._proxy import ValidatingProxy
from logto_dynamic.testing._uvicorn import serve_app

pytestmark = pytest.mark.loopback

PASSWORD = "/api/experience/verification/password"
#: Invalid (no password) and padded past the 256 KiB validation limit, under the 1 MiB cap.
PADDED = b'{"identifier": {"type": "username", "value": "ann"}}' + b" " * 300_000
HUGE_NUMBER = b'{"identifier": {"type": "username", "value": "ann"}, "password": ' + (
    b"9" * 5000 + b"}"
)


def _seen(upstream: object, path: str) -> list[dict[str, object]]:
    return [s for s in upstream.seen if s["path"] == path]  # type: ignore[attr-defined]


def test_enforce_refuses_a_body_too_large_to_validate(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with proxied(mode="enforce", log=str(log)) as (url, upstream, _p):
        with httpx.Client(base_url=url) as client:
            answer = client.post(
                PASSWORD, content=PADDED, headers={"content-type": "application/json"}
            )
        assert _seen(upstream, PASSWORD) == []  # never relayed
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert (
        problem["type"].endswith(":request-unchecked") and "validation limit" in problem["detail"]
    )
    (line,) = log_lines(log)
    assert line["action"] == "rejected-request-unchecked" and line["status"] == 413
    assert "validation limit" in line["notes"][0]


def test_report_mode_relays_it_with_a_note(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with proxied(mode="report", log=str(log)) as (url, upstream, _p):
        with httpx.Client(base_url=url) as client:
            answer = client.post(
                PASSWORD, content=PADDED, headers={"content-type": "application/json"}
            )
        assert len(_seen(upstream, PASSWORD)) == 1
    assert answer.status_code == 200
    (line,) = log_lines(log)
    assert line["action"] == "relayed"
    assert any("over the 262144-byte validation limit" in n for n in line["notes"])


def test_enforce_refuses_a_content_coded_request(tmp_path: Path) -> None:
    body = gzip.compress(b'{"identifier": {"type": "username", "value": "ann"}, "password": "p"}')
    log = tmp_path / "log.jsonl"
    with proxied(mode="enforce", log=str(log)) as (url, upstream, _p):
        with httpx.Client(base_url=url) as client:
            answer = client.post(
                PASSWORD,
                content=body,
                headers={"content-type": "application/json", "content-encoding": "br"},
            )
        assert _seen(upstream, PASSWORD) == []
    assert answer.status_code == 400 and answer.json()["type"].endswith(":request-unchecked")
    assert "content coding 'br'" in answer.json()["detail"]
    (line,) = log_lines(log)
    assert line["action"] == "rejected-request-unchecked"


@pytest.mark.parametrize("mode", ["enforce", "report"])
def test_a_huge_json_number_is_a_verdict_not_a_crash(mode: str, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with proxied(mode=mode, log=str(log), summary_header=True) as (url, upstream, _p):
        with httpx.Client(base_url=url) as client:
            answer = client.post(
                PASSWORD, content=HUGE_NUMBER, headers={"content-type": "application/json"}
            )
        relayed = _seen(upstream, PASSWORD)
    (line,) = log_lines(log)
    messages = [v["message"] for v in line["violations"]]
    assert any("more than 4300 digits" in m for m in messages), messages
    if mode == "enforce":
        assert answer.status_code == 400 and relayed == []
        assert answer.json()["type"].endswith(":request-invalid")
    else:
        assert answer.status_code == 200 and len(relayed) == 1


def test_enforce_refuses_an_answer_with_a_huge_number(tmp_path: Path) -> None:
    """The upstream answers with a 5,000-digit number: a 502, not a crash."""

    async def upstream(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        body = b'{"redirectTo": ' + b"1" * 5000 + b"}"
        headers = [JSON_CT, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    log = tmp_path / "log.jsonl"
    with serve_app(upstream) as upstream_url:
        proxy = ValidatingProxy(upstream_url, mode="enforce", log=str(log))
        with serve_app(proxy) as url, httpx.Client(base_url=url) as client:
            answer = client.post("/api/experience/submit")
            proxy.close_from_thread()
    assert answer.status_code == 502 and answer.json()["type"].endswith(":response-invalid")
    (line,) = log_lines(log)
    assert any("4300 digits" in v["message"] for v in line["violations"])


def test_enforce_relays_a_cors_preflight_on_a_documented_path(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    preflight = {"origin": "http://app.test", "access-control-request-method": "POST"}
    with proxied(mode="enforce", log=str(log)) as (url, upstream, _p):
        with httpx.Client(base_url=url) as client:
            relayed = client.options(PASSWORD, headers=preflight)
            wrong_method = client.options(
                PASSWORD, headers={**preflight, "access-control-request-method": "DELETE"}
            )
            undocumented = client.options("/api/experience/nothing", headers=preflight)
            bare = client.options(PASSWORD)
            head = client.head("/api/experience")
        assert len(_seen(upstream, PASSWORD)) == 1
    assert relayed.status_code == 200
    for refused in (wrong_method, undocumented, bare):
        assert refused.status_code == 400
        assert refused.json()["type"].endswith(":request-invalid")
    assert head.status_code == 400  # HEAD is not documented: refused like any other method
    actions = [line["action"] for line in log_lines(log)]
    assert actions.count("rejected-request") == 4, actions


@pytest.mark.parametrize("direction", ["request", "response"])
def test_a_check_that_fails_is_refused_in_enforce_mode(
    direction: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in a check (not bad traffic) still fails closed: refused, logged, no 500."""
    from logto_dynamic._proxy._checks import Checker

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in a check")

    monkeypatch.setattr(Checker, "request" if direction == "request" else "response", broken)
    log = tmp_path / "log.jsonl"
    body = b'{"identifier": {"type": "username", "value": "ann"}, "password": "p"}'
    with proxied(mode="enforce", log=str(log)) as (url, upstream, _p):
        with httpx.Client(base_url=url) as client:
            answer = client.post(
                PASSWORD, content=body, headers={"content-type": "application/json"}
            )
        relayed = _seen(upstream, PASSWORD)
    expected = 400 if direction == "request" else 502
    assert answer.status_code == expected, answer.text
    assert answer.json()["type"].endswith(f":{direction}-unchecked")
    assert "RuntimeError" in answer.json()["detail"] and "a bug" not in answer.text
    assert len(relayed) == (0 if direction == "request" else 1)
    (line,) = log_lines(log)
    assert line["action"] == f"rejected-{direction}-unchecked"
