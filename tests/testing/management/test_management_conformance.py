"""The embedded server's Management API against a real Logto 1.42.0: the shared corpus, replayed.

``shared/reference/conformance/management-requests-logto-1.42.0.json`` holds 254 Management
API requests (users: create, get, update, delete, list with pagination and search, the user
sub-routes; the sign-in experience) in 6 self-contained sequences, with the status, Logto
``code`` and, for lists, ``Total-Number`` a real 1.42.0 answered. ``record_management.py``
beside it records and replays it; its engine (``conformance_engine.py``) defines the
placeholders (``${RAND}``, ``${RAND_DIGITS}``, captured ids), the ``restore_sign_in_experience``
hook (PATCH the sign-in experience read before the run back, all fields but ``tenantId`` and
``id``) and the comparison. The recording server ran in integration mode and took
``development-user-id`` instead of a token.

Replayed twice: in process (ASGI, comparing status, code and ``Total-Number``), with a bearer
token from the client-credentials grant instead of that header, as a real deployment takes it;
and over loopback with the shared engine itself, as ``record_management.py --replay FILE --base
URL`` runs, the server accepting the header (``server.integration_mode``).
Set ``LOGTO_MANAGEMENT_CORPUS`` to a file of the same kind to replay that one instead.

:data:`KNOWN_DIFFERENCES` is empty and must stay empty: every difference fails the test.
"""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
import os
import re
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from _support import reference_file

from logto_dynamic.testing import ExperienceServer, SignInExperience, serve_app
from logto_dynamic.testing.oidc._m2m import M2MApp

pytestmark = pytest.mark.anyio

CORPUS = "conformance/management-requests-logto-1.42.0.json"
ENGINE = "conformance/conformance_engine.py"
MANAGEMENT = "https://default.logto.app/api"
APP = ("conformance-backend", "Conformance-S3cret")
PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")

#: ``"<sequence> <index> <method> <path>"`` -> why the embedded server answers differently.
#: Empty, and it must stay empty.
KNOWN_DIFFERENCES: dict[str, str] = {}


def recording_server() -> ExperienceServer:
    """A server as the recording Logto was: Logto's default sign-in experience (username and
    password), no connector."""
    settings = SignInExperience(
        verification_code_connector=False, sign_in_identifiers=("username",)
    )
    return ExperienceServer(settings, m2m_apps=[M2MApp(*APP)])


def _basic() -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(":".join(APP).encode()).decode()}


class _Sequence:
    """The placeholders of one sequence, as the shared engine fills them."""

    def __init__(self, name: str) -> None:
        self.name = name
        rand = secrets.token_hex(4)
        digits = "".join(str(int(c, 16) % 10) for c in rand) + "37"
        self.vars: dict[str, Any] = {
            "RAND": rand,
            "RAND_DIGITS": digits,
            "ADMIN_USER": "integration-test-admin-user",
        }

    def subst(self, value: Any) -> Any:
        if isinstance(value, str):
            whole = PLACEHOLDER.fullmatch(value)
            if whole:
                return self.vars[whole.group(1)]
            return PLACEHOLDER.sub(lambda m: str(self.vars[m.group(1)]), value)
        if isinstance(value, list):
            return [self.subst(v) for v in value]
        if isinstance(value, dict):
            return {k: self.subst(v) for k, v in value.items()}
        return value

    def capture(self, step: dict[str, Any], data: Any) -> None:
        for name, where in (step.get("capture") or {}).items():
            value = data
            try:
                for part in where.split("."):
                    value = value[int(part)] if isinstance(value, list) else value[part]
            except (KeyError, IndexError, TypeError, ValueError):
                value = f"<missing:{where}>"
            self.vars[name] = value


def _code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def _request_options(seq: _Sequence, step: dict[str, Any]) -> dict[str, Any]:
    headers = {k: str(seq.subst(v)) for k, v in (step.get("headers") or {}).items()}
    headers.pop("development-user-id", None)
    options: dict[str, Any] = {"headers": headers}
    if "query" in step:
        options["params"] = seq.subst(step["query"])
    if "raw_body" in step:
        options["content"] = seq.subst(step["raw_body"]).encode()
        headers.setdefault("content-type", step.get("content_type", "application/json"))
    elif "body" in step:
        options["json"] = seq.subst(step["body"])
    return options


async def replay(server: ExperienceServer, sequences: list[dict[str, Any]]) -> list[str]:
    """Send ``sequences`` as the shared engine does; the keys of the differing requests."""
    differences: list[str] = []
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        token = await client.post(
            "/oidc/token",
            data={"grant_type": "client_credentials", "resource": MANAGEMENT, "scope": "all"},
            headers=_basic(),
        )
        bearer = {"authorization": f"Bearer {token.json()['access_token']}"}
        original = (await client.get("/api/sign-in-exp", headers=bearer)).json()
        restore = {k: v for k, v in original.items() if k not in ("tenantId", "id")}
        for sequence in sequences:
            seq = _Sequence(sequence["name"])
            for index, step in enumerate(sequence["steps"]):
                if step.get("hook") == "restore_sign_in_experience":
                    put_back = await client.patch("/api/sign-in-exp", json=restore, headers=bearer)
                    assert put_back.status_code == 200, put_back.text
                    continue
                assert "hook" not in step, step
                options = _request_options(seq, step)
                options["headers"].update(bearer)
                path = seq.subst(step["path"])
                response = await client.request(step["method"], path, **options)
                try:
                    data = response.json()
                except ValueError:
                    data = None
                seq.capture(step, data)
                total = response.headers.get("total-number")
                got = (response.status_code, _code(response), total and int(total))
                want = (step["status"], step["code"], step.get("total_number"))
                if got != want:
                    key = f"{sequence['name']} {index} {step['method']} {step['path']}"
                    differences.append(key)
                    print(f"{key}: expected {want}, got {got}: {response.text[:300]}")
        now = (await client.get("/api/sign-in-exp", headers=bearer)).json()
        assert now == original, "the sign-in experience was not put back as it was"
    return differences


def _corpus() -> dict[str, Any]:
    """The shared corpus, or the file ``LOGTO_MANAGEMENT_CORPUS`` names (another recording
    of the same kind, e.g. the one kept for checking)."""
    other = os.environ.get("LOGTO_MANAGEMENT_CORPUS")
    path = Path(other) if other else reference_file(CORPUS)
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def _count(sequences: list[dict[str, Any]]) -> int:
    return sum(1 for s in sequences for step in s["steps"] if "hook" not in step)


async def test_the_management_corpus_answers_as_logto_1_42_does(record_property: Any) -> None:
    sequences = _corpus()["sequences"]
    total = _count(sequences)
    assert total == 254 or os.environ.get("LOGTO_MANAGEMENT_CORPUS")
    differences = await replay(recording_server(), sequences)
    matched = total - len(differences)
    figure = f"management conformance: {matched}/{total} identical to Logto 1.42.0"
    print(figure)
    record_property("management_conformance", f"{matched}/{total}")
    unexplained = sorted(set(differences) - set(KNOWN_DIFFERENCES))
    assert not unexplained, f"{figure}; differences: {unexplained}"
    assert not KNOWN_DIFFERENCES, "the list of allowed differences must stay empty"


async def test_replay_notices_a_different_answer() -> None:
    """The comparison can fail: a made-up status, code or total is reported."""
    sequences = [
        {"name": "made-up", "steps": [
            {"method": "GET", "path": "/api/users", "status": 200, "code": None,
             "total_number": 0},
            {"method": "GET", "path": "/api/users", "status": 200, "code": None,
             "total_number": 3},
            {"method": "GET", "path": "/api/users/nobody", "status": 404, "code": "entity.nope"},
            {"method": "GET", "path": "/api/sign-in-exp", "status": 201, "code": None},
        ]},
    ]  # fmt: skip
    assert await replay(recording_server(), sequences) == [
        "made-up 1 GET /api/users",
        "made-up 2 GET /api/users/nobody",
        "made-up 3 GET /api/sign-in-exp",
    ]


def _shared_engine() -> ModuleType:
    path = reference_file(ENGINE)
    spec = importlib.util.spec_from_file_location("conformance_engine", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("conformance_engine", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def loopback_url() -> Iterator[str]:
    server = recording_server()
    server.integration_mode = True  # what the corpus's requests carry
    with serve_app(server) as url:
        yield url


@pytest.mark.loopback
def test_the_shared_engine_replays_the_corpus_without_a_mismatch(loopback_url: str) -> None:
    """``record_management.py --replay`` as a reviewer runs it, over loopback: every request
    carries the corpus's ``development-user-id`` header, which the server accepts here."""
    engine_module = _shared_engine()
    sequences = copy.deepcopy(_corpus()["sequences"])
    engine = engine_module.Engine(loopback_url)
    original_setup = engine.setup_sequence

    def setup(sequence: dict[str, Any]) -> Any:  # what record_management.py adds
        state = original_setup(sequence)
        state.vars["ADMIN_USER"] = "integration-test-admin-user"
        rand = state.vars["RAND"]
        state.vars["RAND_DIGITS"] = "".join(str(int(c, 16) % 10) for c in rand) + "37"
        return state

    engine.setup_sequence = setup
    try:
        engine.save_globals(account_center=False, sie=True)
        engine.run(sequences, record=False)
        engine.restore_globals()
        engine.cleanup_users()
        after = engine.mgmt("GET", "/api/sign-in-exp").json()
    finally:
        engine.http.close()
    assert engine.mismatches == []
    assert after == engine.sie_original, "the sign-in experience was not put back as it was"
