"""Side-by-side benchmarks of logto_dynamic, raw httpx and py_logto.

    python tools/bench.py [--quick] [--sections cold,loopback,inprocess,scale,proxy] [--out DIR]
    python tools/bench.py --proxy [--rounds N] [--seconds S] [--proxy-workers N]

Installs nothing: ``pip install ".[bench]"`` adds py_logto 2.0.0 (its variants are skipped
with a note when it is missing). Variants run interleaved in rounds (A B C A B C ...) so
machine drift hits them alike; every table gives median, min and max per variant and the
ratio of medians to the baseline of the same run. Servers run in their own processes
(uvicorn on 127.0.0.1, ephemeral ports) and are stopped at the end. The proxy section drives
them with wrk (``apt-get install wrk``) and checks the proxy targets of BENCHMARKS.md; the
exit status is 1 when one of them is missed.
Results: ``bench-results/bench.json`` and ``bench-results/bench.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import datetime
import importlib.metadata
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _bench_proxy
from _bench_common import ENV, ROOT, TOOLS, Report, free_port, has, interleave, process
from _bench_management import bench_management_load, cold_variants
from _bench_proxy import bench_proxy

SHARED = Path(os.environ.get("LOGTO_SHARED_REFERENCE", ROOT.parent / "shared" / "reference"))
OP = "CreatePasswordVerification"
PATH = "/api/experience/verification/password"
BODY = {"identifier": {"type": "username", "value": "alice"}, "password": "Ap9!rainbow"}


def upstream() -> contextlib.AbstractContextManager[str]:
    port = free_port()
    return process(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench_app:app",
            "--app-dir",
            str(TOOLS),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        port,
    )


# -- 1. cold start and memory -------------------------------------------------------------------

COLD = {
    "import httpx (floor)": "import httpx",
    "logto_dynamic: import + bundled spec + Client": (
        "import logto_dynamic as ld\nld.Client('http://127.0.0.1:9', spec=ld.load_spec())"
    ),
    "py_logto: import + ExperienceApi": (
        "import py_logto\n"
        "py_logto.ExperienceApi(py_logto.ApiClient(py_logto.Configuration("
        "host='http://127.0.0.1:9')))"
    ),
}
MEMORY = {
    "raw httpx, one POST (floor)": (
        "import httpx\nwith httpx.Client() as c:\n    c.post(URL + PATH, json=BODY).json()"
    ),
    "logto_dynamic, one validated call": (
        "import logto_dynamic as ld\nwith ld.Client(URL) as c:\n    c.call(OP, BODY)"
    ),
    "py_logto, one call": (
        "import py_logto\n"
        "api = py_logto.ExperienceApi(py_logto.ApiClient(py_logto.Configuration(host=URL)))\n"
        "api.create_password_verification(py_logto.CreatePasswordVerificationRequest.from_dict("
        "BODY))"
    ),
}


def child(code: str, url: str = "") -> dict[str, float]:
    script = (
        "import time, resource, json\n_t0 = time.perf_counter()\n"
        f"URL, PATH, OP, BODY = {url!r}, {PATH!r}, {OP!r}, {BODY!r}\n"
        f"{code}\n"
        "_hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
        "print(json.dumps({'inside': time.perf_counter() - _t0, "
        "'rss_kib': int(_hwm[0].split()[1])}))\n"
    )
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", script], env=ENV, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - start
    data: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    data["wall"] = wall
    return data


def bench_cold(report: Report, rounds: int) -> None:
    variants = {k: v for k, v in COLD.items() if "py_logto" not in k or has("py_logto")}
    variants.update(cold_variants())  # the Management API, side by side
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in variants}
    for _ in range(rounds):
        for name, code in variants.items():
            runs[name].append(child(code))
    notes = [] if has("py_logto") else ["py_logto not installed: its variant is skipped"]
    report.table(
        "Cold start, whole process (wall clock)",
        "s",
        {k: [r["wall"] for r in v] for k, v in runs.items()},
        "import httpx (floor)",
        notes,
    )
    rows = report.table(
        "Cold start, inside the process (from before the first import)",
        "s",
        {k: [r["inside"] for r in v] for k, v in runs.items()},
        "import httpx (floor)",
    )
    if "py_logto: import + ExperienceApi" in rows:
        ours = rows["logto_dynamic: import + bundled spec + Client"]["median"]
        theirs = rows["py_logto: import + ExperienceApi"]["median"]
        print(f"  target: logto_dynamic ≤ 0.12 × py_logto (issue 24) → {ours / theirs:.3f}")
    management = [k for k in rows if "UsersApi" in k or "ManagementClient" in k]
    if len(management) == 2:
        ours, theirs = (rows[k]["median"] for k in sorted(management))
        print(f"  Management API: logto_dynamic / py_logto → {ours / theirs:.3f}")
    bench_management_load(report, rounds, SHARED / "logto-1.42.0-management.openapi.json")
    with upstream() as url:
        mem = {k: v for k, v in MEMORY.items() if "py_logto" not in k or has("py_logto")}
        samples: dict[str, list[float]] = {k: [] for k in mem}
        for _ in range(max(3, rounds // 2)):
            for name, code in mem.items():
                samples[name].append(child(code, url)["rss_kib"] / 1024)
    report.table(
        "Peak memory of a process making one call (VmHWM)",
        "MiB",
        samples,
        "raw httpx, one POST (floor)",
    )


# -- 2./3. per call ------------------------------------------------------------------------------


def timed(fn: Callable[[], Any], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def call_variants(url: str, transport: Any = None) -> tuple[dict[str, Callable[[], Any]], list]:
    import httpx

    import logto_dynamic as ld

    kw: dict[str, Any] = {"transport": transport} if transport is not None else {}
    raw = httpx.Client(**kw)
    strict = ld.Client(url, **kw)
    off = ld.Client(url, validate="off", **kw)
    variants: dict[str, Callable[[], Any]] = {
        "raw httpx post + .json() (floor)": lambda: raw.post(url + PATH, json=BODY).json(),
        "logto_dynamic strict": lambda: strict.call(OP, BODY),
        "logto_dynamic validate=off": lambda: off.call(OP, BODY),
    }
    closers: list[Any] = [raw, strict, off]
    if transport is None and has("py_logto"):
        import py_logto

        api = py_logto.ExperienceApi(py_logto.ApiClient(py_logto.Configuration(host=url)))
        request = py_logto.CreatePasswordVerificationRequest.from_dict(BODY)
        variants["py_logto"] = lambda: api.create_password_verification(request)
    return variants, closers


def bench_loopback(report: Report, rounds: int, n: int) -> None:
    with upstream() as url:
        variants, closers = call_variants(url)
        for fn in variants.values():
            for _ in range(50):
                fn()
        samples = interleave({k: (lambda f=f: timed(f, n)) for k, f in variants.items()}, rounds)
        notes = [] if "py_logto" in variants else ["py_logto not installed: skipped"]
        rows = report.table(
            f"Per call over loopback, sequential ({n} calls a sample)",
            "µs/call",
            samples,
            "raw httpx post + .json() (floor)",
            notes,
        )
        print(f"  target: strict ≤ 1.10 × raw → {rows['logto_dynamic strict']['ratio']:.3f}")
        for c in closers:
            c.close()
        report.table(
            "Per call over loopback, AsyncClient at concurrency 32",
            "µs/call (wall / calls)",
            asyncio.run(_concurrent(url, rounds, n)),
            "raw httpx.AsyncClient (floor)",
        )


async def _concurrent(url: str, rounds: int, n: int) -> dict[str, list[float]]:
    import httpx

    import logto_dynamic as ld

    limits = httpx.Limits(max_connections=32)
    raw = httpx.AsyncClient(limits=limits)
    strict = ld.AsyncClient(url, limits=limits)
    off = ld.AsyncClient(url, validate="off", limits=limits)
    calls: dict[str, Callable[[], Any]] = {
        "raw httpx.AsyncClient (floor)": lambda: raw.post(url + PATH, json=BODY),
        "logto_dynamic AsyncClient strict": lambda: strict.call(OP, BODY),
        "logto_dynamic AsyncClient off": lambda: off.call(OP, BODY),
    }
    out: dict[str, list[float]] = {k: [] for k in calls}
    for round_ in range(rounds + 1):
        for name, make in calls.items():
            gate = asyncio.Semaphore(32)

            async def one(make: Callable[[], Any] = make, gate: asyncio.Semaphore = gate) -> None:
                async with gate:
                    await make()

            start = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(n)))
            if round_:  # the first round warms the pools up
                out[name].append((time.perf_counter() - start) / n * 1e6)
    for c in (raw,):
        await c.aclose()
    await strict.aclose()
    await off.aclose()
    return out


def bench_inprocess(report: Report, rounds: int, n: int) -> None:
    import httpx

    answer = json.dumps({"verificationId": "v"}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=answer, headers={"content-type": "application/json"})

    variants, _ = call_variants("http://logto.test", httpx.MockTransport(handler))
    for fn in variants.values():
        for _ in range(100):
            fn()
    samples = interleave({k: (lambda f=f: timed(f, n)) for k, f in variants.items()}, rounds)
    rows = report.table(
        f"Per call in-process, httpx.MockTransport ({n} calls a sample)",
        "µs/call",
        samples,
        "raw httpx post + .json() (floor)",
    )
    base = rows["raw httpx post + .json() (floor)"]["median"]
    for name in ("logto_dynamic strict", "logto_dynamic validate=off"):
        print(f"  overhead {name}: {rows[name]['median'] - base:.1f} µs/call (target ≤ 60 µs)")


# -- 4. spec scale ----------------------------------------------------------------------

SCALE_CHILD = """
import logto_dynamic as ld
t = time.perf_counter()
spec = ld.load_spec(SOURCE)
loaded = time.perf_counter() - t
compiled = len(spec.validators)
op = spec.operation(FIRST)
t = time.perf_counter()
spec.check_request(op, body=FIRST_BODY, path_params=FIRST_PATH)
first = time.perf_counter() - t
t = time.perf_counter()
spec.check_request(op, body=FIRST_BODY, path_params=FIRST_PATH)
second = time.perf_counter() - t
print(json.dumps({"load": loaded, "ops": len(spec.index), "compiled_after_load": compiled,
                  "first": first, "second": second}))
"""


def bench_scale(report: Report, rounds: int, n: int) -> None:
    sources: dict[str, Any] = {"bundled 1.22 (25 ops)": None}
    exp = SHARED / "logto-1.42.0-experience.openapi.json"
    mgmt = SHARED / "logto-1.42.0-management.openapi.json"
    notes: list[str] = []
    if exp.is_file() and mgmt.is_file():
        sources["published 1.42 experience (37 ops)"] = str(exp)
        sources["published 1.42 management (284 ops)"] = str(mgmt)
    else:
        notes.append(f"{SHARED} absent: only the bundled document is measured")
    results: dict[str, list[dict[str, float]]] = {k: [] for k in sources}
    for _ in range(rounds):
        for name, source in sources.items():
            first, body, params = (
                ("GetUser", None, {"userId": "u1"}) if "management" in name else (OP, BODY, None)
            )
            code = (
                f"SOURCE, FIRST, FIRST_BODY, FIRST_PATH = "
                f"{source!r}, {first!r}, {body!r}, {params!r}\n" + SCALE_CHILD
            )
            script = "import time, json, resource\n" + code
            out = subprocess.run(
                [sys.executable, "-c", script], env=ENV, capture_output=True, text=True, check=True
            )
            results[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    counts = {k: int(v[0]["ops"]) for k, v in results.items()}
    compiled = {k: max(int(r["compiled_after_load"]) for r in v) for k, v in results.items()}
    notes.append(f"operations indexed: {counts}; validators compiled by loading: {compiled}")
    report.table(
        "Load + normalise + index a document (fresh process each)",
        "s",
        {k: [r["load"] for r in v] for k, v in results.items()},
        "bundled 1.22 (25 ops)",
        notes,
    )
    report.table(
        "First check of a never-used operation (compiles its validators)",
        "ms",
        {k: [r["first"] * 1e3 for r in v] for k, v in results.items()},
        "bundled 1.22 (25 ops)",
        [
            "CreatePasswordVerification body; GetUser (path parameter userId, no body) "
            "on the management document"
        ],
    )
    if mgmt.is_file():
        _size_independence(report, rounds, n, mgmt)


def _size_independence(report: Report, rounds: int, n: int, mgmt: Path) -> None:
    """The same operation in the bundled document and in bundled + 284 management operations."""
    import httpx

    import logto_dynamic as ld

    small = ld.load_spec()
    big_doc = copy.deepcopy(json.loads(mgmt.read_text()))
    ours = copy.deepcopy(dict(small.document))
    big_doc["paths"].update(ours["paths"])
    for kind, items in ours["components"].items():
        big_doc.setdefault("components", {}).setdefault(kind, {}).update(items)
    big = ld.load_spec(big_doc)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"verificationId": "v"})

    clients = {
        f"bundled document ({len(small.index)} ops)": ld.Client(
            "http://t", spec=small, transport=httpx.MockTransport(handler)
        ),
        f"bundled + management ({len(big.index)} ops)": ld.Client(
            "http://t", spec=big, transport=httpx.MockTransport(handler)
        ),
    }
    variants = {k: (lambda c=c: timed(lambda: c.call(OP, BODY), n)) for k, c in clients.items()}
    for v in variants.values():
        v()
    report.table(
        "Per-call cost vs document size (same operation, MockTransport)",
        "µs/call",
        interleave(variants, rounds),
        next(iter(clients)),
    )


# -- main --------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    out = {}
    for name in (
        "logto-dynamic",
        "httpx",
        "jsonschema",
        "fastjsonschema",
        "py-logto",
        "uvicorn",
        "uvloop",
        "httptools",
        "aiohttp",
        "httpx-aiohttp",
        "granian",
    ):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    if out["logto-dynamic"] == "not installed":
        from logto_dynamic.__version__ import __version__

        out["logto-dynamic"] = f"{__version__} (working tree)"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke run")
    parser.add_argument("--sections", default="cold,loopback,inprocess,scale,proxy")
    parser.add_argument("--proxy", action="store_true", help="only the proxy section (wrk)")
    parser.add_argument("--rounds", type=int, help="proxy rounds (default 3)")
    parser.add_argument("--seconds", type=float, help="seconds per wrk run (default 5; quick 2)")
    parser.add_argument(
        "--proxy-workers",
        type=int,
        metavar="N",
        help="pass --workers N to logto-dynamic proxy (default: not passed)",
    )
    parser.add_argument(
        "--proxy-args",
        default="",
        metavar="ARGS",
        help="extra arguments for every proxy measured (e.g. '--header-timeout 0')",
    )
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    args = parser.parse_args(argv)
    _bench_proxy.EXTRA_PROXY_ARGS[:] = shlex.split(args.proxy_args)
    sys.path.insert(0, str(ROOT))
    quick = args.quick
    rounds = 3 if quick else 9
    report = Report()
    held = [True]
    sections: dict[str, Callable[[], None]] = {
        "cold": lambda: bench_cold(report, 3 if quick else 10),
        "loopback": lambda: bench_loopback(report, rounds, 100 if quick else 400),
        "inprocess": lambda: bench_inprocess(report, rounds, 500 if quick else 3000),
        "scale": lambda: bench_scale(report, 2 if quick else 5, 500 if quick else 3000),
        "proxy": lambda: held.append(
            bench_proxy(
                report, args.rounds or 3, args.seconds or (2 if quick else 5), args.proxy_workers
            )
        ),
    }
    started = time.perf_counter()
    for name in ("proxy",) if args.proxy else args.sections.split(","):
        sections[name.strip()]()
    meta = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, {platform.platform()}",
        "python": platform.python_version(),
        "versions": ", ".join(f"{k} {v}" for k, v in versions().items()),
        "mode": "quick" if quick else "full",
        "duration": f"{time.perf_counter() - started:.0f} s",
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(
        json.dumps({"meta": meta, "sections": report.sections}, indent=2)
    )
    (out / "bench.md").write_text(report.markdown(meta))
    print(f"\nwrote {out / 'bench.md'} and {out / 'bench.json'} ({meta['duration']})")
    return 0 if all(held) else 1


if __name__ == "__main__":
    sys.exit(main())
