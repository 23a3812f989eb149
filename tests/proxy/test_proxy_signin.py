"""A whole sign-in through the proxy, the embedded server behind it building URLs from ``Host``.

Logto (without ``TRUST_PROXY_HEADER``) builds ``redirectTo``, ``Location`` and its discovery
URLs from the ``Host`` of each request. The upstream here does the same: a recorder in front of
the embedded server notes what each request came with and drops ``X-Forwarded-Host/-Proto``
before the server sees them, so only ``Host`` decides its URLs.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from logto_dynamic import Client
from logto_dynamic._proxy import ValidatingProxy
from logto_dynamic.testing import ExperienceServer, SignInExperience
from logto_dynamic.testing._uvicorn import serve_app

pytestmark = pytest.mark.loopback

PASSWORD = "s3cure-Passw0rd"
_TRUSTED_ONLY_BY_CHOICE = (b"x-forwarded-host", b"x-forwarded-proto")


class HostOnly:
    """Records ``(method, path, host, x-forwarded-for)`` of each request; hides XFH/XFP."""

    def __init__(self, app: ExperienceServer) -> None:
        self.app = app
        self.seen: list[tuple[str, str, str, str | None]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            forwarded = headers.get(b"x-forwarded-for")
            self.seen.append(
                (
                    scope["method"],
                    scope["path"],
                    headers.get(b"host", b"").decode(),
                    forwarded.decode() if forwarded is not None else None,
                )
            )
            kept = [(k, v) for k, v in scope["headers"] if k not in _TRUSTED_ONLY_BY_CHOICE]
            scope = dict(scope, headers=kept)
        await self.app(scope, receive, send)


@contextlib.contextmanager
def behind_proxy(tmp_path: Path, **options: Any) -> Iterator[tuple[str, HostOnly, Path]]:
    upstream = HostOnly(ExperienceServer(SignInExperience(seed_users=(("alice", PASSWORD),))))
    log = tmp_path / "proxy.jsonl"
    with serve_app(upstream) as upstream_url:
        proxy = ValidatingProxy(upstream_url, log=str(log), log_all=True, **options)
        with serve_app(proxy) as proxy_url:
            try:
                yield proxy_url, upstream, log
            finally:
                proxy.close_from_thread()


def test_a_whole_sign_in_goes_through_the_transparent_proxy(tmp_path: Path) -> None:
    with behind_proxy(tmp_path) as (url, upstream, log), Client(url) as client:
        tokens = client.interaction("demo-app", url + "/demo-app").sign_in(
            "alice", password=PASSWORD
        )
    assert tokens.claims["iss"] == url + "/oidc"  # built from the Host the client sent
    assert tokens.subject
    paths = {path for _, path, _, _ in upstream.seen}
    # the OIDC hops (authorization, resumption, discovery, JWKS, token) and the API calls
    assert {"/oidc/auth", "/oidc/token", "/oidc/jwks"} <= paths
    assert "/oidc/.well-known/openid-configuration" in paths
    assert any(p.startswith("/oidc/auth/") for p in paths)
    assert {"/api/experience", "/api/experience/submit"} <= paths
    proxy_host = url.removeprefix("http://")
    # every request of the flow reached the upstream through the proxy, with the client's Host
    assert all(
        host == proxy_host and forwarded == "127.0.0.1" for _, _, host, forwarded in upstream.seen
    ), upstream.seen
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    api = [line for line in lines if line["path"].startswith("/api/")]
    assert len(api) == sum(p.startswith("/api/") for _, p, _, _ in upstream.seen)
    assert all(line["violations"] == [] for line in api), api


def test_the_upstream_host_option_sends_oidc_around_the_proxy(tmp_path: Path) -> None:
    # What the issue saw in front of a real Logto: with the upstream's Host, discovery and
    # Submit's redirectTo name the upstream, and the flow leaves the proxy after Submit.
    with (
        behind_proxy(tmp_path, preserve_host=False) as (url, upstream, _),
        Client(url) as client,
    ):
        upstream.app.add_app("web", url + "/callback")  # registered absolutely, as on Logto
        tokens = client.interaction("web", url + "/callback").sign_in("alice", password=PASSWORD)
    upstream_origin = tokens.claims["iss"].removesuffix("/oidc")
    assert upstream_origin != url
    around = [(method, path) for method, path, _, forwarded in upstream.seen if forwarded is None]
    through = [path for _, path, _, forwarded in upstream.seen if forwarded is not None]
    assert ("POST", "/oidc/token") in around and any(p.startswith("/oidc/auth/") for _, p in around)
    assert "/api/experience/submit" in through
    assert all(host == upstream_origin.removeprefix("http://") for _, _, host, _ in upstream.seen)
