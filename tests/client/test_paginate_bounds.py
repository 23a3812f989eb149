"""Issue 26.5: ``paginate()`` is bounded whatever the server answers, and asks for no page
more than it needs (in process against made-up servers, and over loopback)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from logto_dynamic import AsyncClient, Client, ManagementClient, PaginationError
from logto_dynamic._apis._management import MANAGEMENT_SPEC

Pages = Callable[[int, int], tuple[list[Any], int | None]]


def _server(pages: Pages, seen: list[int]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        page, size = int(request.url.params["page"]), int(request.url.params["page_size"])
        seen.append(page)
        items, total = pages(page, size)
        headers = {} if total is None else {"total-number": str(total)}
        return httpx.Response(200, json=items, headers=headers)

    return httpx.MockTransport(handler)


def _walk(pages: Pages, **options: Any) -> tuple[list[Any], list[int]]:
    seen: list[int] = []
    client = Client(
        "http://logto.test", spec=MANAGEMENT_SPEC, transport=_server(pages, seen), validate="off"
    )
    found: list[Any] = []
    with client:
        for item in client.paginate("ListUsers", **options):
            found.append(item)
    return found, seen


def _users(page: int, size: int) -> list[dict[str, str]]:
    return [{"id": f"u{(page - 1) * size + n}"} for n in range(size)]


def test_the_same_full_page_forever_is_a_pagination_error() -> None:
    seen: list[int] = []
    with pytest.raises(PaginationError, match="page 2 repeats page 1"):
        for _ in Client(
            "http://logto.test",
            spec=MANAGEMENT_SPEC,
            transport=_server(lambda p, s: ([{"id": "same"}] * s, None), seen),
            validate="off",
        ).paginate("ListUsers", page_size=3):
            pass
    assert seen == [1, 2]


def test_fresh_full_pages_forever_stop_at_max_pages() -> None:
    with pytest.raises(PaginationError, match="max_pages=50"):
        _walk(lambda p, s: (_users(p, s), None), page_size=2, max_pages=50)
    seen: list[int] = []
    client = Client(
        "http://logto.test",
        spec=MANAGEMENT_SPEC,
        transport=_server(lambda p, s: (_users(p, s), None), seen),
        validate="off",
    )
    items = client.paginate("ListUsers", page_size=2, max_pages=50)
    got = []
    with pytest.raises(PaginationError):
        for item in items:
            got.append(item)
    assert len(seen) == 50 and len(got) == 100  # every page asked for was yielded


def test_a_huge_total_number_stops_at_max_items() -> None:
    seen: list[int] = []
    client = Client(
        "http://logto.test",
        spec=MANAGEMENT_SPEC,
        transport=_server(lambda p, s: (_users(p, s), 10**12), seen),
        validate="off",
    )
    got = []
    with pytest.raises(PaginationError, match="max_items=7"):
        for item in client.paginate("ListUsers", page_size=3, max_items=7):
            got.append(item)
    assert len(got) == 7 and seen == [1, 2, 3]


def test_the_default_bound_holds() -> None:
    with pytest.raises(PaginationError, match="max_items=100000"):
        _walk(lambda p, s: (_users(p, s), None), page_size=500)


@pytest.mark.parametrize(
    ("pages", "expected_requests", "expected_items"),
    [
        (lambda p, s: (_users(p, s), 4), [1, 2], 4),  # Total-Number an exact multiple
        (lambda p, s: (_users(p, s) if p < 3 else [], None), [1, 2, 3], 4),  # empty page
        (lambda p, s: (_users(p, s)[: 1 if p == 2 else s], None), [1, 2], 3),  # short page
        (lambda p, s: (_users(p, s), 3), [1, 2], 4),  # total reached (a server off by one)
    ],
)
def test_the_walk_stops_as_soon_as_it_can(
    pages: Pages, expected_requests: list[int], expected_items: int
) -> None:
    found, seen = _walk(pages, page_size=2)
    assert seen == expected_requests and len(found) == expected_items


@pytest.mark.anyio
async def test_the_async_walk_is_bounded_the_same() -> None:
    seen: list[int] = []
    async with AsyncClient(
        "http://logto.test",
        spec=MANAGEMENT_SPEC,
        transport=_server(lambda p, s: ([{"id": "same"}] * s, None), seen),
        validate="off",
    ) as client:
        with pytest.raises(PaginationError, match="repeats"):
            async for _ in client.paginate("ListUsers", page_size=2):
                pass
    assert seen == [1, 2]


@pytest.mark.parametrize("bad", [{"max_pages": 0}, {"max_items": -1}, {"max_pages": True}])
def test_bounds_are_checked(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        _walk(lambda p, s: ([], None), **bad)


@pytest.mark.loopback
def test_four_users_two_per_page_take_exactly_two_requests(
    logto_management: ManagementClient,
) -> None:
    for n in range(4):
        body = {"username": f"quad_user{n}", "password": "Xk9#mountain-River"}
        logto_management.call("CreateUser", body)
    seen: list[httpx.URL] = []
    logto_management.http.event_hooks["request"].append(lambda r: seen.append(r.url))
    found = list(logto_management.paginate("ListUsers", query={"search": "%quad%"}, page_size=2))
    assert len(found) == 4
    pages = [u.params.get("page") for u in seen if u.path == "/api/users"]
    assert pages == ["1", "2"]
