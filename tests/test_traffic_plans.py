"""The planned (fast) checks give exactly the full checks' verdicts, and are really taken.

``TrafficValidator.validate_request`` plans what a method, path and content type decide and
then only parses and checks the body; ``check_response`` plans what a status and content type
decide. Each case here goes through the planned route and the full one and must agree.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from logto_dynamic._proxy._checks import Checker
from logto_dynamic._proxy._exchange import Exchange, Request
from logto_dynamic._traffic._validator import TrafficReport, TrafficValidator
from logto_dynamic._validation._requests import Validators
from logto_dynamic._validation._responses import MAX_PLANS, check_response, response_ok
from tests._examples import INVALID_CALLS, VALID_CALLS

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
    for url, headers, body in itertools.product(URLS, TYPES, _bodies()):
        for _ in range(2):  # the first call plans, the second uses the plan
            _same(
                tv.validate_request(method, url, headers, body),
                tv._check_request(method.upper(), url, headers, body),
            )


def test_a_valid_json_request_is_checked_by_its_plan() -> None:
    tv = TrafficValidator()
    headers = [(b"content-type", b"application/json")]
    assert tv.validate_request("POST", PASSWORD, headers, GOOD).ok

    def full(*args: object) -> TrafficReport:
        raise AssertionError("the full check ran for a planned request")

    tv._check_request = full  # type: ignore[method-assign]
    report = tv.validate_request("POST", PASSWORD + "?lang=en", headers, GOOD)
    assert report.ok and report.operation_id == "CreatePasswordVerification"
    with pytest.raises(AssertionError, match="full check ran"):  # not planned: the full check
        tv.validate_request("POST", PASSWORD, headers, b'{"password": 5}')


def test_request_plans_are_bounded() -> None:
    tv = TrafficValidator()
    for n in range(MAX_PLANS + 10):
        tv.validate_request("POST", PASSWORD, [(b"content-type", f"application/json; v={n}")], GOOD)
    assert len(tv._plans.table) <= MAX_PLANS


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
    fresh = Validators(spec.document, spec.version)
    for op in spec.index:
        for status, kind, body in itertools.product(
            (200, 201, 204, 302, 400, 404, 418, 500), kinds, [*RESPONSES, None]
        ):
            fresh.plans.clear()  # planned anew: the reference verdict
            expected = check_response(fresh, op, status, kind, body, limit=100)
            for _ in range(2):  # planned on the first call, then reused
                got = check_response(spec.validators, op, status, kind, body, limit=100)
                assert got == expected, (op.operation_id, status, kind, body)


def test_response_plans_are_bounded() -> None:
    tv = TrafficValidator()
    op = tv.spec.index.get("CreatePasswordVerification")
    for n in range(MAX_PLANS + 10):
        check_response(tv.spec.validators, op, 200, f"application/json; v={n}", b"{}")
    assert 0 < len(tv.spec.validators.plans) <= MAX_PLANS


def test_the_quick_response_verdict_is_the_full_checks() -> None:
    spec = TrafficValidator().spec
    kinds = ["application/json", "application/json; charset=utf-8", "text/plain", None]
    quick = 0
    for op in spec.index:
        for status, kind, body in itertools.product((200, 204, 400, 418, 500), kinds, RESPONSES):
            full = check_response(spec.validators, op, status, kind, body, limit=100)
            ok = response_ok(spec.validators, op, status, kind, body, limit=100)
            assert ok == (not full.violations and not full.notes), (
                op.operation_id,
                status,
                kind,
                body,
            )
            quick += ok
    assert quick > 25  # the usual answers do pass quickly


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
                    ex.add(checker.response(report, status, answer_headers, answer))
            records.append({**ex.record, "checked": ex.checked, "found": ex.found})
    return records


async def _no_receive() -> dict[str, Any]:
    raise AssertionError("not read")


@pytest.mark.parametrize("checked_first", [False, True], ids=["report", "enforce"])
def test_the_proxy_checker_decides_like_the_full_checks(checked_first: bool) -> None:
    quick = _exchange_records(True, checked_first)
    full = _exchange_records(False, checked_first)
    assert quick == full
    assert sum(bool(not r["found"] and r["operation"]) for r in quick) > 5


def test_the_proxy_checker_takes_the_quick_route_for_a_valid_exchange() -> None:
    checker = Checker(TrafficValidator())

    def full(*args: object) -> TrafficReport:
        raise AssertionError("the full check ran")

    checker.request = full  # type: ignore[method-assign]
    ex = Exchange("POST", PASSWORD, True)
    req = Request(
        {}, _no_receive, "POST", PASSWORD.encode(), [(b"content-type", b"application/json")], GOOD
    )
    checker.exchange(
        ex, req, 200, [(b"content-type", b"application/json")], b'{"verificationId":"v1"}'
    )
    assert ex.checked and not ex.found and ex.verdict == "valid"
    assert ex.record["operation"] == "CreatePasswordVerification"


def test_a_request_without_a_quick_route_is_planned_once() -> None:
    tv = TrafficValidator()
    calls = []
    plan = tv._plans.plan

    def counted(*args: Any) -> Any:
        calls.append(args)
        return plan(*args)

    tv._plans.plan = counted  # type: ignore[method-assign]
    for _ in range(3):  # text/plain: documented for no operation, so no quick route
        tv.validate_request("POST", PASSWORD, [("content-type", "text/plain")], GOOD)
    assert len(calls) == 1 and tv._plans.table[("POST", PASSWORD, "text/plain")] is None
