"""Shared fixtures: the anyio backend and the embedded Logto experience server."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

# Tests run against the working tree even when the package is not installed.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from logto_dynamic.testing import ExperienceServer, SignInExperience  # noqa: E402

# `pytester` runs test files through pytest (tests/test_plugin.py checks the pytest plugin).
pytest_plugins = ["pytester"]

SEED_USER = ("alice", "Ap9!rainbow-Quartz")
# PKCE pair of RFC 7636 appendix B; the redirect URI is the default demo-app's on http://testserver.
CODE_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
AUTH_QUERY = {
    "client_id": "demo-app",
    "redirect_uri": "http://testserver/demo-app",
    "response_type": "code",
    "scope": "openid",
    "state": "st4te",
    "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGyTtHTusM",
    "code_challenge_method": "S256",
}


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio."""
    return "asyncio"


@pytest.fixture
def server() -> ExperienceServer:
    """A fresh embedded server with one seeded user (``SEED_USER``)."""
    return ExperienceServer(SignInExperience(seed_users=(SEED_USER,)))


@pytest.fixture
async def http(server: ExperienceServer) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of ``server`` that has started an OIDC interaction (cookies set)."""
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/oidc/auth", params=AUTH_QUERY)
        assert response.status_code == 303
        yield client
