"""The shared Account API corpus (297 requests of a real Logto 1.42.0, 22 sequences) replayed
against the embedded server with the corpus's own engine: the same status and Logto ``code``
on every request, with no allowed differences. The verification-record expiry sequence waits
600 s on Logto; here the server's clock is moved on instead of sleeping."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from _support import reference_file

from logto_dynamic.testing import ExperienceServer, SignInExperience, serve_app

pytestmark = [pytest.mark.loopback]

CORPUS = "conformance/account-requests-logto-1.42.0.json"
#: Differences from Logto allowed in this replay: none.
ALLOWED_DIFFERENCES: list[str] = []


def _engine_module(corpus: Path) -> ModuleType:
    path = corpus.parent / "conformance_engine.py"
    spec = importlib.util.spec_from_file_location("conformance_engine", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["conformance_engine"] = module
    spec.loader.exec_module(module)
    return module


class _Clock:
    """The server's clock: real time plus what the replay moved it on by."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def replay_server() -> Iterator[tuple[ExperienceServer, str, _Clock]]:
    # As the recording Logto: MFA factors TOTP and backup codes, the integration header on.
    server = ExperienceServer(SignInExperience(mfa_factors=("Totp", "BackupCode")))
    server.integration_mode = True
    clock = _Clock()
    server.clock = clock
    with serve_app(server) as url:
        yield server, url, clock


def _run(engine: Any, sequences: list[dict[str, Any]], clock: _Clock) -> None:
    """The engine's ``run``, with a deferred sequence resumed by moving the server's clock
    past its wait instead of sleeping through it."""
    deferred = []
    for seq in sequences:
        st = engine.setup_sequence(seq)
        steps = seq["steps"]
        for i, step in enumerate(steps):
            if step.get("hook") == "defer":
                since = float(st.vars.get(step.get("since", ""), time.time()))
                st.resume_at = since + float(step["seconds"])
                st.pending = steps[i + 1 :]
                deferred.append((seq, st))
                break
            engine.run_step(st, step, False)
        else:
            engine.restore_sequence_sie(st)
    for seq, st in deferred:
        clock.offset += max(0.0, st.resume_at - time.time()) + 1.0
        engine.apply_account_center(seq["setup"]["account_center"])
        for step in st.pending:
            engine.run_step(st, step, False)
        engine.restore_sequence_sie(st)


def test_the_account_corpus_replays_with_the_same_status_and_code(
    replay_server: tuple[ExperienceServer, str, _Clock],
) -> None:
    server, url, clock = replay_server
    corpus_path = reference_file(CORPUS)
    corpus = json.loads(corpus_path.read_text(encoding="utf-8"))
    engine_module = _engine_module(corpus_path)
    engine = engine_module.Engine(url)
    sent: list[str] = []
    send = engine.send

    def counted(st: Any, step: dict[str, Any]) -> Any:
        sent.append(step["path"])
        return send(st, step)

    engine.send = counted
    sequences = corpus["sequences"]
    assert engine_module.count_requests(sequences) == 297
    engine.save_globals(account_center=True, sie=True)
    try:
        _run(engine, sequences, clock)
    finally:
        engine.restore_globals()
        engine.cleanup_users()
        engine.http.close()
    assert len(sent) == 297  # every request was sent and compared
    assert engine.mismatches == ALLOWED_DIFFERENCES
    assert not server.account_center.enabled  # restored to the default
    assert server.users.by_id == {}  # the replay's users were deleted again
