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

from _support import AUTH_QUERY, EXPERIENCE_142, MANAGEMENT_142, SEED_USER, reference_file  # noqa: E402

from logto_dynamic.testing import ExperienceServer, SignInExperience  # noqa: E402

# `pytester` runs test files through pytest (tests/testing/test_plugin.py checks the pytest plugin).
pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def experience_142() -> Path:
    """Logto 1.42.0's published Experience API document (skips when absent)."""
    return reference_file(EXPERIENCE_142)


@pytest.fixture(scope="session")
def management_142() -> Path:
    """Logto 1.42.0's published Management API document (skips when absent)."""
    return reference_file(MANAGEMENT_142)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        help="also run the tests marked slow (the long property runs); .ci/run passes it",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` run with ``--slow`` (or a ``-m`` naming ``slow``), else are
    deselected, so any ``-m`` expression (the inner loop's too) leaves them out."""
    if config.getoption("--slow") or "slow" in (config.option.markexpr or ""):
        return
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item.get_closest_marker("slow") is None]


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
