"""Test accounts across a Locust run: seeded once, handed out one by one, removed after.

One place holds the accounts: the master of a distributed run (or the one process of a local
run). On Locust's ``init`` event it seeds every :class:`LogtoUser` class's accounts through
the Management API (before the run starts, so ``--run-time`` measures the load only); when
Locust quits it removes them. A simulated user takes its account
from there: in a worker, by a message to the master and the master's answer (so no two
workers sign in as the same user when the accounts are distinct), in a local run directly.
"""

from __future__ import annotations

import itertools
import logging
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import gevent.event
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from logto_dynamic._apis._management import ManagementClient
from logto_dynamic._exceptions import AccountsExhausted
from logto_dynamic.load._accounts import Account, AccountPool, remove_accounts, seed_accounts

if TYPE_CHECKING:
    from collections.abc import Sequence

    from locust import User

__all__ = ["AccountUser", "serve_accounts_to", "take_account"]

log = logging.getLogger("logto_dynamic.load")

TAKE = "logto_dynamic:take_account"
GIVE = "logto_dynamic:account"
#: How long a worker's user waits for the master's answer.
WAIT_SECONDS = 60.0


class _Accounts:
    """The accounts of one Locust environment: pools (master, local) or pending asks (worker)."""

    def __init__(self) -> None:
        self.pools: dict[str, AccountPool] = {}
        self.waiting: dict[int, gevent.event.AsyncResult] = {}
        self.tickets = itertools.count(1)


_STATE: dict[int, _Accounts] = {}


def _state(environment: Environment) -> _Accounts:
    return _STATE.setdefault(id(environment), _Accounts())


class AccountUser(Protocol):
    """What this module reads of a user class that takes test accounts (``LogtoUser``)."""

    host: ClassVar[str | None]
    m2m_app: ClassVar[tuple[str, str] | None]
    management_resource: ClassVar[str]
    seed_users: ClassVar[int]
    accounts: ClassVar[Sequence[Account]]
    account_prefix: ClassVar[str]
    distinct_accounts: ClassVar[bool]
    remove_accounts: ClassVar[bool]


#: The base class whose subclasses take accounts (``LogtoUser`` names itself on import, so
#: this module never imports the user's).
_BASES: list[type[User]] = []


def serve_accounts_to(base: type[User]) -> None:
    """Seed, hand out and remove test accounts for the subclasses of ``base``."""
    if base not in _BASES:
        _BASES.append(base)


def _logto_classes(environment: Environment) -> list[type[AccountUser]]:
    bases = tuple(_BASES)
    return [c for c in environment.user_classes if bases and issubclass(c, bases)]  # type: ignore[misc]


def _m2m(user_class: type[AccountUser]) -> tuple[str, str]:
    if user_class.m2m_app is None:
        raise RuntimeError(f"{user_class.__name__}.seed_users needs m2m_app = (app_id, secret)")
    return user_class.m2m_app


def _management(user_class: type[AccountUser], host: str) -> ManagementClient:
    app_id, secret = _m2m(user_class)
    return ManagementClient(
        host,
        app_id=app_id,
        app_secret=secret,
        resource=user_class.management_resource,
        timeout=60.0,
    )


def _host(environment: Environment, user_class: type[AccountUser]) -> str:
    host = environment.host or user_class.host
    if not host:
        raise RuntimeError(f"{user_class.__name__}: no host (--host or LogtoUser.host)")
    return host


def _on_init(environment: Environment, **_: Any) -> None:
    # httpx logs every request at INFO, which Locust shows: one line per exchange of every
    # user would drown the run's own log (and cost the generator CPU).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    runner = environment.runner
    if runner is None:  # pragma: no cover - Locust always makes a runner before init
        return
    if isinstance(runner, WorkerRunner):
        runner.register_message(GIVE, lambda msg, **_: _given(environment, msg.data))
        return
    if isinstance(runner, MasterRunner):
        runner.register_message(TAKE, lambda msg, **_: _give(environment, msg))
    _seed(environment)


def _seed(environment: Environment) -> None:
    state = _state(environment)
    for user_class in _logto_classes(environment):
        accounts = list(user_class.accounts)
        if user_class.seed_users:
            management = _management(user_class, _host(environment, user_class))
            try:
                accounts += seed_accounts(
                    management,
                    user_class.seed_users,
                    key=_m2m(user_class)[1],
                    prefix=user_class.account_prefix,
                )
            finally:
                management.close()
            log.info("seeded %d test accounts for %s", user_class.seed_users, user_class.__name__)
        state.pools[user_class.__name__] = AccountPool(
            accounts, distinct=user_class.distinct_accounts
        )


def _on_test_start(environment: Environment, **_: Any) -> None:
    """A new test (the web UI's start button): the users of the last one are gone."""
    for pool in _state(environment).pools.values():
        pool.taken = 0


def _on_quitting(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    for user_class in _logto_classes(environment):
        if user_class.m2m_app is not None and user_class.remove_accounts:
            management = _management(user_class, _host(environment, user_class))
            try:
                removed = remove_accounts(management, prefix=user_class.account_prefix)
            finally:
                management.close()
            log.info("removed %d test accounts of %s", removed, user_class.__name__)
    _STATE.pop(id(environment), None)


def _take_here(environment: Environment, class_name: str) -> Account:
    pool = _state(environment).pools.get(class_name)
    if pool is None:
        raise AccountsExhausted(f"{class_name} has no test accounts (seed_users or accounts)")
    return pool.take()


def _give(environment: Environment, msg: Any) -> None:
    """Master: answer a worker's ask with the next account of its user class, or why not."""
    data = msg.data
    answer: dict[str, Any] = {"ticket": data["ticket"]}
    try:
        answer["account"] = _take_here(environment, str(data["user_class"])).to_message()
    except AccountsExhausted as exc:
        answer["error"] = str(exc)
    assert environment.runner is not None
    environment.runner.send_message(GIVE, answer, client_id=msg.node_id)


def _given(environment: Environment, data: dict[str, Any]) -> None:
    """Worker: hand the master's answer to the user that waits for it."""
    waiting = _state(environment).waiting.pop(int(data["ticket"]), None)
    if waiting is not None:
        waiting.set(data)


def take_account(user: User) -> Account:
    """The next account of ``user``'s class (from the master when in a worker)."""
    environment = user.environment
    class_name = type(user).__name__
    runner = environment.runner
    if not isinstance(runner, WorkerRunner):
        return _take_here(environment, class_name)
    state = _state(environment)
    ticket = next(state.tickets)
    waiting = state.waiting[ticket] = gevent.event.AsyncResult()
    runner.send_message(TAKE, {"ticket": ticket, "user_class": class_name})
    try:
        data = waiting.get(timeout=WAIT_SECONDS)
    except gevent.Timeout:
        state.waiting.pop(ticket, None)
        raise AccountsExhausted(
            f"the master did not hand out a test account in {WAIT_SECONDS:.0f} s"
        ) from None
    if "error" in data:
        raise AccountsExhausted(str(data["error"]))
    return Account.from_message(data["account"])


# Locust's event hooks are untyped.
events.init.add_listener(_on_init)  # type: ignore[no-untyped-call]
events.test_start.add_listener(_on_test_start)  # type: ignore[no-untyped-call]
events.quitting.add_listener(_on_quitting)  # type: ignore[no-untyped-call]
