"""Sign-in flows end to end over loopback against the embedded server, sync and async.

Every test runs twice: with a ``Client`` and with an ``AsyncClient`` (``mode``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from _support.live import BACKUP_CODES, PASSWORD, Live, aw, client_for, live_server

from logto_dynamic import (
    AuthorizationError,
    BadRequestError,
    ConsentRequiredError,
    ForbiddenError,
    MfaBindingRequired,
    MfaRequired,
    MfaSuggested,
    Registration,
    RequestValidationError,
    StateMismatchError,
    TokenRequestError,
    Tokens,
    Totp,
    UnprocessableEntityError,
)

pytestmark = [pytest.mark.anyio, pytest.mark.loopback]


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def live() -> Iterator[Live]:
    with live_server(mfa_factors=("Totp", "BackupCode")) as started:
        yield started


async def _sign_in(mode: str, live: Live, *args: Any, **kwargs: Any) -> Tokens:
    async with client_for(mode, live.base) as client:
        interaction = await aw(client.interaction("demo-app", live.redirect))
        tokens: Tokens = await aw(interaction.sign_in(*args, **kwargs))
        return tokens


def _check_tokens(tokens: Tokens, live: Live, user_id: str, username: str) -> None:
    assert tokens.claims["sub"] == user_id == tokens.subject
    assert tokens.claims["username"] == username
    assert tokens.claims["iss"] == f"{live.base}/oidc"
    assert tokens.claims["aud"] == "demo-app"
    assert tokens.token_type == "Bearer" and tokens.access_token and not tokens.expired
    for secret in (tokens.id_token, tokens.access_token):
        assert secret not in repr(tokens) and secret not in str(tokens)


async def test_sign_in_with_password(mode: str, live: Live) -> None:
    user = live.user()
    tokens = await _sign_in(mode, live, "alice", password=PASSWORD)
    _check_tokens(tokens, live, user.id, "alice")
    assert tokens.refresh_token is None  # no offline_access + consent


async def test_wrong_password_is_a_typed_error(mode: str, live: Live) -> None:
    live.user()
    with pytest.raises(UnprocessableEntityError) as caught:
        await _sign_in(mode, live, "alice", password="Not-the-Passw0rd")
    assert caught.value.code == "session.invalid_credentials"


async def test_sign_in_with_totp(mode: str, live: Live) -> None:
    user = live.user(mfa=True)
    assert user.totp_secret is not None
    tokens = await _sign_in(mode, live, "alice", password=PASSWORD, mfa=Totp(user.totp_secret))
    _check_tokens(tokens, live, user.id, "alice")


async def test_sign_in_with_a_backup_code_that_works_once(mode: str, live: Live) -> None:
    user = live.user(mfa=True)
    tokens = await _sign_in(mode, live, "alice", password=PASSWORD, mfa=BACKUP_CODES[0])
    _check_tokens(tokens, live, user.id, "alice")
    with pytest.raises(BadRequestError) as caught:
        await _sign_in(mode, live, "alice", password=PASSWORD, mfa=BACKUP_CODES[0])
    assert caught.value.code == "session.mfa.invalid_backup_code"


async def test_sign_in_with_a_callable_that_picks_the_factor(mode: str, live: Live) -> None:
    user = live.user(mfa=True)
    seen: list[tuple[str, ...]] = []

    def choose(factors: tuple[str, ...]) -> tuple[str, str]:
        seen.append(factors)
        return "BackupCode", BACKUP_CODES[1]

    await _sign_in(mode, live, "alice", password=PASSWORD, mfa=choose)
    assert seen == [("Totp", "BackupCode")]
    assert user.backup_codes == [BACKUP_CODES[0]]


async def test_mfa_required_without_mfa(mode: str, live: Live) -> None:
    live.user(mfa=True)
    with pytest.raises(MfaRequired) as caught:
        await _sign_in(mode, live, "alice", password=PASSWORD)
    err = caught.value
    assert isinstance(err, ForbiddenError) and err.status_code == 403
    assert err.code == "session.mfa.require_mfa_verification"
    assert err.factors == ("Totp", "BackupCode")


async def test_wrong_totp_code(mode: str, live: Live) -> None:
    live.user(mfa=True)
    with pytest.raises(BadRequestError) as caught:
        await _sign_in(mode, live, "alice", password=PASSWORD, mfa=lambda f: ("Totp", "000000"))
    assert caught.value.code == "session.mfa.invalid_totp_code"


async def test_register_skips_a_suggestion(mode: str, live: Live) -> None:
    async with client_for(mode, live.base) as client:
        interaction = await aw(client.interaction("demo-app", live.redirect))
        registered = await aw(interaction.register("newcomer", PASSWORD))
    assert isinstance(registered, Registration)
    assert registered.totp_secret is None and registered.backup_codes == ()
    user = live.server.users.find("username", "newcomer")
    assert user is not None and user.mfa_skipped
    _check_tokens(registered.tokens, live, user.id, "newcomer")


async def test_steps_show_the_suggestion_then_skip(mode: str, live: Live) -> None:
    async with client_for(mode, live.base) as client:
        interaction = await aw(client.interaction("demo-app", live.redirect))
        await aw(interaction.init("Register"))
        await aw(interaction.create_password_identity("stepper", PASSWORD))
        await aw(interaction.identify())
        with pytest.raises(MfaSuggested) as caught:
            await aw(interaction.submit())
        assert caught.value.code == "user.suggest_mfa" and caught.value.skippable
        assert isinstance(caught.value, UnprocessableEntityError)
        await aw(interaction.skip_mfa())
        tokens = await aw(interaction.finish())
    assert tokens.claims["username"] == "stepper"


async def test_register_mandatory_without_binding(mode: str) -> None:
    with live_server(mfa_factors=("Totp",), mfa_policy="Mandatory") as live:
        async with client_for(mode, live.base) as client:
            interaction = await aw(client.interaction("demo-app", live.redirect))
            with pytest.raises(MfaBindingRequired) as caught:
                await aw(interaction.register("strict", PASSWORD))
            assert caught.value.factors == ("Totp",) and not caught.value.skippable
            assert caught.value.code == "user.missing_mfa"
            with pytest.raises(UnprocessableEntityError) as skip:
                await aw(interaction.skip_mfa())
            assert skip.value.code == "session.mfa.mfa_policy_not_user_controlled"


async def test_register_binding_totp_and_backup_codes(mode: str) -> None:
    with live_server(mfa_factors=("Totp", "BackupCode"), mfa_policy="Mandatory") as live:
        async with client_for(mode, live.base) as client:
            interaction = await aw(client.interaction("demo-app", live.redirect))
            registered = await aw(
                interaction.register("bound", PASSWORD, bind_mfa=("Totp", "BackupCode"))
            )
        assert registered.totp_secret and len(registered.backup_codes) >= 2
        assert registered.totp_secret not in repr(registered)
        assert all(code not in repr(registered) for code in registered.backup_codes)
        user = live.server.users.find("username", "bound")
        assert user is not None and user.totp_secret == registered.totp_secret
        tokens = await _sign_in(
            mode, live, "bound", password=PASSWORD, mfa=Totp(registered.totp_secret)
        )
        assert tokens.subject == user.id


async def test_sign_in_binds_mfa_when_the_policy_is_mandatory(mode: str) -> None:
    with live_server(mfa_factors=("Totp", "BackupCode"), mfa_policy="Mandatory") as live:
        user = live.user("late")  # signed up before the policy: no factor yet
        async with client_for(mode, live.base) as client:
            interaction = await aw(client.interaction("demo-app", live.redirect))
            with pytest.raises(MfaBindingRequired):  # without bind_mfa: as before
                await aw(interaction.sign_in("late", PASSWORD))
        async with client_for(mode, live.base) as client:
            interaction = await aw(client.interaction("demo-app", live.redirect))
            bound = await aw(interaction.sign_in("late", PASSWORD, bind_mfa="Totp"))
        assert isinstance(bound, Registration) and bound.tokens.subject == user.id
        # BackupCode is enabled: Logto wants backup codes beside the TOTP, and gets them
        assert bound.bound == ("Totp", "BackupCode") and len(bound.backup_codes) >= 2
        assert user.totp_secret == bound.totp_secret and bound.totp_secret not in repr(bound)
        assert "bound=['Totp', 'BackupCode']" in repr(bound)
        # next time: the factor just bound is verified
        again = await _sign_in(mode, live, "late", password=PASSWORD, mfa=bound.backup_codes[0])
        assert again.subject == user.id
        # nothing to bind (already bound): still a Registration, with nothing bound
        async with client_for(mode, live.base) as client:
            interaction = await aw(client.interaction("demo-app", live.redirect))
            plain = await aw(
                interaction.sign_in(
                    "late", PASSWORD, mfa=bound.backup_codes[1], bind_mfa=("Totp", "BackupCode")
                )
            )
        assert plain.bound == () and plain.tokens.subject == user.id
        with pytest.raises(ValueError, match="cannot bind WebAuthn"):
            await _sign_in(mode, live, "late", password=PASSWORD, bind_mfa="WebAuthn")


async def test_reset_password_needs_an_email_or_a_phone(mode: str, live: Live) -> None:
    live.user("nomail")
    async with client_for(mode, live.base) as client:
        interaction = await aw(client.interaction("demo-app", live.redirect))
        with pytest.raises(RequestValidationError) as caught:
            await aw(interaction.reset_password("nomail", "Zq8!lantern-Fjord", lambda _: "0"))
    assert "needs an email or a phone number" in str(caught.value)
    assert caught.value.violations[0].json_path == "$.identifier.type"
    assert interaction.event is None  # refused before the interaction was even started
    assert live.server.outbox.deliveries == []


async def test_register_with_a_verified_email(mode: str, live: Live) -> None:
    def code(identifier: dict[str, str]) -> str:
        return live.server.outbox.last_code(identifier["value"])

    async with client_for(mode, live.base) as client:
        interaction = await aw(client.interaction("demo-app", live.redirect))
        registered = await aw(
            interaction.register("mailer", PASSWORD, email="mailer@example.com", code=code)
        )
    user = live.server.users.find("email", "mailer@example.com")
    assert user is not None and user.username == "mailer"
    assert registered.tokens.subject == user.id


async def test_reset_password_then_sign_in(mode: str, live: Live) -> None:
    live.user(primary_email="alice@example.com")
    new_password = "Zq8!lantern-Fjord"
    async with client_for(mode, live.base) as client:
        interaction = await aw(client.interaction("demo-app", live.redirect))
        await aw(
            interaction.reset_password(
                "alice@example.com",
                new_password,
                code=lambda ident: live.server.outbox.last_code(ident["value"]),
            )
        )
    tokens = await _sign_in(mode, live, "alice", password=new_password)
    assert tokens.claims["username"] == "alice"
    with pytest.raises(UnprocessableEntityError):
        await _sign_in(mode, live, "alice", password=PASSWORD)


async def test_refresh_rotation_after_the_consent_hop(mode: str, live: Live) -> None:
    user = live.user()
    async with client_for(mode, live.base) as client:
        interaction = await aw(
            client.interaction(
                "demo-app",
                live.redirect,
                scopes=("openid", "profile", "offline_access"),
                prompt="consent",
            )
        )
        first = await aw(interaction.sign_in("alice", password=PASSWORD))
        assert first.refresh_token and first.refresh_token not in repr(first)
        second = await aw(client.refresh_tokens("demo-app", first.refresh_token))
        assert second.refresh_token and second.refresh_token != first.refresh_token
        assert second.subject == user.id and second.access_token != first.access_token
        third = await aw(client.refresh_tokens("demo-app", second.refresh_token))
        assert third.subject == user.id and third.refresh_token
        # Reusing a spent refresh token revokes the grant (as node-oidc-provider does).
        with pytest.raises(TokenRequestError):
            await aw(client.refresh_tokens("demo-app", second.refresh_token))
        with pytest.raises(TokenRequestError):
            await aw(client.refresh_tokens("demo-app", third.refresh_token))


async def test_third_party_consent_is_refused(mode: str, live: Live) -> None:
    live.user()
    live.server.add_app("outside-app", f"{live.base}/outside", third_party=True)
    async with client_for(mode, live.base) as client:
        interaction = await aw(client.interaction("outside-app", f"{live.base}/outside"))
        with pytest.raises(ConsentRequiredError) as caught:
            await aw(interaction.sign_in("alice", password=PASSWORD))
    assert "third-party" in str(caught.value)


@pytest.mark.parametrize(
    ("app_id", "redirect"),
    [("demo-app", "http://127.0.0.1:9/elsewhere"), ("no-such-app", "{base}/demo-app")],
)
async def test_oidc_error_at_the_authorization_request(
    mode: str, live: Live, app_id: str, redirect: str
) -> None:
    async with client_for(mode, live.base) as client:
        with pytest.raises(AuthorizationError) as caught:
            await aw(client.interaction(app_id, redirect.format(base=live.base)))
    assert caught.value.error and caught.value.error_description


async def test_state_mismatch_is_refused(mode: str, live: Live) -> None:
    live.user(mfa_skipped=True)  # no MFA suggestion in the way
    async with client_for(mode, live.base) as client:
        interaction = await aw(client.interaction("demo-app", live.redirect))
        await aw(interaction.init("SignIn"))
        await aw(interaction.verify_password("alice", PASSWORD))
        await aw(interaction.identify())
        redirect = await aw(interaction.submit())
        interaction.state.auth = dataclasses.replace(interaction.state.auth, state="forged")
        with pytest.raises(StateMismatchError):
            await aw(interaction.complete(redirect))


async def test_call_shares_the_cookie_jar(mode: str, live: Live) -> None:
    live.user(mfa_skipped=True)  # no MFA suggestion in the way
    async with client_for(mode, live.base) as client:
        interaction = await aw(client.interaction("demo-app", live.redirect))
        await aw(client.call("InitInteraction", {"interactionEvent": "SignIn"}))
        result = await aw(
            client.call(
                "CreatePasswordVerification",
                {"identifier": {"type": "username", "value": "alice"}, "password": PASSWORD},
            )
        )
        await aw(interaction.identify(result.data["verificationId"]))
        tokens = await aw(interaction.finish())
    assert tokens.claims["username"] == "alice"


async def test_totp_binding_steps(mode: str, live: Live) -> None:
    live.user()
    async with client_for(mode, live.base) as client:
        interaction = await aw(client.interaction("demo-app", live.redirect))
        await aw(interaction.init("SignIn"))
        await aw(interaction.verify_password({"type": "username", "value": "alice"}, PASSWORD))
        await aw(interaction.identify())
        created = await aw(interaction.create_totp())
        assert created.secret not in repr(created)
        await aw(interaction.verify_totp(Totp(created.secret).now(), created.verification_id))
        await aw(interaction.bind_mfa("Totp"))
        codes = await aw(interaction.generate_backup_codes())
        assert all(code not in repr(codes) for code in codes.codes)
        await aw(interaction.bind_mfa("BackupCode", codes.verification_id))
        tokens = await aw(interaction.finish())
    assert tokens.claims["username"] == "alice"
    user = live.server.users.find("username", "alice")
    assert user is not None and user.totp_secret == created.secret


async def test_nothing_secret_reaches_our_logs(
    mode: str, live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    user = live.user(mfa=True)
    assert user.totp_secret is not None
    caplog.set_level("DEBUG", logger="logto_dynamic")
    async with client_for(mode, live.base) as client:
        interaction = await aw(
            client.interaction(
                "demo-app", live.redirect, scopes=("openid", "offline_access"), prompt="consent"
            )
        )
        tokens = await aw(interaction.sign_in("alice", PASSWORD, mfa=Totp(user.totp_secret)))
        fresh = await aw(client.refresh_tokens("demo-app", tokens.refresh_token))
        ours = "\n".join(
            r.getMessage() for r in caplog.records if r.name.startswith("logto_dynamic")
        )
        cookie_values = [c.value for c in client.cookies.jar]
    secrets = [
        PASSWORD,
        user.totp_secret,
        tokens.id_token,
        tokens.access_token,
        tokens.refresh_token,
        fresh.refresh_token,
        fresh.access_token,
        *cookie_values,
    ]
    assert "SubmitInteraction" in ours  # the calls were logged, their secrets were not
    assert all(s and s not in ours for s in secrets)
    assert all(s not in repr(interaction) for s in secrets if s)


async def test_an_mfa_error_leaves_the_interaction_usable(mode: str, live: Live) -> None:
    user = live.user(mfa=True)
    async with client_for(mode, live.base) as client:
        interaction = await aw(client.interaction("demo-app", live.redirect))
        with pytest.raises(MfaRequired):
            await aw(interaction.sign_in("alice", PASSWORD))
        await aw(interaction.verify_backup_code(BACKUP_CODES[0]))
        tokens = await aw(interaction.finish())
    assert tokens.subject == user.id


async def test_sign_in_by_email_and_by_phone(mode: str, live: Live) -> None:
    user = live.user(
        primary_email="alice@example.com", primary_phone="15550100999", mfa_skipped=True
    )
    for identifier in ("alice@example.com", "+1 555 010 0999"):
        tokens = await _sign_in(mode, live, identifier, password=PASSWORD)
        assert tokens.subject == user.id
