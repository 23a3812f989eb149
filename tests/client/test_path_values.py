"""Issue 26.8: path values that would call another path or cannot be sent are refused with
the call's RequestValidationError before anything is sent (in process and over loopback)."""

from __future__ import annotations

import httpx
import pytest

from logto_dynamic import AsyncClient, Client, ManagementClient, RequestValidationError
from logto_dynamic._apis._management import MANAGEMENT_SPEC


def _client(sent: list[httpx.Request]) -> Client:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"id": "u1"})

    return Client("http://logto.test", spec=MANAGEMENT_SPEC, transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("value", "keyword"),
    [
        ("", "empty"),
        ("..", "dot-segment"),
        ("x" * 100_000, "length"),
        ("\ud800", "encoding"),
        ("ok\udfffok", "encoding"),
    ],
)
def test_a_path_value_that_cannot_be_sent_is_refused(value: str, keyword: str) -> None:
    sent: list[httpx.Request] = []
    with pytest.raises(RequestValidationError) as refused:
        _client(sent).call("GetUser", path={"userId": value})
    (violation,) = refused.value.violations
    assert violation.keyword == keyword and violation.location == "path"
    assert violation.name in (None, "userId")
    assert sent == []


def test_an_empty_value_in_the_middle_of_a_path_is_refused() -> None:
    sent: list[httpx.Request] = []
    with pytest.raises(RequestValidationError, match="empty path segment"):
        _client(sent).call("ListUserRoles", path={"userId": ""})
    assert sent == []


@pytest.mark.parametrize("query", [{"search": "\ud800"}, {"search": "x" * 100_000}])
def test_a_query_value_that_cannot_be_sent_is_refused(query: dict[str, str]) -> None:
    sent: list[httpx.Request] = []
    with pytest.raises(RequestValidationError) as refused:
        _client(sent).call("ListUsers", query=query, validate="off")
    assert refused.value.violations[0].location == "url"
    assert sent == []


@pytest.mark.anyio
async def test_the_async_client_refuses_the_same() -> None:
    async with AsyncClient(
        "http://logto.test",
        spec=MANAGEMENT_SPEC,
        transport=httpx.MockTransport(lambda r: httpx.Response(500)),
    ) as client:
        for value in ("", "x" * 100_000, "\ud800"):
            with pytest.raises(RequestValidationError):
                await client.call("GetUser", path={"userId": value})
        with pytest.raises(RequestValidationError):
            await client.call("ListUsers", query={"search": "\ud800"}, validate="off")


@pytest.mark.loopback
def test_over_loopback_an_empty_user_id_never_lists_the_users(
    logto_management: ManagementClient,
) -> None:
    seen: list[httpx.URL] = []
    logto_management.http.event_hooks["request"].append(lambda r: seen.append(r.url))
    with pytest.raises(RequestValidationError, match="empty path segment"):
        logto_management.call("GetUser", path={"userId": ""})
    assert [u for u in seen if u.path.startswith("/api/users")] == []
    assert logto_management.call("ListUsers").status_code == 200  # the client still works
