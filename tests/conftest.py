"""Shared fixtures: the anyio backend, the embedded Logto server, the shared reference files.

Tests that read ``../shared/reference`` (Logto's published documents) get the file through
:func:`reference_file` or the fixtures below, so each such test skips on its own, with a
reason that names the missing file. ``.ci/run`` sets ``LOGTO_REQUIRE_SHARED=1`` when the
folder exists; then any such skip is turned into a failure (see ``pytest_runtest_makereport``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Generator
from pathlib import Path
from typing import Any

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

#: The sibling ``shared`` folder (``LOGTO_SHARED_DIR`` overrides it).
SHARED_DIR = Path(
    os.environ.get("LOGTO_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared"
)
REFERENCE_DIR = SHARED_DIR / "reference"
#: Every skip for a missing reference file starts with this, so it can be found and refused.
MISSING_REFERENCE = "shared reference file absent:"
EXPERIENCE_142 = "logto-1.42.0-experience.openapi.json"
MANAGEMENT_142 = "logto-1.42.0-management.openapi.json"


def reference_file(name: str) -> Path:
    """The path of ``shared/reference/<name>``; skips the calling test when it is absent."""
    path = REFERENCE_DIR / name
    if not path.is_file():
        pytest.skip(f"{MISSING_REFERENCE} {path} (set LOGTO_SHARED_DIR to its folder)")
    return path


@pytest.fixture(scope="session")
def experience_142() -> Path:
    """Logto 1.42.0's published Experience API document (skips when absent)."""
    return reference_file(EXPERIENCE_142)


@pytest.fixture(scope="session")
def management_142() -> Path:
    """Logto 1.42.0's published Management API document (skips when absent)."""
    return reference_file(MANAGEMENT_142)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Generator[None, Any, None]:
    """With ``LOGTO_REQUIRE_SHARED=1``, a skip for a missing reference file is a failure."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or os.environ.get("LOGTO_REQUIRE_SHARED") != "1":
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
    if "shared reference" in reason.lower():  # MISSING_REFERENCE, or a hand-written reason
        report.outcome = "failed"
        report.longrepr = (
            f"LOGTO_REQUIRE_SHARED=1 but this test skipped: {reason}; "
            f"the reference folder must be complete where it exists"
        )


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


def auth_query(base_url: str) -> dict[str, str]:
    """``AUTH_QUERY`` for a server at ``base_url`` (its registered ``{base}/demo-app``)."""
    return {**AUTH_QUERY, "redirect_uri": f"{base_url}/demo-app"}


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
