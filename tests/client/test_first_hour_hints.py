"""Python-side hints of the first hour: what a new user hits in the library is explained in
the error itself (issue 27, items 2 and 8), in process against the embedded server."""

from __future__ import annotations

import doctest

import httpx
import pytest

import logto_dynamic
from logto_dynamic import AsyncClient, BadRequestError, Client
from logto_dynamic.testing import ExperienceServer

pytestmark = pytest.mark.anyio


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"nothing may be sent: {request.method} {request.url}")


@pytest.mark.parametrize("token", [None, ""])
def test_refresh_tokens_refuses_a_missing_refresh_token_before_sending(token: str | None) -> None:
    with Client("http://logto.test", transport=httpx.MockTransport(_refuse)) as client:
        with pytest.raises(ValueError, match="offline_access") as caught:
            client.refresh_tokens("demo-app", token)
    assert "prompt='consent'" in str(caught.value)
    assert "nothing was sent" in str(caught.value)


async def test_the_async_refresh_tokens_refuses_it_too() -> None:
    async with AsyncClient("http://logto.test", transport=httpx.MockTransport(_refuse)) as client:
        with pytest.raises(ValueError, match="offline_access"):
            await client.refresh_tokens("demo-app", None)


async def test_session_not_found_says_how_to_start_an_interaction() -> None:
    transport = httpx.ASGITransport(app=ExperienceServer())
    async with AsyncClient("http://testserver", transport=transport) as client:
        with pytest.raises(BadRequestError) as caught:
            await client.call("InitInteraction", {"interactionEvent": "SignIn"})
    err = caught.value
    assert err.code == "session.not_found"
    assert err.hint is not None and "client.interaction(app_id, redirect_uri)" in err.hint
    assert str(err).endswith(f"(hint: {err.hint})")


async def test_other_codes_carry_no_hint() -> None:
    transport = httpx.ASGITransport(app=ExperienceServer())
    async with AsyncClient("http://testserver", transport=transport) as client:
        result = await client.call(
            "InitInteraction", {"interactionEvent": "SignIn"}, raise_for_status=False
        )
    assert result.status_code == 400
    assert "hint" not in str(BadRequestError("m", status_code=400, code="guard.invalid_input"))


@pytest.mark.loopback
def test_the_package_docstring_example_runs() -> None:
    """``help(logto_dynamic)`` opens with an example that works as shown (a 204)."""
    finder = doctest.DocTestFinder(recurse=False)
    (test,) = finder.find(logto_dynamic, "logto_dynamic")
    assert "InitInteraction" in test.docstring and "running_server" in test.docstring
    runner = doctest.DocTestRunner(verbose=False)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 3
