"""The OIDC bootstrap, cookies, request ids and routing of the embedded server."""

from __future__ import annotations

import httpx
import pytest
from _support import AUTH_QUERY

from logto_dynamic.testing import ExperienceServer

pytestmark = pytest.mark.anyio

SESSION_NOT_FOUND = {
    "code": "session.not_found",
    "message": "Session not found. Please go back and sign in again.",
    "error": "invalid_request",
    "error_description": "interaction session id cookie not found",
}


def _client(server: ExperienceServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=server), base_url="http://testserver"
    )


async def test_oidc_auth_sets_six_cookies_like_logto(server: ExperienceServer) -> None:
    async with _client(server) as client:
        response = await client.get("/oidc/auth", params=AUTH_QUERY)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?app_id=demo-app"
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 6
    parsed = {c.split("=", 1)[0]: c.lower() for c in cookies}
    assert list(parsed) == [
        "_logto",
        "_logto.sig",
        "_interaction",
        "_interaction.sig",
        "_interaction_resume",
        "_interaction_resume.sig",
    ]
    uid = cookies[2].split("=", 1)[1].split(";", 1)[0]
    for name, text in parsed.items():
        assert "samesite=lax" in text
        if name.startswith("_logto"):
            assert "; path=/;" in text and "httponly" not in text
        elif name.startswith("_interaction_resume"):
            assert f"; path=/oidc/auth/{uid};" in text and text.endswith("httponly")
        else:
            assert "; path=/;" in text and text.endswith("httponly")


async def test_oidc_auth_requires_its_parameters(server: ExperienceServer) -> None:
    async with _client(server) as client:
        response = await client.get("/oidc/auth", params={"client_id": "demo-app"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_redirect_uri"


async def test_without_the_cookie_the_api_answers_session_not_found(
    server: ExperienceServer,
) -> None:
    async with _client(server) as client:
        response = await client.put("/api/experience", json={"interactionEvent": "SignIn"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == SESSION_NOT_FOUND
    assert list(response.json()) == list(SESSION_NOT_FOUND)


async def test_a_tampered_cookie_is_no_session(http: httpx.AsyncClient) -> None:
    signature = http.cookies["_interaction.sig"]
    http.cookies.clear()
    http.cookies.set("_interaction", "forged-uid")
    http.cookies.set("_interaction.sig", signature)
    response = await http.put("/api/experience", json={"interactionEvent": "SignIn"})
    assert response.json() == SESSION_NOT_FOUND


async def test_every_response_has_a_request_id(http: httpx.AsyncClient) -> None:
    responses = [
        await http.put("/api/experience", json={"interactionEvent": "SignIn"}),
        await http.put("/api/experience", json={"interactionEvent": "Bogus"}),
        await http.post("/api/experience/submit"),
        await http.get("/nowhere"),
    ]
    ids = [r.headers.get("logto-core-request-id") for r in responses]
    assert all(ids) and len(set(ids)) == len(ids)


async def test_204_has_no_content_type(http: httpx.AsyncClient) -> None:
    response = await http.put("/api/experience", json={"interactionEvent": "SignIn"})
    assert response.status_code == 204
    assert "content-type" not in response.headers
    assert response.content == b""


async def test_unknown_paths_and_methods(http: httpx.AsyncClient) -> None:
    assert (await http.get("/api/experience/nope")).status_code == 404
    assert (await http.get("/api/experience/submit")).status_code == 405


async def test_all_37_operations_are_routed(server: ExperienceServer) -> None:
    from logto_dynamic.testing._server import HANDLERS

    assert sorted(HANDLERS) == sorted(op.operation_id for op in server.spec.operations)
    assert len(HANDLERS) == 37


async def test_after_submit_the_resume_url_redirects_with_a_code(
    http: httpx.AsyncClient,
) -> None:
    await http.put("/api/experience", json={"interactionEvent": "SignIn"})
    verified = await http.post(
        "/api/experience/verification/password",
        json={
            "identifier": {"type": "username", "value": "alice"},
            "password": "Ap9!rainbow-Quartz",
        },
    )
    await http.post("/api/experience/identification", json=verified.json())
    submitted = await http.post("/api/experience/submit")
    redirect_to = submitted.json()["redirectTo"]
    assert redirect_to.startswith("http://testserver/oidc/auth/")
    resumed = await http.get(redirect_to)
    assert resumed.status_code == 303
    assert resumed.headers["location"].startswith("http://testserver/demo-app?code=")
    assert resumed.headers["location"].endswith("&state=st4te&iss=http%3A%2F%2Ftestserver%2Foidc")
