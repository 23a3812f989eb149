"""TOTP step replay and the verification-code send cap, as Logto 1.42 does them.

Time comes from a settable clock given to the server (``server.clock``), so nothing sleeps.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from _support.experience import Clock, answer, client, identify, interaction

from logto_dynamic.testing import ExperienceServer, SignInExperience, new_totp_secret, totp
from logto_dynamic.testing.experience._rate import MAX_SENDS, SEND_WINDOW, canonical_recipient

pytestmark = pytest.mark.anyio

TOTP_VERIFY = "/api/experience/verification/totp/verify"
SEND = "/api/experience/verification/verification-code"
PASSWORD = "Ap9!rainbow-Quartz"


def _server(clock: Clock, **settings: Any) -> ExperienceServer:
    server = ExperienceServer(SignInExperience(mfa_factors=("Totp",), **settings))
    server.clock = clock
    return server


async def _verify_existing(http: httpx.AsyncClient, code: str) -> tuple[int, object]:
    await interaction(http)
    await identify(http, "tia", PASSWORD)
    return answer(await http.post(TOTP_VERIFY, json={"code": code}))


async def test_a_totp_code_works_once_per_step() -> None:
    clock = Clock()
    server = _server(clock)
    secret = new_totp_secret()
    server.users.create(username="tia", password=PASSWORD, totp_secret=secret)
    async with client(server) as http:
        code = totp(secret, at=clock.now)
        assert (await _verify_existing(http, code))[0] == 200
        replay = await _verify_existing(http, code)
        assert replay == (400, "session.mfa.invalid_totp_code")
        clock.advance(10)  # same step or the next: the same code stays refused
        assert (await _verify_existing(http, code)) == replay
        clock.advance(30)
        assert (await _verify_existing(http, totp(secret, at=clock.now)))[0] == 200
        earlier = totp(secret, at=clock.now - 30)  # within the window, but an older step
        assert (await _verify_existing(http, earlier)) == replay


async def test_the_next_steps_code_is_taken_once_too() -> None:
    clock = Clock(1_800_000_010.0)
    server = _server(clock)
    secret = new_totp_secret()
    server.users.create(username="tia", password=PASSWORD, totp_secret=secret)
    async with client(server) as http:
        assert (await _verify_existing(http, totp(secret, at=clock.now)))[0] == 200
        ahead = totp(secret, at=clock.now + 30)
        assert (await _verify_existing(http, ahead))[0] == 200
        assert (await _verify_existing(http, ahead)) == (400, "session.mfa.invalid_totp_code")


async def test_binding_a_new_secret_records_no_step() -> None:
    clock = Clock()
    server = _server(clock)
    server.users.create(username="tia", password=PASSWORD)
    async with client(server) as http:
        await interaction(http)
        await identify(http, "tia", PASSWORD)
        created = (await http.post("/api/experience/verification/totp/secret")).json()
        check = {
            "code": totp(created["secret"], at=clock.now),
            "verificationId": created["verificationId"],
        }
        assert (await http.post(TOTP_VERIFY, json=check)).status_code == 200
        assert (await http.post(TOTP_VERIFY, json=check)).status_code == 200
        user = server.users.find("username", "tia")
        assert user is not None and user.totp_last_step is None


async def _send(http: httpx.AsyncClient, email: str, event: str = "SignIn") -> tuple[int, object]:
    identifier = {"type": "email", "value": email}
    response = await http.post(SEND, json={"identifier": identifier, "interactionEvent": event})
    return answer(response)


async def test_ten_sends_per_recipient_in_ten_minutes() -> None:
    clock = Clock()
    server = _server(clock)
    async with client(server) as http:
        await interaction(http)
        spellings = ["ann@example.com", "Ann@Example.com", "ANN@EXAMPLE.COM"]
        for i in range(MAX_SENDS):
            assert (await _send(http, spellings[i % 3]))[0] == 200
        limited = await http.post(
            SEND,
            json={
                "identifier": {"type": "email", "value": "aNN@example.com"},
                "interactionEvent": "SignIn",
            },
        )
        assert limited.status_code == 429
        assert limited.json() == {
            "code": "request.message_rate_limited",
            "message": "Too many messages sent to this recipient. Please try again later.",
        }
        assert (await _send(http, "bob@example.com"))[0] == 200  # another recipient
        await interaction(http)  # a new interaction does not reset the cap
        assert (await _send(http, "ann@example.com"))[0] == 429
        clock.advance(SEND_WINDOW - 1)
        assert (await _send(http, "ann@example.com"))[0] == 429
        clock.advance(1)
        assert (await _send(http, "ann@example.com"))[0] == 200
    assert len(server.outbox.deliveries) == MAX_SENDS + 2


async def test_skipped_deliveries_count_toward_the_cap() -> None:
    clock = Clock()
    server = _server(clock)
    async with client(server) as http:
        await interaction(http, "ForgotPassword")
        for _ in range(MAX_SENDS):  # nothing is sent to an unknown address, but 200 all the same
            assert (await _send(http, "nobody@example.com", "ForgotPassword"))[0] == 200
        assert server.outbox.deliveries == []
        answer_ = await _send(http, "nobody@example.com", "ForgotPassword")
        assert answer_ == (429, "request.message_rate_limited")


async def test_without_a_connector_sends_answer_501_and_count_nothing() -> None:
    server = _server(Clock(), verification_code_connector=False)
    async with client(server) as http:
        await interaction(http)
        for _ in range(MAX_SENDS + 2):
            assert await _send(http, "ann@example.com") == (501, "connector.not_found")
        await interaction(http, "ForgotPassword")  # a skipped delivery needs no connector
        assert (await _send(http, "ann@example.com", "ForgotPassword"))[0] == 200


def test_recipients_are_canonical() -> None:
    assert canonical_recipient(" Ann@Example.com") == canonical_recipient("ann@example.com")
    assert canonical_recipient("+1 (650) 253-0000") == "16502530000"
    assert canonical_recipient("not a number") == "not a number"


async def test_code_checks_in_logtos_order() -> None:
    clock = Clock()
    server = _server(clock)
    verify = "/api/experience/verification/verification-code/verify"
    async with client(server) as http:
        await interaction(http)
        identifier = {"type": "email", "value": "ann@example.com"}
        sent = await http.post(SEND, json={"identifier": identifier, "interactionEvent": "SignIn"})
        check = {"identifier": identifier, "verificationId": sent.json()["verificationId"]}
        code = server.outbox.last_code("ann@example.com")
        empty = answer(await http.post(verify, json={**check, "code": ""}))
        assert empty == (400, "verification_code.not_found")
        other = {**check, "identifier": {"type": "email", "value": "bob@example.com"}, "code": code}
        mismatch = answer(await http.post(verify, json=other))
        assert mismatch == (400, "verification_code.email_mismatch")
        for _ in range(10):
            wrong = answer(await http.post(verify, json={**check, "code": "x"}))
            assert wrong == (400, "verification_code.code_mismatch")
        exceeded = answer(await http.post(verify, json={**check, "code": code}))
        assert exceeded == (400, "verification_code.exceed_max_try")
        resent = await http.post(
            SEND, json={"identifier": identifier, "interactionEvent": "SignIn"}
        )
        check["verificationId"] = resent.json()["verificationId"]
        code = server.outbox.last_code("ann@example.com")
        clock.advance(601)
        late = answer(await http.post(verify, json={**check, "code": code}))
        assert late == (400, "verification_code.expired")
