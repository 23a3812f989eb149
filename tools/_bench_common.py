"""Shared helpers of tools/bench.py: server processes, interleaved rounds, the report tables."""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import socket
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(TOOLS)])}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


@contextlib.contextmanager
def process(args: list[str], port: int) -> Iterator[str]:
    """Start a server process (and its workers) in its own session, stop them all on exit."""
    proc = subprocess.Popen(
        args, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):  # workers left behind by the manager
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def has(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "n": len(samples),
    }


def interleave(variants: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run each variant once per round, in order; returns the samples per variant."""
    out: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, run in variants.items():
            out[name].append(run())
    return out


class Report:
    """Collects the tables of a run and writes them as Markdown and JSON."""

    def __init__(self) -> None:
        self.sections: list[dict[str, Any]] = []

    def table(
        self,
        title: str,
        unit: str,
        samples: dict[str, list[float]],
        baseline: str,
        notes: list[str] | None = None,
    ) -> dict[str, dict[str, float]]:
        rows = {name: summary(v) for name, v in samples.items() if v}
        base = rows[baseline]["median"]
        for row in rows.values():
            row["ratio"] = row["median"] / base if base else float("nan")
        self.sections.append(
            {
                "title": title,
                "unit": unit,
                "baseline": baseline,
                "rows": rows,
                "notes": notes or [],
                "samples": samples,
            }
        )
        print(f"\n## {title} ({unit}; ratio to {baseline})")
        for name, row in rows.items():
            print(
                f"  {name:<42} median {row['median']:>10.3f}  min {row['min']:>10.3f}  "
                f"max {row['max']:>10.3f}  x{row['ratio']:.3f}"
            )
        for note in notes or []:
            print(f"  note: {note}")
        return rows

    def note(self, title: str, lines: list[str]) -> None:
        """A section of plain lines (target checks, commands)."""
        self.sections.append({"title": title, "lines": lines})
        print(f"\n## {title}")
        for line in lines:
            print(f"  {line}")

    def markdown(self, meta: dict[str, Any]) -> str:
        lines = ["# logto_dynamic benchmark run", ""]
        lines += [f"- {k}: {v}" for k, v in meta.items()] + [""]
        for sec in self.sections:
            if "lines" in sec:
                lines += [f"## {sec['title']}", ""] + [f"- {x}" for x in sec["lines"]] + [""]
                continue
            lines += [
                f"## {sec['title']}",
                "",
                f"| variant | median ({sec['unit']}) | min | max | × {sec['baseline']} |",
                "|---|---:|---:|---:|---:|",
            ]
            for name, r in sec["rows"].items():
                lines.append(
                    f"| {name} | {r['median']:.3f} | {r['min']:.3f} | {r['max']:.3f} "
                    f"| {r['ratio']:.3f} |"
                )
            lines += [f"- {n}" for n in sec["notes"]] + [""]
        return "\n".join(lines)
