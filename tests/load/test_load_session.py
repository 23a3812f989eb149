"""``LogtoSession``: the building blocks against the embedded server on loopback, reported."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _support.planted_server import planted

from logto_dynamic import ResponseValidationError, UnprocessableEntityError
from logto_dynamic.load import Exchange, LogtoSession
from logto_dynamic.load._session import TotpCodes
from logto_dynamic.testing import ExperienceServer, LogtoTestServer, serve_app

pytestmark = pytest.mark.loopback

PASSWORD = "Q1w9!zzpx8"
SIGN_IN = [
    "oidc authorize",
    "InitInteraction",
    "CreatePasswordVerification",
    "IdentifyUser",
    "SubmitInteraction",
]
CODE = [
    "oidc authorize (resume)",
    "oidc consent",
    "oidc authorize (resume)",
    "oidc token (authorization_code)",
]
SIGN_OUT = ["oidc end session", "oidc end session (confirm)", "oidc end session (success)"]


@pytest.fixture
def reports() -> list[Exchange]:
    return []


@pytest.fixture
def session(logto_server: LogtoTestServer, reports: list[Exchange]) -> Iterator[LogtoSession]:
    app = logto_server.m2m_app
    made = LogtoSession(logto_server.base_url, reports.append, management=(app.id, app.secret))
    yield made
    made.close()


def _names(reports: list[Exchange]) -> list[str]:
    return [r.name for r in reports]


def test_the_journey_reports_every_step_and_no_failure(
    logto_server: LogtoTestServer, session: LogtoSession, reports: list[Exchange]
) -> None:
    logto_server.add_user("alice", PASSWORD)
    session.journey("alice", PASSWORD)
    discovery = ["oidc discovery", "oidc jwks"] if "oidc discovery" in _names(reports) else []
    assert _names(reports) == [
        *SIGN_IN,
        *discovery,
        *CODE,
        "oidc userinfo",
        "oidc token (refresh_token)",
        *SIGN_OUT,
    ]
    assert [r.exception for r in reports] == [None] * len(reports)
    assert session.tokens is None  # signed out
    reports.clear()
    session.journey("alice", PASSWORD)  # again, on the same session: a fresh sign-in
    assert "oidc token (refresh_token)" in _names(reports)
    assert all(r.exception is None for r in reports)


def test_totp_register_then_sign_in_with_the_code(
    logto_server: LogtoTestServer, session: LogtoSession, reports: list[Exchange]
) -> None:
    logto_server.set_mfa("UserControlled", ("Totp",))
    registration = session.register("bob", PASSWORD, totp=True)
    assert registration.totp_secret and "BindMfaVerification" in _names(reports)
    session.sign_out()
    reports.clear()
    session.sign_in("bob", PASSWORD, totp=registration.totp_secret)
    names = _names(reports)
    # MfaRequired on the first submit is what the flow expects: no failure.
    assert names[: len(SIGN_IN)] == SIGN_IN
    assert names[len(SIGN_IN) : len(SIGN_IN) + 2] == ["VerifyTotpVerification", "SubmitInteraction"]
    assert all(r.exception is None for r in reports)
    # Logto refuses a step's code twice: two more sign-ins at once take later steps' codes.
    session.sign_in("bob", PASSWORD, totp=registration.totp_secret)
    session.sign_in("bob", PASSWORD, totp=registration.totp_secret)
    assert all(r.exception is None for r in reports)


def test_totp_codes_take_later_steps_then_wait_for_the_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [30 * 1000 + 5.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr("logto_dynamic.load._session.time.time", lambda: clock[0])
    monkeypatch.setattr("logto_dynamic.load._session.time.sleep", sleep)
    codes_of = TotpCodes()
    answer = codes_of.answer("JBSWY3DPEHPK3PXP")
    codes = [answer(("Totp",)) for _ in range(3)]
    assert [c[0] for c in codes] == ["Totp"] * 3 and len({c[1] for c in codes}) == 3
    assert codes_of.steps == {"JBSWY3DPEHPK3PXP": 1001} and slept == []
    answer(("Totp",))  # steps 999, 1000 and 1001 are used: wait until 1001 is "now"
    assert slept == [pytest.approx(25.05)] and codes_of.steps["JBSWY3DPEHPK3PXP"] == 1002


def test_a_wrong_password_is_one_failure_and_raises(
    logto_server: LogtoTestServer, session: LogtoSession, reports: list[Exchange]
) -> None:
    logto_server.add_user("carol", PASSWORD)
    with pytest.raises(UnprocessableEntityError):
        session.sign_in("carol", "Q1w9!zzpx9")
    failed = [r for r in reports if r.exception is not None]
    assert [r.name for r in failed] == ["CreatePasswordVerification"]
    assert "session.invalid_credentials" in str(failed[0].exception)


def test_management_and_api_calls_are_reported(
    logto_server: LogtoTestServer, session: LogtoSession, reports: list[Exchange]
) -> None:
    logto_server.add_user("dave", PASSWORD)
    assert [u["username"] for u in session.management_call("ListUsers").data] == ["dave"]
    session.sign_in("dave", PASSWORD)
    reports.clear()
    answer = session.call_api(f"{logto_server.base_url}/oidc/me", name="my api")
    assert answer.json()["sub"]
    session.call_api(f"{logto_server.base_url}/api/nothing-here")
    assert [(r.request_type, r.name, r.exception is None) for r in reports] == [
        ("GET", "my api", True),
        ("GET", "api /api/nothing-here", False),
    ]
    with pytest.raises(RuntimeError, match="M2M"):
        LogtoSession(logto_server.base_url, reports.append).management  # noqa: B018


def test_refresh_and_userinfo_need_a_sign_in_first(session: LogtoSession) -> None:
    with pytest.raises(RuntimeError, match="sign in"):
        session.refresh()
    with pytest.raises(RuntimeError, match="sign in"):
        session.userinfo()


def test_a_planted_off_schema_answer_fails_its_step(reports: list[Exchange]) -> None:
    server = ExperienceServer()
    server.users.create(username="erin", password=PASSWORD)
    with serve_app(planted(server)) as base_url:
        session = LogtoSession(base_url, reports.append)
        with pytest.raises(ResponseValidationError):
            session.sign_in("erin", PASSWORD)
        session.close()
    assert _names(reports) == SIGN_IN[:3]
    assert [r.exception is None for r in reports] == [True, True, False]
    assert "$.verificationId: expected string, got integer" in str(reports[-1].exception)
