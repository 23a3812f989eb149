"""The planned (fast) checks give exactly the full checks' verdicts, and are really taken.

The request checker (``Spec.requests``) plans what a method, path and content type decide and
then only parses and checks the body; the response checker (``Spec.responses``) plans what a
status and content type decide. Each case here goes through the planned route and the full one
and must agree; ``is_valid`` must agree with the full report.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from _support.examples import INVALID_CALLS, VALID_CALLS

from logto_dynamic._proxy._checks import Checker
from logto_dynamic._proxy._exchange import Exchange, Request
from logto_dynamic._traffic._validator import TrafficReport, TrafficValidator
from logto_dynamic._validation._requests import Validators
from logto_dynamic._validation._responses import MAX_PLANS, ResponseChecker

PASSWORD = "/api/experience/verification/password"
GOOD = json.dumps(
    {"identifier": {"type": "username", "value": "alice"}, "password": "Ap9!rainbow"}
).encode()


def _same(a: TrafficReport, b: TrafficReport) -> None:
    assert a.to_dict() == b.to_dict()
    assert (a.operation, a.path, a.path_params) == (b.operation, b.path, b.path_params)


def _bodies() -> list[bytes]:
    out = [
        GOOD,
        b"",
        b"{",
        b"[]",
        b"null",
        b'{"password": 5}',
        b"\xff\xfe",
        b" " + GOOD,
        json.dumps({"identifier": {"type": "username", "value": "a"}}).encode(),
    ]
    for _op, (method, _path, kwargs) in VALID_CALLS.items():
        if method != "GET" and "body" in kwargs:
            out.append(json.dumps(kwargs["body"]).encode())
    for kwargs, _where, _keyword in INVALID_CALLS.values():
        if "body" in kwargs:
            out.append(json.dumps(kwargs["body"]).encode())
    return out


URLS = [
    PASSWORD,
    PASSWORD + "?x=1",
    "/" + PASSWORD,
    PASSWORD + "#frag",
    "\t" + PASSWORD,
    "http://localhost:3001" + PASSWORD,
    "/api/experience",
    "/api/experience/submit",
    "/api/experience/identification",
    "/api/experience/verification/social/g/verify",
    "/api/nowhere",
]
TYPES: list[Any] = [
    {"content-type": "application/json"},
    [(b"Content-Type", b"application/json; charset=utf-8")],
    [("content-type", "text/plain")],
    [],
    None,
    [(b"content-type", "application/json")],
    [(b"x-a", b"1"), (b"CONTENT-TYPE", b"application/json")],
]


@pytest.mark.parametrize("method", ["POST", "put", "GET"])
def test_planned_requests_agree_with_the_full_check(method: str) -> None:
    tv = TrafficValidator(validate_limit=200)
    checker = tv.spec.requests
    for url, headers, body in itertools.product(URLS, TYPES, _bodies()):
        for _ in range(2):  # the first call plans, the second uses the plan
            full = checker._full(method.upper(), url, headers, body, 200)
            _same(tv.validate_request(method, url, headers, body), full)
            assert checker.is_valid(method.upper(), url, headers, body, limit=200) == full.ok


def test_a_valid_json_request_is_checked_by_its_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    tv = TrafficValidator()
    headers = [(b"content-type", b"application/json")]
    assert tv.validate_request("POST", PASSWORD, headers, GOOD).ok

    def full(*args: object) -> TrafficReport:
        raise AssertionError("the full check ran for a planned request")

    monkeypatch.setattr(tv.spec.requests, "_full", full)  # (the shared Spec: undone after)
    report = tv.validate_request("POST", PASSWORD + "?lang=en", headers, GOOD)
    assert report.ok and report.operation_id == "CreatePasswordVerification"
    with pytest.raises(AssertionError, match="full check ran"):  # not planned: the full check
        tv.validate_request("POST", PASSWORD, headers, b'{"password": 5}')


def test_request_plans_are_bounded() -> None:
    tv = TrafficValidator()
    for n in range(MAX_PLANS + 10):
        tv.validate_request("POST", PASSWORD, [(b"content-type", f"application/json; v={n}")], GOOD)
    assert 0 < len(tv.spec.requests._plans) <= MAX_PLANS


RESPONSES = [
    b"",
    b'{"verificationId":"v1"}',
    b'{"verificationId":5}',
    b"{",
    b"[]",
    b"plain",
    b'{"message":"boom","code":"x"}',
    b"x" * 300,
]


def test_planned_responses_agree_with_a_fresh_check() -> None:
    tv = TrafficValidator()
    spec = tv.spec
    kinds = [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        None,
        "application/problem+json",
    ]
    validators = Validators(spec.document, spec.version)
    for op in spec.index:
        for status, kind, body in itertools.product(
            (200, 201, 204, 302, 400, 404, 418, 500), kinds, [*RESPONSES, None]
        ):
            fresh = ResponseChecker(validators)  # planned anew: the reference verdict
            expected = fresh.check(op, status, kind, body, limit=100)
            for _ in range(2):  # planned on the first call, then reused
                got = spec.responses.check(op, status, kind, body, limit=100)
                assert got == expected, (op.operation_id, status, kind, body)


def test_response_plans_are_bounded() -> None:
    tv = TrafficValidator()
    op = tv.spec.index.get("CreatePasswordVerification")
    for n in range(MAX_PLANS + 10):
        tv.spec.responses.check(op, 200, f"application/json; v={n}", b"{}")
    assert 0 < len(tv.spec.responses._plans) <= MAX_PLANS


def test_the_quick_response_verdict_is_the_full_checks() -> None:
    spec = TrafficValidator().spec
    kinds = ["application/json", "application/json; charset=utf-8", "text/plain", None]
    quick = 0
    for op in spec.index:
        for status, kind, body in itertools.product((200, 204, 400, 418, 500), kinds, RESPONSES):
            full = spec.responses.check(op, status, kind, body, limit=100)
            ok = spec.responses.is_valid(op, status, kind, body, limit=100)
            assert ok == (not full.violations and not full.notes), (
                op.operation_id,
                status,
                kind,
                body,
            )
            quick += ok
    assert quick > 25  # the usual answers do pass


def _exchange_records(quick: bool, checked_first: bool) -> list[dict[str, Any]]:
    checker = Checker(TrafficValidator(validate_limit=200))
    records = []
    for url, headers, body, (status, answer) in itertools.product(
        [PASSWORD, PASSWORD + "?a=1", "/api/experience", "/api/nowhere", "//x"],
        [[(b"content-type", b"application/json")], [(b"content-type", b"text/plain")], []],
        [GOOD, b"", b"{", b'{"interactionEvent":"SignIn"}'],
        [
            (200, b'{"verificationId":"v1"}'),
            (200, b"{}"),
            (204, b""),
            (400, b"{"),
            (418, b'{"verificationId":"v1"}'),
            (200, None),
        ],
    ):
        for encoding in ([], [(b"content-encoding", b"identity")]):
            ex = Exchange("POST", url, True)
            req = Request({}, _no_receive, "POST", url.encode(), headers, body)
            answer_headers = [(b"content-type", b"application/json"), *encoding]
            if checked_first:  # enforce mode: the request was checked before relaying
                req.report = checker.request(req.method, req.target, req.headers, req.body)
                ex.add(req.report)
            if quick:
                checker.exchange(ex, req, status, answer_headers, answer)
            else:  # the full route: one report per direction
                report = req.report or checker.request(
                    req.method, req.target, req.headers, req.body
                )
                if req.report is None:
                    ex.add(report)
                if report.operation is not None:
                    ex.add(_full_answer(checker, report, status, answer_headers, answer))
            records.append(
                {**ex.record.to_json("report", 0.0), "checked": ex.checked, "found": ex.found}
            )
    return records


def _full_answer(
    checker: Checker,
    report: TrafficReport,
    status: int,
    headers: list[tuple[bytes, bytes]],
    body: bytes | None,
) -> TrafficReport:
    """The answer's full report (the proxy's checker goes by ``is_valid`` first)."""
    responses = checker.validator.spec.responses
    quick = responses.is_valid
    responses.is_valid = lambda *a, **k: False  # type: ignore[method-assign]
    try:
        answer = checker.response(report, status, headers, body)
    finally:
        responses.is_valid = quick  # type: ignore[method-assign]
    assert answer is not None
    return answer


async def _no_receive() -> dict[str, Any]:
    raise AssertionError("not read")


@pytest.mark.parametrize("checked_first", [False, True], ids=["report", "enforce"])
def test_the_proxy_checker_decides_like_the_full_checks(checked_first: bool) -> None:
    quick = _exchange_records(True, checked_first)
    full = _exchange_records(False, checked_first)
    assert quick == full
    assert sum(bool(not r["found"] and r["operation"]) for r in quick) > 5


def test_the_proxy_checker_takes_the_quick_route_for_a_valid_exchange(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checker = Checker(TrafficValidator())

    def full(*args: object, **kwargs: object) -> Any:
        raise AssertionError("the full check ran")

    monkeypatch.setattr(checker.validator.spec.requests, "_full", full)
    monkeypatch.setattr(checker.validator.spec.responses, "check", full)
    ex = Exchange("POST", PASSWORD, True)
    req = Request(
        {}, _no_receive, "POST", PASSWORD.encode(), [(b"content-type", b"application/json")], GOOD
    )
    checker.exchange(
        ex, req, 200, [(b"content-type", b"application/json")], b'{"verificationId":"v1"}'
    )
    assert ex.checked and not ex.found and ex.verdict == "valid"
    assert ex.record.operation == "CreatePasswordVerification"


def test_a_request_without_a_quick_route_is_planned_once(monkeypatch: pytest.MonkeyPatch) -> None:
    tv = TrafficValidator()
    checker = tv.spec.requests
    calls = []
    plan = checker._plan

    def counted(*args: Any) -> Any:
        calls.append(args)
        return plan(*args)

    checker._plans.clear()
    monkeypatch.setattr(checker, "_plan", counted)
    for _ in range(3):  # text/plain: documented for no operation, so no quick route
        tv.validate_request("POST", PASSWORD, [("content-type", "text/plain")], GOOD)
    assert len(calls) == 1 and checker._plans[("POST", PASSWORD, "text/plain")] is None


def test_an_answer_not_held_is_checked_without_its_body() -> None:
    checker = Checker(TrafficValidator(validate_limit=200))
    request = checker.request(
        "POST", PASSWORD.encode(), [(b"content-type", b"application/json")], GOOD
    )
    json_answer = [(b"content-type", b"application/json")]
    streamed = checker.response(request, 200, json_answer, None)
    assert streamed is not None and streamed.ok
    assert streamed.notes == [
        "response body not validated (over the 200-byte validation limit, streamed through)"
    ]
    wrong = checker.response(request, 200, [(b"content-type", b"text/html")], None)
    assert wrong is not None and [v.location for v in wrong.violations] == ["content-type"]
    coded = [*json_answer, (b"content-encoding", b"br")]
    brotli = checker.response(request, 200, coded, b"\x0b\x02\x80{}\x03")
    assert brotli is not None and brotli.notes == [
        "response body not validated (content coding 'br')"
    ]
    assert checker.response(request, 200, json_answer, b'{"verificationId":"v1"}') is None
