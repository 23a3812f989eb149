"""Test accounts at scale: seeded through the Management API before a run, removed after.

Usernames are ``{prefix}{index:06d}``; each password is derived from the M2M app's secret and
the username (HMAC-SHA256), so seeding again finds the same accounts with the same passwords
(idempotent: an existing username is kept, not an error) and no password is ever stored or
printed. :func:`remove_accounts` walks ``ListUsers`` page by page (searching the prefix)
before deleting, so deleting never shifts a page still to be read.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from logto_dynamic._apis._management import ManagementClient
from logto_dynamic._exceptions import AccountsExhausted, ApiError

__all__ = [
    "DEFAULT_PREFIX",
    "Account",
    "AccountPool",
    "derive_password",
    "remove_accounts",
    "seed_accounts",
]

DEFAULT_PREFIX = "load_user_"
#: Logto's answer when a username is taken (the account was seeded before).
_TAKEN = "user.username_already_in_use"


@dataclass(frozen=True, slots=True)
class Account:
    """One test account; ``repr`` never shows the password or the TOTP secret."""

    username: str
    password: str = field(repr=False)
    totp_secret: str | None = field(default=None, repr=False)

    def to_message(self) -> dict[str, str | None]:
        """The account as a plain dict (a Locust message between master and workers)."""
        return {"username": self.username, "password": self.password, "totp": self.totp_secret}

    @classmethod
    def from_message(cls, data: dict[str, str | None]) -> Account:
        """The account :meth:`to_message` made."""
        return cls(str(data["username"]), str(data["password"]), data.get("totp"))


def derive_password(key: str, username: str) -> str:
    """A strong password for ``username``, the same every time for the same ``key``.

    Letters (lower and upper case) and digits alternate, so no run of three can be a sequence
    or a repetition (which Logto's default policy rejects); a symbol ends it.
    """
    digest = hmac.new(key.encode(), username.encode(), hashlib.sha256).digest()
    lower, upper, digits = string.ascii_lowercase, string.ascii_uppercase, string.digits
    chars = [
        (lower if i % 4 == 0 else upper)[b % 26] if i % 2 == 0 else digits[b % 10]
        for i, b in enumerate(digest[:16])
    ]
    return "".join(chars) + "!"


def usernames(count: int, prefix: str = DEFAULT_PREFIX) -> Iterator[str]:
    """The usernames of ``count`` accounts."""
    return (f"{prefix}{index:06d}" for index in range(count))


def seed_accounts(
    management: ManagementClient,
    count: int,
    *,
    key: str,
    prefix: str = DEFAULT_PREFIX,
    concurrency: int = 8,
) -> list[Account]:
    """Create ``count`` accounts (``CreateUser``), keeping those that already exist.

    ``key`` derives the passwords (LogtoUser passes the M2M app's secret). Up to
    ``concurrency`` requests are in flight at once (Logto hashes each password, tens of
    milliseconds). Any refusal but "username already in use" is raised as the
    :class:`ApiError` it is.
    """
    if count < 0:
        raise ValueError(f"count must be 0 or more, not {count}")

    def create(username: str) -> Account:
        password = derive_password(key, username)
        try:
            management.call("CreateUser", {"username": username, "password": password})
        except ApiError as exc:
            if exc.code != _TAKEN:
                raise
        return Account(username, password)

    with ThreadPoolExecutor(max(1, concurrency)) as pool:
        return list(pool.map(create, usernames(count, prefix)))


def remove_accounts(
    management: ManagementClient,
    *,
    prefix: str = DEFAULT_PREFIX,
    page_size: int = 100,
    concurrency: int = 8,
) -> int:
    """Delete every user whose username starts with ``prefix``; how many were deleted.

    The list is read to its end first (``ListUsers``, ``search.username``), then each user is
    deleted (``concurrency`` at once); a user already gone (404) is not an error.
    """
    if not prefix:
        raise ValueError("an empty prefix would delete every user")
    query = {"search.username": f"{prefix}%"}
    found = [
        str(user["id"])
        for user in management.paginate("ListUsers", query=query, page_size=page_size)
        if str(user.get("username") or "").startswith(prefix)
    ]

    def delete(user_id: str) -> bool:
        try:
            management.call("DeleteUser", path={"userId": user_id})
        except ApiError as exc:
            if exc.status_code != 404:
                raise
            return False
        return True

    with ThreadPoolExecutor(max(1, concurrency)) as pool:
        return sum(pool.map(delete, found))


class AccountPool:
    """The accounts of one user class, handed out one by one (in a run's single place: the
    Locust master, or the one process of a local run).

    ``distinct``: each account goes to one simulated user only, and taking more than there
    are raises :class:`AccountsExhausted`; otherwise they are handed out round-robin.
    """

    def __init__(self, accounts: list[Account], *, distinct: bool = True) -> None:
        self.accounts = list(accounts)
        self.distinct = distinct
        self.taken = 0

    def take(self) -> Account:
        """The next account."""
        if not self.accounts or (self.distinct and self.taken >= len(self.accounts)):
            raise AccountsExhausted(
                f"all {len(self.accounts)} test accounts are taken: seed more "
                "(LogtoUser.seed_users) or run fewer users"
            )
        account = self.accounts[self.taken % len(self.accounts)]
        self.taken += 1
        return account

    def __repr__(self) -> str:
        return f"<AccountPool {self.taken}/{len(self.accounts)} taken distinct={self.distinct}>"
