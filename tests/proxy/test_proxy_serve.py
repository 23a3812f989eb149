"""The worker factory of ``logto-dynamic proxy --workers N``, in process."""

from __future__ import annotations

import gc
import json

import pytest

from logto_dynamic._proxy import ValidatingProxy
from logto_dynamic._proxy._serve import SETTINGS_ENV, create_app


def test_a_worker_builds_its_proxy_from_the_settings_and_settles_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = {"upstream": "http://127.0.0.1:9/prefix", "mode": "enforce", "log_all": True}
    monkeypatch.setenv(SETTINGS_ENV, json.dumps(settings))
    gc.unfreeze()
    try:
        proxy = create_app()
        # Everything built so far is out of the collector's full scans (gc.freeze).
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert isinstance(proxy, ValidatingProxy)
    assert proxy.mode == "enforce" and proxy.recorder.log_all
    assert proxy.upstream.origin == "http://127.0.0.1:9" and proxy.upstream.prefix == b"/prefix"
