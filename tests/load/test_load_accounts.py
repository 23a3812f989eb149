"""Test accounts: derived passwords, the pool, seeding and removal through the Management API."""

from __future__ import annotations

import httpx
import pytest

from logto_dynamic import ApiError, ManagementClient
from logto_dynamic.load import (
    Account,
    AccountPool,
    AccountsExhausted,
    derive_password,
    remove_accounts,
    seed_accounts,
)
from logto_dynamic.testing import LogtoTestServer, password_issues


def test_derived_passwords_are_stable_distinct_and_pass_the_default_policy() -> None:
    names = [f"load_user_{i:06d}" for i in range(500)]
    passwords = [derive_password("key", name) for name in names]
    assert passwords == [derive_password("key", name) for name in names]
    assert len(set(passwords)) == 500
    assert derive_password("other key", names[0]) != passwords[0]
    for password in passwords:
        assert password_issues(password) == [], password
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password) and not password.isalnum()


def test_an_account_never_shows_its_secrets_and_travels_as_a_message() -> None:
    account = Account("alice", "Q1w9!zzpx8", "JBSWY3DPEHPK3PXP")
    assert "Q1w9" not in repr(account) and "JBSWY" not in repr(account)
    assert Account.from_message(account.to_message()) == account


def test_a_distinct_pool_hands_each_account_out_once() -> None:
    accounts = [Account(f"u{i}", "p") for i in range(3)]
    pool = AccountPool(accounts)
    assert [pool.take() for _ in range(3)] == accounts
    with pytest.raises(AccountsExhausted, match="all 3 test accounts are taken"):
        pool.take()
    assert isinstance(AccountsExhausted("x"), LookupError)


def test_a_shared_pool_goes_round_robin_and_an_empty_one_refuses() -> None:
    accounts = [Account(f"u{i}", "p") for i in range(2)]
    pool = AccountPool(accounts, distinct=False)
    assert [pool.take().username for _ in range(5)] == ["u0", "u1", "u0", "u1", "u0"]
    with pytest.raises(AccountsExhausted):
        AccountPool([], distinct=False).take()


@pytest.mark.loopback
def test_seeding_is_idempotent_and_removal_walks_every_page(logto_server: LogtoTestServer) -> None:
    logto_server.add_user("bystander", "Q1w9!zzpx8")
    logto_server.add_user("load_user_x_but_not_seeded_here", "Q1w9!zzpx8")
    with logto_server.management() as management:
        first = seed_accounts(management, 10, key="k", prefix="load_user_")
        again = seed_accounts(management, 12, key="k", prefix="load_user_")
        assert again[:10] == first and len(again) == 12
        names = {u["username"] for u in management.paginate("ListUsers")}
        assert {a.username for a in again} <= names and len(names) == 14
        # Every seeded account signs in with its derived password.
        for account in (again[0], again[11]):
            assert logto_server.sign_in(account.username, account.password).access_token
        assert remove_accounts(management, prefix="load_user_", page_size=3) == 13
        assert remove_accounts(management, prefix="load_user_") == 0
        left = [u["username"] for u in management.paginate("ListUsers")]
        assert left == ["bystander"]
        with pytest.raises(ValueError, match="every user"):
            remove_accounts(management, prefix="")
        with pytest.raises(ValueError, match="0 or more"):
            seed_accounts(management, -1, key="k")


def _management(code: str) -> ManagementClient:
    """A Management client whose server refuses every CreateUser with ``code`` (422)."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oidc/token":
            return httpx.Response(
                200, json={"access_token": "t", "expires_in": 3600, "token_type": "Bearer"}
            )
        return httpx.Response(422, json={"code": code, "message": "Refused."})

    return ManagementClient(
        "http://logto.test",
        app_id="m2m",
        app_secret="s",
        validate="off",
        transport=httpx.MockTransport(answer),
    )


def test_a_taken_username_is_kept_and_any_other_refusal_raised() -> None:
    with _management("user.username_already_in_use") as management:
        accounts = seed_accounts(management, 3, key="k", concurrency=2)
        assert [a.username for a in accounts] == [f"load_user_{i:06d}" for i in range(3)]
    with _management("password.rejected") as management, pytest.raises(ApiError) as caught:
        seed_accounts(management, 3, key="k")
    assert caught.value.code == "password.rejected"
