"""The sync and async twins keep the same public surface, so they cannot drift apart.

Every public ``X`` with an ``AsyncX`` beside it in ``logto_dynamic.__all__`` (``Client``,
``Interaction``, and whatever twins come later) is compared method by method, generically:
the same names (``close``/``aclose``, ``__enter__``/``__aenter__`` ... paired), the same
parameters (names, kinds, defaults, annotations with sync names read as their async twins),
and the async side awaitable wherever the sync side is not shared code.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest

import logto_dynamic
from logto_dynamic._signin import _async, _sync

#: Sync name → async name where the async twin is not simply the same name.
RENAMED = {
    "close": "aclose",
    "__enter__": "__aenter__",
    "__exit__": "__aexit__",
    "__iter__": "__aiter__",
    "__next__": "__anext__",
}
#: Words of annotations that differ between twins by design.
ASYNC_WORDS = {
    "httpx.Client": "httpx.AsyncClient",
    "Iterator": "AsyncIterator",
    "Generator": "AsyncGenerator",
    "SyncPort": "AsyncPort",  # the sign-in drivers' view of a client (`self: SyncPort`)
    "Callable": "Callable",
}


def _twins() -> list[tuple[type, type]]:
    names = set(logto_dynamic.__all__)
    pairs = [
        (getattr(logto_dynamic, name), getattr(logto_dynamic, f"Async{name}"))
        for name in sorted(names)
        if f"Async{name}" in names
    ]
    return [(a, b) for a, b in pairs if isinstance(a, type) and isinstance(b, type)]


def _public(cls: type) -> dict[str, Any]:
    """Public attributes (and the context-manager / iterator dunders) of ``cls`` and its bases."""
    members: dict[str, Any] = {}
    for klass in reversed(cls.__mro__[:-1]):
        for name, value in vars(klass).items():
            if not name.startswith("_") or name in RENAMED or name in RENAMED.values():
                members[name] = value
    return members


def _as_async(text: str, twins: list[tuple[type, type]]) -> str:
    for sync_word, async_word in ASYNC_WORDS.items():
        text = re.sub(rf"(?<![\w.]){re.escape(sync_word)}\b", async_word, text)
    for sync_cls, async_cls in twins:
        text = re.sub(rf"(?<![\w.]){sync_cls.__name__}\b", async_cls.__name__, text)
    return text


def _parameters(func: Callable[..., Any], twins: list[tuple[type, type]] | None) -> list[str]:
    out = []
    for p in inspect.signature(func).parameters.values():
        annotation = "" if p.annotation is p.empty else str(p.annotation)
        if twins is not None:
            annotation = _as_async(annotation, twins)
        default = "" if p.default is p.empty else repr(p.default)
        out.append(f"{p.kind.name} {p.name}: {annotation} = {default}")
    return out


def _awaitable(func: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)


def _function(member: Any) -> Callable[..., Any] | None:
    if isinstance(member, classmethod | staticmethod):
        return member.__func__  # type: ignore[no-any-return]
    return member if inspect.isfunction(member) else None


def _differences(sync_cls: type, async_cls: type) -> list[str]:
    twins = _twins()
    sync_members, async_members = _public(sync_cls), _public(async_cls)
    problems = []
    expected = {RENAMED.get(name, name) for name in sync_members}
    for name in sorted(set(async_members) - expected):
        problems.append(f"{async_cls.__name__}.{name} has no twin in {sync_cls.__name__}")
    for name, member in sorted(sync_members.items()):
        async_name = RENAMED.get(name, name)
        twin = async_members.get(async_name)
        where = f"{sync_cls.__name__}.{name} / {async_cls.__name__}.{async_name}"
        if twin is None:
            problems.append(f"{where}: missing on the async side")
            continue
        if type(member) is not type(twin):
            problems.append(f"{where}: {type(member).__name__} vs {type(twin).__name__}")
            continue
        sync_func, async_func = _function(member), _function(twin)
        if sync_func is None or async_func is None:
            continue  # properties, class attributes: present on both sides is enough
        if sync_func is async_func:
            continue  # shared code, written once
        if _awaitable(sync_func) or not _awaitable(async_func):
            problems.append(f"{where}: the sync side must be plain, the async side awaitable")
        if _parameters(sync_func, twins) != _parameters(async_func, None):
            problems.append(
                f"{where}: parameters differ:\n  {_parameters(sync_func, twins)}\n"
                f"  {_parameters(async_func, None)}"
            )
    return problems


def test_the_twins_are_found() -> None:
    found = {(a.__name__, b.__name__) for a, b in _twins()}
    assert {("Client", "AsyncClient"), ("Interaction", "AsyncInteraction")} <= found


@pytest.mark.parametrize("pair", _twins(), ids=lambda pair: pair[0].__name__)
def test_twins_have_the_same_public_signatures(pair: tuple[type, type]) -> None:
    assert _differences(*pair) == []


def test_the_drivers_are_twins() -> None:
    twins = _twins()
    for sync_func, async_func in [(_sync.drive, _async.adrive), (_sync.begin, _async.abegin)]:
        assert _awaitable(async_func) and not _awaitable(sync_func)
        sync_params = _parameters(sync_func, twins)
        assert [p.replace("SyncPort", "AsyncPort") for p in sync_params] == _parameters(
            async_func, None
        )


def test_a_drifted_twin_is_reported() -> None:
    """The comparison itself fails on a missing method, a changed default, a sync twin."""

    class Sync:
        def close(self) -> None: ...

        def get(self, name: str, *, limit: int = 10) -> Sync:
            return self

        def only_sync(self) -> None: ...

    class AsyncSync:
        async def aclose(self) -> None: ...

        async def get(self, name: str, *, limit: int = 20) -> AsyncSync:
            return self

        def extra(self) -> None: ...

    problems = "\n".join(_differences(Sync, AsyncSync))
    assert "AsyncSync.extra has no twin" in problems
    assert "Sync.only_sync / AsyncSync.only_sync: missing" in problems
    assert "parameters differ" in problems and "limit" in problems
    assert "close" not in problems
