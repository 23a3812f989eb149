"""ValidatingProxy over real loopback sockets: upstream ASGI app ← proxy ← httpx client."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from _support import SIX_COOKIES, Upstream, log_lines, proxied

from logto_dynamic._proxy import ValidatingProxy
from logto_dynamic.testing._uvicorn import serve_app

pytestmark = pytest.mark.loopback


def test_report_mode_is_transparent(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with proxied(log=str(log)) as (url, upstream, _), httpx.Client(base_url=url) as client:
        auth = client.get("/oidc/auth")
        assert auth.status_code == 303
        assert [c.encode() for c in auth.headers.get_list("set-cookie")] == SIX_COOKIES
        assert auth.headers["location"] == "/sign-in"
        init = client.put("/api/experience", json={"interactionEvent": "SignIn"})
        assert init.status_code == 204
        assert len(init.headers.get_list("set-cookie")) == 2
        assert upstream.seen[-1]["body"] == b'{"interactionEvent":"SignIn"}'
        ok = client.post("/api/experience/submit")
        assert ok.json() == {"redirectTo": "http://x/cb"}
        # Invalid traffic is relayed unchanged in report mode, and logged.
        bad = client.put("/api/experience", json={"interactionEvent": "Bogus"})
        assert bad.status_code == 204
        broken = client.post("/api/experience/submit?badjson")
        assert broken.status_code == 200 and broken.content == b'{"redirectTo":'
        html = client.post("/api/experience/submit?wrongtype")
        assert html.text == "<p>hi</p>"
    lines = log_lines(log)
    assert [line["action"] for line in lines] == ["relayed"] * 3
    first = lines[0]
    assert first["operation"] == "InitInteraction" and first["path"] == "/api/experience"
    assert first["status"] == 204 and first["violations"][0]["keyword"] == "enum"
    assert lines[1]["violations"][0]["keyword"] == "json"
    assert lines[2]["violations"][0]["location"] == "content-type"
    assert "'Bogus'" in lines[0]["violations"][0]["message"]  # not a secret: shown


@pytest.mark.parametrize("preserve_host", [True, False])
def test_hop_by_hop_and_forwarded_headers(preserve_host: bool) -> None:
    with (
        proxied(preserve_host=preserve_host) as (url, upstream, proxy),
        httpx.Client(base_url=url) as client,
    ):
        response = client.get(
            "/echo",
            headers={
                "Connection": "X-Foo",
                "X-Foo": "1",
                "Keep-Alive": "timeout=5",
                "TE": "trailers",
                "Proxy-Authorization": "Basic eDp5",
                "X-Other": "2",
            },
        )
        received = dict(upstream.seen[-1]["headers"])
        host = url.removeprefix("http://")
    for name in ("x-foo", "keep-alive", "te", "proxy-authorization", "connection"):
        assert name not in received, name
    assert received["x-other"] == "2"
    assert received["x-forwarded-for"] == "127.0.0.1"
    assert received["x-forwarded-proto"] == "http"
    assert received["x-forwarded-host"] == host
    hosts = [v for k, v in upstream.seen[-1]["headers"] if k == "host"]
    if preserve_host:  # the client's Host, once: Logto builds its URLs from it
        assert hosts == [host]
    else:  # the upstream's own authority
        assert hosts == [proxy.upstream.origin.removeprefix("http://")] and hosts != [host]
    assert "x-bar" not in response.headers and "keep-alive" not in response.headers
    assert response.headers["x-kept"] == "yes"


def test_enforce_mode_rejects_invalid_requests_and_responses(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with (
        proxied(mode="enforce", log=str(log)) as (url, upstream, _),
        httpx.Client(base_url=url) as client,
    ):
        bad = client.put("/api/experience", json={"interactionEvent": "Bogus"})
        assert bad.status_code == 400
        assert bad.headers["content-type"] == "application/problem+json"
        problem = bad.json()
        assert problem["status"] == 400 and problem["title"] and problem["type"]
        assert problem["violations"][0]["path"] == "$.interactionEvent"
        assert upstream.seen == []  # never reached the upstream
        undocumented = client.get("/api/experience/nope")
        assert undocumented.status_code == 400
        assert undocumented.json()["violations"][0]["keyword"] == "undocumented"
        assert client.put("/api/experience", json={"interactionEvent": "SignIn"}).status_code == 204
        for query, keyword in (
            ("badjson", "json"),
            ("wrongtype", "content-type"),
            ("invalid", "required"),
        ):
            response = client.post(f"/api/experience/submit?{query}")
            assert response.status_code == 502, query
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["violations"][0]["keyword"] == keyword
        assert client.get("/oidc/auth").status_code == 303  # not API: relayed untouched
    actions = [line["action"] for line in log_lines(log)]
    assert actions == ["rejected-request"] * 2 + ["rejected-response"] * 3


def test_enforce_refuses_an_invalid_request_with_the_summary_header_on() -> None:
    """--summary-header adds a header; it never lets enforce mode relay what it refuses."""
    with (
        proxied(mode="enforce", summary_header=True) as (url, upstream, _),
        httpx.Client(base_url=url) as client,
    ):
        bad = client.put("/api/experience", json={"interactionEvent": "Bogus"})
        assert bad.status_code == 400
        assert bad.headers["content-type"] == "application/problem+json"
        assert upstream.seen == []  # never relayed
        good = client.put("/api/experience", json={"interactionEvent": "SignIn"})
        assert good.status_code == 204 and len(upstream.seen) == 1


def test_summary_header() -> None:
    with proxied(summary_header=True) as (url, _, _p), httpx.Client(base_url=url) as client:
        bad = client.post("/api/experience/submit?invalid")
        assert bad.status_code == 200
        summary = bad.headers["x-logto-dynamic-violations"]
        assert summary.startswith("1; body $.redirectTo") and len(summary) <= 512
        good = client.post("/api/experience/submit")
        assert "x-logto-dynamic-violations" not in good.headers


def test_upstream_down_gives_502(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = f"http://127.0.0.1:{port}"
    with (
        proxied(upstream=dead, timeout=2.0, log=str(log)) as (url, _, _p),
        httpx.Client(base_url=url) as client,
    ):
        response = client.post("/api/experience/submit")
        invalid = client.put("/api/experience", json={"interactionEvent": "Bogus"})
    assert response.status_code == 502 and invalid.status_code == 502
    assert response.json()["type"].endswith("upstream-unreachable")
    lines = log_lines(log)  # report mode: the request is still checked, and logged
    assert [line["action"] for line in lines] == ["upstream-unreachable"] * 2
    assert lines[1]["violations"][0]["keyword"] == "enum"


def test_upstream_slow_gives_504() -> None:
    with proxied(timeout=0.3) as (url, _, _p), httpx.Client(base_url=url) as client:
        response = client.post("/api/experience/submit?slow")
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"


def test_size_limits() -> None:
    with (
        proxied(max_request_body=100, max_response_body=3000) as (url, upstream, _),
        httpx.Client(base_url=url) as client,
    ):
        big = client.put(
            "/api/experience", content=b"x" * 200, headers={"content-type": "application/json"}
        )
        assert big.status_code == 413 and big.json()["status"] == 413
        streamed = client.put(
            "/api/experience",
            content=iter([b"x" * 60, b"y" * 60]),
            headers={"content-type": "application/json"},
        )
        assert streamed.status_code == 413
        assert upstream.seen == []
        declared = client.post("/api/experience/submit?huge")
        assert declared.status_code == 502
        with pytest.raises(httpx.RemoteProtocolError):  # report mode streams first: cut off
            client.post("/api/experience/submit?huge&chunked")
        assert client.post("/api/experience/submit").status_code == 200  # still serving
    with (
        proxied(mode="enforce", max_response_body=3000) as (url, _, _p),
        httpx.Client(base_url=url) as client,
    ):
        buffered = client.post("/api/experience/submit?huge&chunked")
        assert buffered.status_code == 502  # enforce: noticed while held for validation
    with (
        proxied(mode="enforce", max_response_body=3000, validate_limit=1000) as (url, _, _p),
        httpx.Client(base_url=url) as client,
    ):
        # Noticed while holding the first bytes (502) or while streaming (cut off), depending
        # on how the upstream's chunks arrive; never a complete answer over the limit.
        received = bytearray()
        try:
            with client.stream("POST", "/api/experience/submit?huge&chunked") as late:
                status = late.status_code
                for chunk in late.iter_raw():
                    received += chunk
        except httpx.RemoteProtocolError:
            # Cut off while streaming: a 200 had started, and no more than the limit (3000
            # bytes) plus the chunk in flight (1000) arrived, never the 25 kB answer.
            assert status == 200 and len(received) <= 4000, (status, len(received))
        else:
            assert status == 502, status
            assert json.loads(bytes(received))["type"].endswith("response-too-large")


def test_large_bodies_relayed_unvalidated_in_report_mode(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with (
        proxied(mode="report", validate_limit=1000, log=str(log)) as (url, _, _p),
        httpx.Client(base_url=url) as client,
    ):
        chunked = client.post("/api/experience/submit?invalid&chunked")
        assert chunked.status_code == 200 and chunked.content.endswith(b'{"nope":1}')
        declared = client.post("/api/experience/submit?huge")
        assert declared.status_code == 200 and len(declared.content) > 5000
    notes = [line["notes"] for line in log_lines(log)]
    assert len(notes) == 2 and all("not validated" in n[0] for n in notes)


def test_large_answers_refused_unchecked_in_enforce_mode(tmp_path: Path) -> None:
    """Fail closed (issue 26.1): an answer over the validation limit is not relayed."""
    log = tmp_path / "log.jsonl"
    with (
        proxied(mode="enforce", validate_limit=1000, log=str(log)) as (url, _, _p),
        httpx.Client(base_url=url) as client,
    ):
        chunked = client.post("/api/experience/submit?invalid&chunked")
        declared = client.post("/api/experience/submit?huge")
    for answer in (chunked, declared):
        assert answer.status_code == 502, answer.text
        assert answer.json()["type"].endswith(":response-unchecked")
        assert b"nope" not in answer.content
    lines = log_lines(log)
    assert [line["action"] for line in lines] == ["rejected-response-unchecked"] * 2
    assert all("not validated" in line["notes"][0] for line in lines)


def _raw_exchange(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data


def test_absolute_form_and_connect_never_reach_another_host() -> None:
    with proxied() as (url, upstream, _):
        connect = _raw_exchange(
            url, b"CONNECT example.invalid:443 HTTP/1.1\r\nHost: example.invalid:443\r\n\r\n"
        )
        assert connect.startswith(b"HTTP/1.1 400"), connect[:80]
        assert upstream.seen == []
        absolute = _raw_exchange(
            url, b"GET http://example.invalid/echo HTTP/1.1\r\nHost: example.invalid\r\n\r\n"
        )
    # h11 hands the app the absolute target (refused: 400); httptools hands it only the path,
    # which then goes to the configured upstream like any other: never to example.invalid.
    if absolute.startswith(b"HTTP/1.1 400"):
        assert b"application/problem+json" in absolute and upstream.seen == []
    else:
        assert absolute.startswith(b"HTTP/1.1 200"), absolute[:80]
        assert [seen["path"] for seen in upstream.seen] == ["/echo"]


def test_no_cookie_sharing_between_clients() -> None:
    with proxied() as (url, upstream, _):
        with httpx.Client(base_url=url) as alice:
            alice.get("/oidc/auth")
            assert alice.cookies.get("_interaction") == "b1"
            alice.get("/echo")
            assert "cookie" in dict(upstream.seen[-1]["headers"])
        with httpx.Client(base_url=url) as bob:
            bob.get("/echo")
            assert "cookie" not in dict(upstream.seen[-1]["headers"])


def test_off_mode_relays_without_validating(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with (
        proxied(mode="off", log=str(log), log_all=True) as (url, upstream, _),
        httpx.Client(base_url=url) as client,
    ):
        bad = client.put("/api/experience", json={"interactionEvent": "Bogus"})
        assert bad.status_code == 204  # not refused, not checked
        assert upstream.seen[-1]["body"] == b'{"interactionEvent":"Bogus"}'
        broken = client.post("/api/experience/submit?badjson")
        assert broken.status_code == 200 and broken.content == b'{"redirectTo":'
    lines = log_lines(log)  # log_all: one line per exchange, none with a violation
    assert [(line["method"], line["status"]) for line in lines] == [("PUT", 204), ("POST", 200)]
    assert [line["violations"] for line in lines] == [[], []]


def test_upstream_connections_are_pooled_and_reused() -> None:
    peers: list[tuple[str, int]] = []
    upstream = Upstream()

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        peers.append(tuple(scope["client"]))
        await upstream(scope, receive, send)

    with serve_app(counting) as upstream_url:
        proxy = ValidatingProxy(upstream_url)
        with serve_app(proxy) as url:
            try:
                for _ in range(20):  # a new client connection each time
                    assert httpx.post(url + "/api/experience/submit").status_code == 200
            finally:
                proxy.close_from_thread()
    assert len(peers) == 20 and len(set(peers)) == 1  # one upstream connection, reused
