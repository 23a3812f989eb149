"""The load driver (``logto_dynamic.load._report``): one report per exchange, verdicts from
the flow, in process over an httpx.MockTransport (no Locust, no sockets)."""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import httpx
import pytest
from _support.drivers import Recorder

from logto_dynamic import (
    Client,
    ConnectError,
    RequestValidationError,
    ResponseValidationError,
    UnprocessableEntityError,
)
from logto_dynamic._oidc._authorization import HttpRequest
from logto_dynamic._signin._steps import OperationCall
from logto_dynamic.load import Exchange, Reporter, step_name

BASE = "http://logto.test"


def _answers(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/api/experience":
        return httpx.Response(204)
    if path == "/api/experience/verification/password":
        body = json.loads(request.content)
        if body["password"] == "wrong":
            return httpx.Response(
                422, json={"code": "session.invalid_credentials", "message": "Wrong."}
            )
        if body["password"] == "off-schema":
            return httpx.Response(200, json={"verificationId": 42})
        return httpx.Response(200, json={"verificationId": "v1"})
    if path == "/oidc/me":
        return httpx.Response(200, json={"sub": "u1"})
    return httpx.Response(404, json={"message": "no such route"})


@pytest.fixture
def setup() -> Any:
    recorder = Recorder(_answers)
    reports: list[Exchange] = []
    reporter = Reporter(reports.append)
    client = Client(BASE, transport=httpx.MockTransport(recorder))
    reporter.watch(client.http)
    yield client, reporter, reports, recorder
    client.close()


def _verify(password: str) -> OperationCall:
    body = {"identifier": {"type": "username", "value": "alice"}, "password": password}
    return OperationCall("CreatePasswordVerification", body)


def test_each_exchange_is_reported_with_its_name_method_time_and_size(setup: Any) -> None:
    client, reporter, reports, _ = setup

    def flow() -> Generator[Any, Any, str]:
        yield OperationCall("InitInteraction", {"interactionEvent": "SignIn"})
        result = yield _verify("right")
        answer = yield HttpRequest("GET", f"{BASE}/oidc/me")
        return f"{result.data['verificationId']} {answer.json()['sub']}"

    assert reporter.run(client, flow()) == "v1 u1"
    assert [(r.request_type, r.name, r.exception) for r in reports] == [
        ("PUT", "InitInteraction", None),
        ("POST", "CreatePasswordVerification", None),
        ("GET", "oidc userinfo", None),
    ]
    assert [r.response_length for r in reports] == [0, len(b'{"verificationId":"v1"}'), 12]
    assert all(r.response_time > 0 for r in reports)


def test_an_error_the_flow_handles_is_no_failure_one_it_raises_is(setup: Any) -> None:
    client, reporter, reports, _ = setup

    def flow() -> Generator[Any, Any, None]:
        try:
            yield _verify("wrong")
        except UnprocessableEntityError:
            pass  # expected, as MfaRequired is before the TOTP step
        yield _verify("wrong")

    with pytest.raises(UnprocessableEntityError):
        reporter.run(client, flow())
    assert [r.exception is None for r in reports] == [True, False]
    assert "session.invalid_credentials" in str(reports[1].exception)


def test_an_off_schema_answer_is_a_failure_naming_the_violation(setup: Any) -> None:
    client, reporter, reports, _ = setup

    def flow() -> Generator[Any, Any, None]:
        yield _verify("off-schema")
        yield OperationCall("IdentifyUser", {"verificationId": "never"})

    with pytest.raises(ResponseValidationError):
        reporter.run(client, flow())
    (report,) = reports
    assert report.name == "CreatePasswordVerification"
    assert "body $.verificationId: expected string, got integer" in str(report.exception)


def test_an_invalid_request_is_a_failure_and_is_not_sent(setup: Any) -> None:
    client, reporter, reports, recorder = setup

    def flow() -> Generator[Any, Any, None]:
        yield OperationCall("InitInteraction", {"interactionEvent": "Nope"})

    with pytest.raises(RequestValidationError):
        reporter.run(client, flow())
    assert recorder.requests == []
    assert reports[0].response_length == 0
    assert isinstance(reports[0].exception, RequestValidationError)


def test_a_check_the_flow_makes_after_an_answer_fails_that_exchange(setup: Any) -> None:
    client, reporter, reports, _ = setup

    def flow() -> Generator[Any, Any, None]:
        answer = yield HttpRequest("GET", f"{BASE}/oidc/me")
        raise ValueError(f"unexpected subject {answer.json()['sub']}")

    with pytest.raises(ValueError, match="unexpected subject"):
        reporter.run(client, flow())
    assert [(r.name, type(r.exception)) for r in reports] == [("oidc userinfo", ValueError)]


def test_a_transport_error_is_a_failure() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    reports: list[Exchange] = []
    with Client(BASE, transport=httpx.MockTransport(refuse)) as client:
        reporter = Reporter(reports.append)

        def flow() -> Generator[Any, Any, None]:
            yield HttpRequest("GET", f"{BASE}/oidc/jwks")

        with pytest.raises(ConnectError):
            reporter.run(client, flow())
    assert reports[0].name == "oidc jwks" and isinstance(reports[0].exception, ConnectError)


def test_single_calls_and_plain_requests_are_reported(setup: Any) -> None:
    client, reporter, reports, _ = setup
    assert reporter.call(client, "InitInteraction", {"interactionEvent": "SignIn"}).status_code
    ok = reporter.request(client, "api me", method="GET", url=f"{BASE}/oidc/me")
    missing = reporter.request(client, "api missing", method="GET", url=f"{BASE}/nowhere")
    assert (ok.status_code, missing.status_code) == (200, 404)
    assert [(r.request_type, r.name) for r in reports] == [
        ("PUT", "InitInteraction"),
        ("GET", "api me"),
        ("GET", "api missing"),
    ]
    assert reports[1].exception is None
    assert isinstance(reports[2].exception, httpx.HTTPStatusError)
    with pytest.raises(RequestValidationError):
        reporter.call(client, "InitInteraction", {"interactionEvent": 1})
    assert isinstance(reports[-1].exception, RequestValidationError)


@pytest.mark.parametrize(
    ("method", "path", "data", "name"),
    [
        ("GET", "/oidc/.well-known/openid-configuration", None, "oidc discovery"),
        ("GET", "/oidc/jwks", None, "oidc jwks"),
        ("GET", "/oidc/auth", None, "oidc authorize"),
        ("GET", "/oidc/auth/abc123", None, "oidc authorize (resume)"),
        ("GET", "/oidc/interaction/abc/consent", None, "oidc consent"),
        ("POST", "/oidc/token", {"grant_type": "refresh_token"}, "oidc token (refresh_token)"),
        ("POST", "/oidc/token", None, "oidc token"),
        ("POST", "/oidc/token/revocation", {"token": "t"}, "oidc revoke"),
        ("GET", "/oidc/me", None, "oidc userinfo"),
        ("GET", "/oidc/session/end", None, "oidc end session"),
        ("POST", "/oidc/session/end/confirm", None, "oidc end session (confirm)"),
        ("GET", "/oidc/session/end/success", None, "oidc end session (success)"),
        ("GET", "/sign-in", None, "oidc /sign-in"),
    ],
)
def test_step_names(method: str, path: str, data: dict[str, str] | None, name: str) -> None:
    assert step_name(HttpRequest(method, f"{BASE}{path}", data=data)) == name


@pytest.mark.process
def test_locust_is_imported_only_with_logto_user() -> None:
    """``import logto_dynamic`` never loads the load package; the load package loads Locust
    (and gevent's monkey-patching) only when ``LogtoUser`` is asked for."""
    import subprocess
    import sys

    code = (
        "import sys, logto_dynamic\n"
        "print('logto_dynamic.load' in sys.modules, 'locust' in sys.modules)\n"
        "import logto_dynamic.load as load\n"
        "print('locust' in sys.modules, 'gevent' in sys.modules)\n"
        "load.LogtoUser\n"
        "print('locust' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False", "False", "True"]
