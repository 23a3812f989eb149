"""The demo flows over loopback through ``Client`` and ``AsyncClient``, checked against the spec."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from _support import SEED_USER

from logto_dynamic import AsyncClient, Client, load_spec
from logto_dynamic.testing import ExperienceServer, SignInExperience, serve_app
from logto_dynamic.testing.demo._flows import FLOWS, Account, Bootstrap, Call, Flow, Outcome
from logto_dynamic.testing.demo._runner import arun_flow, describe, run_flow

Results = tuple[list[bool], list[Outcome]]


def _sync(server: ExperienceServer, base_url: str, account: Account) -> Results:
    outcomes: list[Outcome] = []
    with Client(base_url) as client:
        oks = [run_flow(client, flow(server, account), outcomes.append) for _, flow in FLOWS]
    return oks, outcomes


def _async(server: ExperienceServer, base_url: str, account: Account) -> Results:
    async def main() -> Results:
        outcomes: list[Outcome] = []
        async with AsyncClient(base_url) as client:
            oks = [
                await arun_flow(client, flow(server, account), outcomes.append) for _, flow in FLOWS
            ]
        await anyio.sleep(0.05)  # let the closed connections' callbacks run before the loop ends
        return oks, outcomes

    return anyio.run(main)


DRIVERS: dict[str, Callable[[ExperienceServer, str, Account], Results]] = {
    "Client": _sync,
    "AsyncClient": _async,
}


@pytest.fixture(scope="module", params=sorted(DRIVERS))
def flow_run(request: pytest.FixtureRequest) -> Iterator[tuple[Account, Results]]:
    """All flows, run once per driver against a fresh loopback server (stopped afterwards)."""
    server = ExperienceServer()
    account = Account()
    with serve_app(server) as base_url:
        yield account, DRIVERS[request.param](server, base_url, account)


@pytest.mark.loopback
def test_every_flow_behaves_as_expected(flow_run: tuple[Account, Results]) -> None:
    _, (oks, outcomes) = flow_run
    assert oks == [True] * len(FLOWS), "\n".join(describe(o) for o in outcomes)
    operations = {o.operation for o in outcomes}
    assert {"IdentifyUser", "BindMfaVerification", "ResetUserPassword"} <= operations
    statuses = {(o.operation, o.status) for o in outcomes}
    assert ("IdentifyUser", 201) in statuses and ("IdentifyUser", 204) in statuses
    assert ("CreatePasswordVerification", 422) in statuses
    # register, sign-in, TOTP binding and the sign-in after the reset end in verified tokens
    assert [o.operation for o in outcomes].count("OIDC tokens") == 4


def test_server_responses_match_the_bundled_spec(flow_run: tuple[Account, Results]) -> None:
    """Every answer the server gave in the flows is valid for the document: no drift."""
    spec = load_spec()
    _, (_, outcomes) = flow_run
    checked = 0
    for outcome in outcomes:
        if not isinstance(outcome.step, Call):
            continue
        assert outcome.http is not None
        op = spec.operation(outcome.step.operation)
        found = list(
            spec.responses.check(
                op, outcome.status, outcome.http.headers.get("content-type"), outcome.http.content
            ).violations
        )
        assert found == [], f"{op.operation_id} {outcome.status}: {found}"
        checked += 1
    assert checked >= 30


def test_report_lines_never_show_secrets(flow_run: tuple[Account, Results]) -> None:
    account, (_, outcomes) = flow_run
    text = "\n".join(describe(o) for o in outcomes)
    assert account.totp_secret
    for secret in (account.password, account.new_password, account.totp_secret):
        assert secret not in text
    for outcome in outcomes:
        if isinstance(outcome.step, Call) and isinstance(outcome.step.body, dict):
            code = outcome.step.body.get("code")
            if isinstance(code, str):
                assert code not in text


@pytest.mark.loopback
def test_demo_command_runs_green_without_leaking_secrets() -> None:
    from logto_dynamic.testing.demo._main import PROXY_TITLE, run_demo

    lines: list[str] = []
    assert run_demo(echo=lines.append) == 0
    text = "\n".join(lines)
    assert "summary: " in text and PROXY_TITLE in text
    assert "UnprocessableEntityError" in text and "session.invalid_credentials" in text
    assert text.count("ID token verified: sub=") == 5  # 4 flows + the proxied sign-in
    assert "eyJ" not in text  # no JWT (ID token) is ever printed
    account = Account()
    assert account.password not in text and account.new_password not in text


def test_cli_registers_serve_and_demo() -> None:
    from logto_dynamic._cli._server import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args: Any = parser.parse_args(["serve", "--port", "0", "--seed-user", "bob:Pw-1234567"])
    assert args.seed_user == [("bob", "Pw-1234567")] and args.host == "127.0.0.1"
    assert callable(args.func)
    assert callable(parser.parse_args(["demo"]).func)
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--seed-user", "no-colon"])
    apps: Any = parser.parse_args(
        [
            "serve",
            "--app",
            "spa=http://localhost:5173/cb",
            "--third-party-app",
            "p=/p",
            "--endpoint",
            "https://auth.example.test",
            "--mfa-policy",
            "NoPrompt",
        ]
    )
    assert (apps.app, apps.third_party_app) == (["spa=http://localhost:5173/cb"], ["p=/p"])
    assert apps.endpoint == "https://auth.example.test" and apps.mfa_policy == "NoPrompt"
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--app", "no-redirect-uri"])


def _derailed(server: ExperienceServer, acct: Account) -> Flow:
    """A flow whose second step expects what the server will not answer."""
    yield Bootstrap()
    yield Call("InitInteraction", {"interactionEvent": "SignIn"}, expect=204)
    yield Call(
        "CreatePasswordVerification",  # a wrong password: 422, not the 200 expected
        {"identifier": {"type": "username", "value": acct.username}, "password": "Wrong-Passw0rd!"},
    )
    raise AssertionError("the runner must stop at the first unexpected outcome")


@pytest.mark.loopback
@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_a_flow_stops_at_its_first_unexpected_outcome(driver: str) -> None:
    server = ExperienceServer(SignInExperience(seed_users=(SEED_USER,)))
    account = Account(username=SEED_USER[0], password=SEED_USER[1])
    outcomes: list[Outcome] = []
    with serve_app(server) as base_url:
        if driver == "Client":
            with Client(base_url) as client:
                ok = run_flow(client, _derailed(server, account), outcomes.append)
        else:

            async def main() -> bool:
                async with AsyncClient(base_url) as client:
                    done = await arun_flow(client, _derailed(server, account), outcomes.append)
                await anyio.sleep(0.05)
                return done

            ok = anyio.run(main)
    assert ok is False
    assert [o.expected for o in outcomes] == [True, True, False]
    assert (outcomes[-1].status, outcomes[-1].code) == (422, "session.invalid_credentials")
