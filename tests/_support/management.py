"""Helpers for tests of the embedded server's Management API: a strict in-process caller, and
the arranging script of ``docs/examples/arrange.py`` loaded as a module."""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from logto_dynamic._spec import Spec
from logto_dynamic.testing import ExperienceServer, serve_app

ROOT = Path(__file__).resolve().parents[2]
MANAGEMENT = "https://default.logto.app/api"


def strict_document() -> Spec:
    """The bundled Management document, every answer is checked against it (no deviation)."""
    from logto_dynamic._spec import load_spec

    return load_spec("logto-management-1.42")


class StrictApi:
    """Management API calls in process; every answer must validate against the document
    (status, content type, body), or the call fails the test."""

    def __init__(self, http: httpx.AsyncClient, app_id: str, secret: str) -> None:
        self.http = http
        self.app_id, self.secret = app_id, secret
        self.document = strict_document()
        self.token: str | None = None
        #: operationIds answered so far (a test can check what it covered).
        self.seen: set[str] = set()

    async def bearer(self) -> str:
        """A Management API token of the app (client credentials)."""
        if self.token is None:
            pair = base64.b64encode(f"{self.app_id}:{self.secret}".encode()).decode()
            answer = await self.http.post(
                "/oidc/token",
                data={"grant_type": "client_credentials", "resource": MANAGEMENT, "scope": "all"},
                headers={"authorization": f"Basic {pair}"},
            )
            assert answer.status_code == 200, answer.text
            self.token = answer.json()["access_token"]
        return self.token

    async def __call__(
        self, method: str, path: str, body: Any = None, *, undocumented: bool = False, **query: Any
    ) -> tuple[int, Any]:
        """``(status, decoded body)`` of a checked answer. ``undocumented``: Logto answers
        this status though the document does not list it (the one violation allowed)."""
        headers = {"authorization": f"Bearer {await self.bearer()}"}
        answer = await self.http.request(
            method, path, json=body, params=query or None, headers=headers
        )
        hit = self.document.match(method, path)
        assert hit is not None, f"{method} {path} is no documented operation"
        op = hit[0]
        check = self.document.responses.check(
            op, answer.status_code, answer.headers.get("content-type"), answer.content
        )
        found = check.violations
        if undocumented:
            assert [v.keyword for v in found] == ["status"], found
            found = ()
        assert not found, (op.operation_id, answer.status_code, found)
        assert not check.notes, check.notes
        self.seen.add(op.operation_id)
        return answer.status_code, check.data


def strict_api(server: ExperienceServer, http: httpx.AsyncClient) -> StrictApi:
    """A :class:`StrictApi` as the server's first machine-to-machine app."""
    app = next(iter(server.m2m.apps.values()))
    return StrictApi(http, app.id, app.secret)


@contextlib.asynccontextmanager
async def strict_api_for(server: ExperienceServer, *, loopback: bool) -> AsyncIterator[StrictApi]:
    """A :class:`StrictApi` for ``server``, in process or over a loopback socket."""
    if not loopback:
        transport = httpx.ASGITransport(app=server)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield strict_api(server, http)
        return
    with serve_app(server) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            yield strict_api(server, http)


def arranging_script() -> ModuleType:
    """``docs/examples/arrange.py``, imported (once) as the module ``arrange_example``."""
    name = "arrange_example"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs/examples/arrange.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
