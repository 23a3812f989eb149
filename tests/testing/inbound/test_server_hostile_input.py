"""Issue 26 (items 2 and 11) over loopback: the embedded server answers hostile input as
Logto does, never 500: a 5,000-digit JSON number, raw UTF-8 bytes in ``Cookie``."""

from __future__ import annotations

import socket

import httpx
import pytest
from _support import SEED_USER, auth_query

from logto_dynamic import ManagementClient
from logto_dynamic.testing import ExperienceServer, SignInExperience, serve_app

pytestmark = pytest.mark.loopback

PASSWORD = "/api/experience/verification/password"


def _raw(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk


def test_a_huge_json_number_is_judged_by_the_guard_not_a_500() -> None:
    server = ExperienceServer(SignInExperience(seed_users=(SEED_USER,)))
    body = b'{"identifier": {"type": "username", "value": "ann"}, "password": ' + b"9" * 5000 + b"}"
    with serve_app(server) as url, httpx.Client(base_url=url) as http:
        assert http.get("/oidc/auth", params=auth_query(url)).status_code == 303
        assert http.put("/api/experience", json={"interactionEvent": "SignIn"}).status_code == 204
        answer = http.post(PASSWORD, content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "guard.invalid_input"
    assert "password" in answer.json()["details"]


@pytest.mark.parametrize(
    "cookie",
    [
        b"_interaction=\xc3\xa9\xc3\xa9",
        b"_interaction=\xc3\xa9\xc3\xa9; _interaction.sig=\xc3\xa9\xc3\xa9",
        b"_interaction=abc; _interaction.sig=%C3%A9",
        b"\xff\xfe=\x80; _interaction.sig=\x80",
    ],
)
def test_a_raw_utf8_cookie_is_treated_as_absent(cookie: bytes) -> None:
    server = ExperienceServer(SignInExperience(seed_users=(SEED_USER,)))
    with serve_app(server) as url:
        host = url.removeprefix("http://").encode()
        head = _raw(
            url,
            b"PUT /api/experience HTTP/1.1\r\nHost: "
            + host
            + b"\r\nCookie: "
            + cookie
            + b"\r\nContent-Type: application/json\r\nContent-Length: 30\r\n"
            b"Connection: close\r\n\r\n"
            b'{"interactionEvent": "SignIn"}',
        )
        with httpx.Client(base_url=url) as http:
            plain = http.put("/api/experience", json={"interactionEvent": "SignIn"})
    status_line = head.split(b"\r\n", 1)[0]
    # as with no cookie at all: no interaction to put the event on
    assert (
        status_line
        == b"HTTP/1.1 " + str(plain.status_code).encode() + b" " + plain.reason_phrase.encode()
    ), head[:300]
    assert plain.status_code != 500


def test_a_huge_number_stored_is_answered_as_null_like_json_stringify(
    logto_management: ManagementClient,
) -> None:
    """JSON.parse reads a 5,000-digit number as Infinity; JSON.stringify writes it as null."""
    body = b'{"username": "big_number", "customData": {"n": ' + b"9" * 5000 + b"}}"
    created = logto_management.http.post(
        logto_management.base_url + "/api/users",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert created.status_code == 200, created.text
    assert created.json()["customData"] == {"n": None}
    fetched = logto_management.call("GetUser", path={"userId": created.json()["id"]})
    assert fetched.data["customData"] == {"n": None}
