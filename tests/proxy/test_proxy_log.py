"""The exchange log never holds a secret: canaries in passwords, codes, cookies and tokens.

Each canary travels through the proxy in one direction or the other, valid and in a field
that fails validation (where a careless message would repeat the value), in report mode
(checked after the answer) and enforce mode (checked before). The log must show the
violations and none of the canaries.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from _support import log_lines

from logto_dynamic._proxy import ValidatingProxy
from logto_dynamic.testing._uvicorn import serve_app

pytestmark = pytest.mark.loopback

CANARIES = {
    "password": "CANARY-password-3d9f",
    "bad_password": "CANARY-badpassword-77c1",
    "code": "CANARY-code-51e0",
    "bad_code": "CANARY-badcode-a0b2",
    "cookie": "CANARY-cookie-9c4d",
    "set_cookie": "CANARY-setcookie-6e18",
    "bearer": "CANARY-bearer-0f2a",
    "query": "CANARY-query-c3d4",
    "undocumented_query": "CANARY-undocumented-query-5f61",
    "totp": "CANARY-totpsecret-8b7e",
    "bad_totp": "CANARY-badtotp-4a19",
}
IDENTIFIER = {"type": "username", "value": "alice"}


async def canary_upstream(scope: Any, receive: Any, send: Any) -> None:
    """Answers with secrets: a cookie always, TOTP secrets (valid or failing) when asked."""
    while (await receive()).get("more_body"):
        pass
    data: dict[str, Any] = {"verificationId": "v1"}
    if scope["path"].endswith("/totp/secret"):
        bad = "bad" in scope["query_string"].decode()
        data["secret"] = {"leak": CANARIES["bad_totp"]} if bad else CANARIES["totp"]
        data["secretQrCode"] = [CANARIES["bad_totp"]] if bad else "data:image/png;base64,AA"
    body = json.dumps(data).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"set-cookie", f"_session={CANARIES['set_cookie']}; path=/; httponly".encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _traffic(client: httpx.Client) -> list[httpx.Response]:
    headers = {
        "cookie": f"_interaction={CANARIES['cookie']}",
        "authorization": f"Bearer {CANARIES['bearer']}",
    }
    password = "/api/experience/verification/password"
    code = "/api/experience/verification/verification-code/verify"
    return [
        client.post(
            password,
            json={"identifier": IDENTIFIER, "password": CANARIES["password"]},
            headers=headers,
        ),
        client.post(
            f"{password}?token={CANARIES['query']}",
            headers=headers,
            json={"identifier": IDENTIFIER, "password": {"v": CANARIES["bad_password"]}},
        ),
        client.post(
            code,
            headers=headers,
            json={
                "identifier": {"type": "email", "value": "a@example.com"},
                "verificationId": "v1",
                "code": CANARIES["code"],
            },
        ),
        client.post(
            code,
            headers=headers,
            json={
                "identifier": {"type": "email", "value": "a@example.com"},
                "verificationId": "v1",
                "code": [CANARIES["bad_code"]],
            },
        ),
        client.post("/api/experience/verification/totp/secret", headers=headers),
        client.post("/api/experience/verification/totp/secret?bad", headers=headers),
        # A path no operation documents: logged (log_all) by its path, never with its query.
        client.get(
            f"/api/experience/no-such-operation?code={CANARIES['undocumented_query']}",
            headers=headers,
        ),
    ]


@pytest.mark.parametrize("mode", ["report", "enforce"])
def test_no_secret_reaches_the_log(mode: str, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with serve_app(canary_upstream) as upstream_url:
        proxy = ValidatingProxy(
            upstream_url, mode=mode, log=str(log), log_all=True, summary_header=mode == "report"
        )
        with serve_app(proxy) as url, httpx.Client(base_url=url) as client:
            try:
                responses = _traffic(client)
            finally:
                proxy.close_from_thread()
    text = log.read_text()
    leaked = [name for name, canary in CANARIES.items() if canary in text]
    assert leaked == []
    lines = log_lines(log)
    assert len(lines) == 7
    assert lines[6]["path"] == "/api/experience/no-such-operation"
    found = [sorted((v["direction"], v["path"]) for v in line["violations"]) for line in lines]
    assert found[0] == [] and found[2] == [] and found[4] == []
    assert ("request", "$.password") in found[1]
    assert ("request", "$.code") in found[3]
    if mode == "report":  # relayed, so the answer to the failing totp request was checked
        assert ("response", "$.secret") in found[5] and ("response", "$.secretQrCode") in found[5]
    else:  # the proxy's own answers (400/502 problems) repeat no secret either
        assert [r.status_code for r in responses][:6] == [200, 400, 200, 400, 200, 502]
        assert ("response", "$.secret") in found[5]
    for response in responses:  # summary header and problem bodies
        shown = response.headers.get("x-logto-dynamic-violations", "")
        if response.headers.get("content-type") == "application/problem+json":
            shown += response.text
        for name in ("bad_password", "bad_code", "bad_totp", "password", "code", "cookie"):
            assert CANARIES[name] not in shown, name


LOGIN_DOC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "login", "version": "1"},
    "paths": {
        "/api/login": {
            "post": {
                "operationId": "Login",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["user", "password"],
                                "properties": {
                                    "user": {"type": "string", "pattern": "^[a-z]+$"},
                                    "password": {
                                        "type": "string",
                                        "pattern": "^[a-z]+$",
                                        "x-logto-secret": True,
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["token"],
                                    "properties": {
                                        "token": {
                                            "type": "string",
                                            "pattern": "^ey",
                                            "x-logto-secret": True,
                                        },
                                        "user": {"type": "string", "pattern": "^[a-z]+$"},
                                    },
                                }
                            }
                        },
                    }
                },
            }
        }
    },
}


async def token_upstream(scope: Any, receive: Any, send: Any) -> None:
    """Answers a token that fails its pattern, beside a user name that fails too."""
    while (await receive()).get("more_body"):
        pass
    body = json.dumps({"token": "CANARY-token-failing-1b2c", "user": "Echoed-User"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


@pytest.mark.parametrize("mode", ["report", "enforce"])
def test_failing_secret_whose_message_would_echo_it(mode: str, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with serve_app(token_upstream) as upstream_url:
        proxy = ValidatingProxy(upstream_url, spec=LOGIN_DOC, mode=mode, log=str(log))
        with serve_app(proxy) as url, httpx.Client(base_url=url) as client:
            try:
                sent = client.post(
                    "/api/login", json={"user": "Echoed-Name", "password": "CANARY-pw-failing-9e8d"}
                )
                answered = client.post("/api/login", json={"user": "bob", "password": "pw"})
            finally:
                proxy.close_from_thread()
    text = log.read_text()
    # The same kind of violation on a field that is not secret shows its value: the
    # messages would repeat the secrets too, were they not redacted.
    assert "Echoed-Name" in text and "Echoed-User" in text
    assert "CANARY-pw-failing-9e8d" not in text and "CANARY-token-failing-1b2c" not in text
    if mode == "enforce":
        assert sent.status_code == 400 and "CANARY" not in sent.text
        assert answered.status_code == 502 and "CANARY" not in answered.text
    keywords = [
        (v["direction"], v["path"], v["keyword"])
        for line in log_lines(log)
        for v in line["violations"]
    ]
    assert ("request", "$.password", "pattern") in keywords
    assert ("response", "$.token", "pattern") in keywords
