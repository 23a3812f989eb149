"""``logto-dynamic har``: check the Experience API exchanges of a HAR recording offline."""

from __future__ import annotations

import argparse
import json
from typing import Any

from logto_dynamic._cli._common import UsageError, add_spec_option, load_spec_source

__all__ = ["register", "run_har"]


def register(subparsers: Any) -> None:
    """Add the ``har`` sub-command."""
    har = subparsers.add_parser(
        "har",
        help="validate the Experience API exchanges of a HAR file",
        description="Check every API request and response recorded in FILE.har offline; "
        "exit code 1 when any entry fails.",
    )
    har.add_argument(
        "file", metavar="FILE.har", help="a HAR recording (a browser's devtools export)"
    )
    add_spec_option(har)
    har.add_argument("--json", action="store_true", help="print the summary as JSON")
    har.set_defaults(func=run_har)


def run_har(args: argparse.Namespace) -> int:
    """Print the per-operation table (or JSON); 1 when anything fails, 2 on a bad file."""
    from logto_dynamic._exceptions import HarError
    from logto_dynamic._traffic._har import validate_har

    spec = load_spec_source(args.spec, timeout=args.spec_timeout)
    try:
        summary = validate_har(args.file, spec=spec)
    except HarError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
        return 0 if summary.ok else 1
    ops = sorted(summary.operations.items())
    rows = [(name, s.count, s.passed, s.violations) for name, s in ops]
    width = max([len("operation"), *(len(r[0]) for r in rows)])
    print(f"{'operation':<{width}}  {'count':>5}  {'passed':>6}  {'violations':>10}")
    for name, count, passed, violations in rows:
        print(f"{name:<{width}}  {count:>5}  {passed:>6}  {violations:>10}")
    print(
        f"\n{len(summary.entries)} API exchange(s) checked, {summary.skipped} other "
        f"entr{'y' if summary.skipped == 1 else 'ies'} skipped."
    )
    for entry in summary.failures:
        where = (
            f"{entry.method} {entry.to_dict()['path']} -> {entry.status} " if entry.method else ""
        )
        print(_printable(f"\n#{entry.index} {where}({entry.operation})"))
        for violation in entry.violations:
            print(_printable(f"  - {violation}"))
    print("\nOK" if summary.ok else f"\nFAILED: {len(summary.failures)} exchange(s)")
    return 0 if summary.ok else 1


def _printable(text: str) -> str:
    """``text`` with what cannot be printed (lone surrogates from a HAR file) escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
