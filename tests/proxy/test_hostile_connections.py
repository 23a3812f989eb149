"""Connection limits of the proxy command, over real sockets.

A slowloris head, a silent socket, an idle keep-alive connection and a late body are all
closed in time; past the connection cap requests get a 503, not a hang; a refused body (413)
closes its connection instead of reading the rest of it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from _support.processes import proxy_process, upstream_process

from logto_dynamic._cli import main

HEAD = b"GET /anything HTTP/1.1\r\nHost: proxy.test\r\n"


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    sock.settimeout(5)
    return sock


def until_closed(sock: socket.socket, limit: float = 5.0) -> tuple[bytes, float]:
    """Everything the server sends until it closes; and how long that took."""
    start = time.monotonic()
    sock.settimeout(limit)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data, time.monotonic() - start


def one_response(sock: socket.socket) -> bytes:
    """One whole answer (head and its Content-Length body), read from a kept-alive socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


@pytest.fixture(scope="module")
def guarded() -> Iterator[str]:
    with (
        upstream_process("echo") as upstream,
        proxy_process(
            upstream,
            "--header-timeout",
            "0.6",
            "--keep-alive-timeout",
            "0.6",
            "--body-timeout",
            "0.8",
            "--max-body",
            "1000",
        ) as (url, _),
    ):
        yield url


@pytest.mark.loopback
@pytest.mark.process
def test_slowloris_head_is_closed_with_408(guarded: str) -> None:
    sock = connect(guarded)
    start = time.monotonic()
    sock.sendall(HEAD)
    closed = False
    with sock:
        for n in range(60):  # 6 s of trickling, one header line at a time
            try:
                sock.sendall(b"X-Trickle-%d: 1\r\n" % n)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.1)
            sock.settimeout(0.01)
            try:
                if sock.recv(65536).startswith(b"HTTP/1.1 408"):
                    closed = True
                    break
            except TimeoutError:
                pass
    assert closed
    assert time.monotonic() - start < 4.0  # the header timeout is 0.6 s


@pytest.mark.loopback
def test_a_silent_socket_is_closed(guarded: str) -> None:
    with connect(guarded) as sock:
        data, seconds = until_closed(sock)
    assert data == b"" and 0.4 < seconds < 4.0


@pytest.mark.loopback
def test_an_idle_keep_alive_connection_is_closed(guarded: str) -> None:
    with connect(guarded) as sock:
        sock.sendall(HEAD + b"\r\n")
        data, seconds = until_closed(sock)
    assert data.startswith(b"HTTP/1.1 200") and seconds < 4.0


@pytest.mark.loopback
def test_a_slow_answer_and_the_next_request_are_not_cut(guarded: str) -> None:
    """The deadlines are on what the client sends, never on the upstream's answer."""
    with connect(guarded) as sock:
        sock.sendall(b"GET /anything?delay=1.5 HTTP/1.1\r\nHost: p\r\n\r\n")
        first = one_response(sock)
        time.sleep(0.1)  # within the keep-alive timeout
        sock.sendall(HEAD + b"Connection: close\r\n\r\n")
        second, _seconds = until_closed(sock)
    # The first answer's body may come with the first read or the next: count whole answers.
    both = first + second
    assert first.startswith(b"HTTP/1.1 200") and both.count(b"HTTP/1.1 200 OK\r\n") == 2


@pytest.mark.loopback
def test_a_late_body_is_closed(guarded: str) -> None:
    with connect(guarded) as sock:
        sock.sendall(b"POST /anything HTTP/1.1\r\nHost: p\r\nContent-Length: 10\r\n\r\n12")
        data, seconds = until_closed(sock)
    assert data == b"" and seconds < 4.0


@pytest.mark.loopback
def test_a_refused_body_closes_the_connection(guarded: str) -> None:
    with connect(guarded) as sock:
        sock.sendall(
            b"POST /anything HTTP/1.1\r\nHost: p\r\nContent-Length: 100000000\r\n\r\n"
            + b"x" * 65536
        )
        data, seconds = until_closed(sock)
    head = data.partition(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 413") and b"connection: close" in head
    assert seconds < 4.0


@pytest.mark.loopback
@pytest.mark.process
def test_past_the_cap_requests_get_503() -> None:
    with (
        upstream_process("echo") as upstream,
        proxy_process(upstream, "--max-client-connections", "2") as (url, _),
    ):
        held = [connect(url), connect(url)]
        time.sleep(0.2)
        try:
            with connect(url) as third:
                third.sendall(HEAD + b"\r\n")
                data, _seconds = until_closed(third)
            assert data.startswith(b"HTTP/1.1 503")
            assert b"connection: close" in data.lower()
        finally:
            for sock in held:
                sock.close()
        time.sleep(0.2)
        with connect(url) as again:  # room again once the others went
            again.sendall(HEAD + b"Connection: close\r\n\r\n")
            data, _seconds = until_closed(again)
        assert data.startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("flag", ["--header-timeout", "--max-client-connections"])
def test_negative_limits_are_usage_errors(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["proxy", "--upstream", "http://127.0.0.1:9", flag, "-1"])
    assert code == 2
    assert "must not be negative" in capsys.readouterr().err
