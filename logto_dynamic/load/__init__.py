"""Load tests of a Logto sign-in on Locust, every answer validated (``pip install
"logto-dynamic[load]"``).

>>> from locust import task                                              # doctest: +SKIP
>>> from logto_dynamic.load import LogtoUser
>>> class Visitor(LogtoUser):
...     m2m_app = ("m2m-app-id", "m2m-app-secret")   # seeds the test accounts
...     seed_users = 100
...     @task
...     def visit(self):
...         self.journey()    # sign in, userinfo, refresh, sign out

:class:`LogtoUser` is a Locust user whose client is this project's client: each exchange is
one Locust request named by its operationId or OIDC step, and every validation violation or
unexpected answer a Locust failure. :class:`LogtoSession` is the same without Locust (one
simulated user's building blocks, reporting to any callback); :func:`seed_accounts` and
:func:`remove_accounts` manage the test accounts through the Management API.

Nothing here is imported by ``import logto_dynamic``; importing :class:`LogtoUser` imports
Locust, which monkey-patches the process for gevent (the other names do not).
See ``docs/load-testing.md``.
"""

from __future__ import annotations

import importlib
import typing as _typing

from logto_dynamic._exceptions import AccountsExhausted
from logto_dynamic.load._accounts import (
    Account,
    AccountPool,
    derive_password,
    remove_accounts,
    seed_accounts,
)
from logto_dynamic.load._report import Exchange, Reporter, step_name
from logto_dynamic.load._session import LogtoSession

if _typing.TYPE_CHECKING:
    from logto_dynamic.load._user import LogtoUser

# Imports Locust (and so gevent's monkey-patching) only when asked for.
_LAZY = {"LogtoUser": "logto_dynamic.load._user"}


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'logto_dynamic.load' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Account",
    "AccountPool",
    "AccountsExhausted",
    "Exchange",
    "LogtoSession",
    "LogtoUser",
    "Reporter",
    "derive_password",
    "remove_accounts",
    "seed_accounts",
    "step_name",
]
