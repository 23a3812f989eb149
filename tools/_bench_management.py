"""The Management API document in tools/bench.py: its load time in process, and the cold start
of a process that builds a Management API client, side by side with py_logto's generated
classes for the same API (issue 19)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _bench_common import Report, has

#: Whole-process cold starts, run by ``bench.child`` next to the Experience API ones.
COLD_MANAGEMENT = {
    "logto_dynamic: import + Management document + ManagementClient": (
        "import logto_dynamic as ld\n"
        "ld.ManagementClient('http://127.0.0.1:9', app_id='a', app_secret='b')"
    ),
    "py_logto: import + UsersApi + SignInExperienceApi": (
        "import py_logto\n"
        "_api = py_logto.ApiClient(py_logto.Configuration(host='http://127.0.0.1:9'))\n"
        "py_logto.UsersApi(_api), py_logto.SignInExperienceApi(_api)"
    ),
}


def load_variants(reference: Path) -> dict[str, Callable[[], Any]]:
    """Ways to load the Management API document, each from the file (no cache)."""
    from logto_dynamic import load_spec
    from logto_dynamic._document._load import named_spec_path

    shipped = named_spec_path("logto-management-1.42")
    assert shipped is not None
    variants: dict[str, Callable[[], Any]] = {
        "shipped document, as made (the default)": lambda: load_spec(
            shipped, refresh=True, normalize=False
        ),
        "shipped document, normalised again": lambda: load_spec(shipped, refresh=True),
    }
    if reference.is_file():  # what spec=FILE with Logto's own swagger.json costs
        variants["Logto's published swagger.json, normalised"] = lambda: load_spec(
            reference, refresh=True
        )
    return variants


def bench_management_load(report: Report, rounds: int, reference: Path) -> None:
    """The document's size and in-process load time (median of ``rounds`` loads each)."""
    from logto_dynamic._document._load import named_spec_path

    variants = load_variants(reference)
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, load in variants.items():
            start = time.perf_counter()
            load()
            samples[name].append(time.perf_counter() - start)
    shipped = named_spec_path("logto-management-1.42")
    size = os.path.getsize(shipped) if shipped is not None else 0
    notes = [f"shipped document: {size} bytes, 284 operations"]
    if reference.is_file():
        notes.append(f"Logto's document: {reference.stat().st_size} bytes")
    report.table(
        "Management API document load, in process (parse, index, no validator compiled)",
        "s",
        samples,
        "shipped document, as made (the default)",
        notes,
    )


def cold_variants() -> dict[str, str]:
    """The cold-start variants that can run here (py_logto's needs py_logto installed)."""
    return {k: v for k, v in COLD_MANAGEMENT.items() if "py_logto" not in k or has("py_logto")}
