"""The smaller holes: dot-segment path parameters, cut-off answers and what they log."""

from __future__ import annotations

import contextlib
from pathlib import Path

import httpx
import pytest
from _support import log_lines
from _support.processes import proxy_process, stop
from test_proxy_faults import _broken, raw_upstream

from logto_dynamic import Client, RequestValidationError
from logto_dynamic._proxy import ValidatingProxy
from logto_dynamic.testing._uvicorn import serve_app

SOCIAL = "CreateSocialVerification"
SOCIAL_BODY = {"state": "s", "redirectUri": "http://localhost/cb"}
PASSWORD = "/api/experience/verification/password"
BAD_PASSWORD_BODY = {"identifier": {"type": "username", "value": "ann"}}  # no password


def _client(sent: list[httpx.Request]) -> Client:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"verificationId": "v", "authorizationUri": "http://x"})

    return Client("http://logto.test", transport=httpx.MockTransport(handler))


@pytest.mark.parametrize("value", [".", ".."])
def test_dot_segment_path_parameters_are_refused_before_sending(value: str) -> None:
    sent: list[httpx.Request] = []
    with _client(sent) as client, pytest.raises(RequestValidationError) as caught:
        client.call(SOCIAL, SOCIAL_BODY, path={"connectorId": value})
    assert sent == []
    (violation,) = caught.value.violations
    assert violation.keyword == "dot-segment" and violation.name == "connectorId"
    assert violation.location == "path"


@pytest.mark.parametrize("value", ["...", "a..", ".hidden", "%2E%2E"])
def test_other_dotted_values_are_sent_as_one_segment(value: str) -> None:
    sent: list[httpx.Request] = []
    with _client(sent) as client:
        client.call(SOCIAL, SOCIAL_BODY, path={"connectorId": value})
    (request,) = sent
    segments = request.url.raw_path.split(b"/")  # the value stayed a segment of its own
    assert len(segments) == 7
    assert segments[4] == b"social" and segments[6] == b"authorization-uri"


@contextlib.contextmanager
def _report_proxy(upstream: str, log: Path, **options: object) -> object:
    proxy = ValidatingProxy(upstream, log=str(log), **options)  # type: ignore[arg-type]
    with serve_app(proxy) as url:
        try:
            yield url
        finally:
            proxy.close_from_thread()


@pytest.mark.loopback
def test_a_cut_off_answer_keeps_the_request_check(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with (
        raw_upstream(_broken) as upstream,
        _report_proxy(upstream, log) as url,
        httpx.Client(base_url=str(url), timeout=10) as client,
    ):
        with pytest.raises(httpx.RemoteProtocolError):  # the upstream broke mid-body
            client.post(PASSWORD + "?chunked", json=BAD_PASSWORD_BODY)
    (line,) = log_lines(log)
    assert line["action"] == "cut-off-upstream-error:payload"
    assert line["operation"] == "CreatePasswordVerification"
    assert [(v["direction"], v["keyword"]) for v in line["violations"]] == [("request", "required")]


@pytest.mark.loopback
def test_an_answer_over_the_size_limit_keeps_the_request_check(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with (
        raw_upstream(_broken) as upstream,
        _report_proxy(upstream, log, max_response_body=10) as url,
        httpx.Client(base_url=str(url), timeout=10) as client,
    ):
        assert client.post(PASSWORD, json=BAD_PASSWORD_BODY).status_code == 502
    (line,) = log_lines(log)
    assert line["action"] == "rejected-response-too-large"
    assert [v["keyword"] for v in line["violations"]] == ["required"]


@pytest.mark.loopback
@pytest.mark.process
def test_cut_off_answers_are_said_once_in_our_words() -> None:
    with (
        raw_upstream(_broken) as upstream,
        proxy_process(upstream, "--mode", "off") as (url, proc),
    ):
        with httpx.Client(base_url=url, timeout=10) as client:
            for _ in range(3):
                with pytest.raises(httpx.RemoteProtocolError):
                    client.post("/api/experience/submit?chunked")
        stop(proc)
        assert proc.stderr is not None
        stderr = proc.stderr.read()
    assert "ASGI callable returned without completing response" not in stderr
    assert stderr.count("an answer was cut off") == 1, stderr
