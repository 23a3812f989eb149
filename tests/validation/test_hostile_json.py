"""Deeply nested JSON and unparseable URLs are verdicts, never exceptions.

3,000 nested arrays are 6 KB: enough to exhaust Python's recursion in the JSON decoder or in
any walk over the value. The checks say where the nesting went too deep instead.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from _support import log_lines, proxied

from logto_dynamic import TrafficValidator
from logto_dynamic._proxy._exchange import Exchange
from logto_dynamic._proxy._log import ExchangeLog
from logto_dynamic._proxy._metrics import Metrics
from logto_dynamic._proxy._recorder import Recorder
from logto_dynamic._validation._depth import MAX_JSON_DEPTH, too_deep

DEEP = b"[" * 3000 + b"]" * 3000
JSON = [("content-type", "application/json")]


def test_the_deep_body_is_small() -> None:
    assert len(DEEP) == 6000


def test_too_deep_finds_where() -> None:
    assert too_deep(DEEP) == (0,) * MAX_JSON_DEPTH
    nested = b'{"a": [1, {"b": ' * 40 + b"0" + b"}]}" * 40
    where = too_deep(nested)
    assert where is not None and where[:4] == ("a", 1, "b", "a")
    assert len(where) == MAX_JSON_DEPTH


@pytest.mark.parametrize(
    "body",
    [
        b'{"interactionEvent": "SignIn"}',
        b"[" + b"[]," * 500 + b"[]]",  # many brackets, shallow
        b'{"s": "' + b"[" * 500 + b'"}',  # brackets inside a string do not nest
        b"[" * 10 + b"]" * 9,  # unbalanced: the parser says why
        b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH,  # at the limit
    ],
)
def test_ordinary_bodies_are_not_too_deep(body: bytes) -> None:
    assert too_deep(body) is None


def test_validate_request_gives_a_verdict_on_deep_json() -> None:
    report = TrafficValidator().validate_request("PUT", "/api/experience", JSON, DEEP)
    assert report.operation_id == "InitInteraction"
    (violation,) = report.violations
    assert violation.location == "body" and violation.keyword == "depth"
    assert violation.json_path == "$" + "[0]" * MAX_JSON_DEPTH
    assert "nests too deeply" in violation.message


def test_a_deep_response_is_a_verdict_too() -> None:
    validator = TrafficValidator()
    request = validator.validate_request("POST", "/api/experience/submit")
    report = validator.validate_response(request, 200, JSON, DEEP)
    assert [v.keyword for v in report.violations] == ["depth"]


@pytest.mark.parametrize("url", ["http://[", "http://[::1/api/experience", "https://[x]:80/"])
def test_unparseable_urls_are_verdicts(url: str) -> None:
    report = TrafficValidator().validate_request("PUT", url, JSON, b"{}")
    (violation,) = report.violations
    assert violation.location == "url" and "cannot be parsed" in violation.message
    assert report.operation is None


@pytest.mark.loopback
def test_enforce_answers_400_saying_where(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with (
        proxied(mode="enforce", log=str(log)) as (url, upstream, _),
        httpx.Client(base_url=url) as client,
    ):
        answer = client.put("/api/experience", content=DEEP, headers=dict(JSON))
        assert answer.status_code == 400
        (violation,) = answer.json()["violations"]
        assert violation["keyword"] == "depth" and violation["path"].startswith("$[0][0]")
        assert upstream.seen == []
    (line,) = log_lines(log)
    assert line["action"] == "rejected-request" and line["operation"] == "InitInteraction"


@pytest.mark.loopback
def test_report_mode_logs_the_verdict_and_the_rest_of_the_batch(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with proxied(log=str(log)) as (url, _upstream, _), httpx.Client(base_url=url) as client:
        client.put("/api/experience", content=DEEP, headers=dict(JSON))
        client.put("/api/experience", json={"interactionEvent": "Bogus"})
        client.post("/api/experience/verification/password", content=DEEP, headers=dict(JSON))
    lines = log_lines(log)  # written by the shutdown's flush
    assert [line["operation"] for line in lines] == [
        "InitInteraction",
        "InitInteraction",
        "CreatePasswordVerification",
    ]
    assert [line["violations"][0]["keyword"] for line in lines] == ["depth", "enum", "depth"]


def test_a_failing_deferred_check_does_not_abort_its_batch(tmp_path: Path) -> None:
    """A bug in one check (not traffic: those are verdicts) leaves the others to run."""
    log_path = tmp_path / "log.jsonl"
    recorder = Recorder(ExchangeLog(str(log_path)), Metrics(False), mode="report", log_all=True)
    ran: list[int] = []

    def broken() -> None:
        raise RuntimeError("boom")

    async def batch() -> None:
        first, second = Exchange("PUT", "/api/experience", True), Exchange("GET", "/x", True)
        recorder.defer(first, broken)
        recorder.defer(second, lambda: ran.append(1))
        await recorder.drain()

    asyncio.run(batch())
    recorder.log.close()
    lines = log_lines(log_path)
    assert ran == [1] and len(lines) == 2
    assert "the check failed" in lines[0]["notes"][0]
