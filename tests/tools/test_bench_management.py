"""tools/_bench_management.py: the variants it times load what they say, and its cold-start
code builds a Management API client (the timing runs live in tools/bench.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _support import MANAGEMENT_142, REFERENCE_DIR

TOOLS = Path(__file__).resolve().parents[2] / "tools"
sys.path.insert(0, str(TOOLS))

import _bench_common  # noqa: E402
import _bench_management  # noqa: E402


def test_every_load_variant_loads_the_whole_document() -> None:
    variants = _bench_management.load_variants(REFERENCE_DIR / MANAGEMENT_142)
    assert len(variants) == (3 if (REFERENCE_DIR / MANAGEMENT_142).is_file() else 2)
    for name, load in variants.items():
        spec = load()
        assert len(spec.index) == 284 and not spec.quarantined, name


@pytest.mark.process
def test_the_table_and_the_cold_start_code() -> None:
    report = _bench_common.Report()
    _bench_management.bench_management_load(report, 1, Path("/nonexistent.json"))
    section = report.sections[-1]
    assert set(section["rows"]) == {
        "shipped document, as made (the default)",
        "shipped document, normalised again",
    }
    assert "bytes, 284 operations" in section["notes"][0]
    code = _bench_management.COLD_MANAGEMENT[
        "logto_dynamic: import + Management document + ManagementClient"
    ]
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
