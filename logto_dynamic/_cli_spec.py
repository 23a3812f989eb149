"""``logto-dynamic spec diff|drift|lint``: compare and check OpenAPI documents.

Exit codes: ``diff`` and ``drift`` return 1 when a breaking change is found (so CI can gate
on them) and 0 otherwise; ``lint`` returns 1 when it finds a problem. Any document that
cannot be read or fetched gives 2.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``spec`` command and its ``diff``, ``drift`` and ``lint`` sub-commands."""
    spec = subparsers.add_parser("spec", help="compare and check OpenAPI documents")
    sub = spec.add_subparsers(dest="spec_command", metavar="SUBCOMMAND")
    spec.set_defaults(func=lambda args: _usage(spec))

    diff = sub.add_parser("diff", help="what changed between two documents (breaking first)")
    diff.add_argument("old", help="the old document: path or URL ('bundled' for ours)")
    diff.add_argument("new", help="the new document: path or URL ('bundled' for ours)")
    _common(diff)
    diff.set_defaults(func=run_diff)

    drift = sub.add_parser(
        "drift", help="compare the bundled document with a live server's published one"
    )
    drift.add_argument("--server", required=True, help="the Logto base URL")
    drift.add_argument("--spec", help="compare this document instead of the bundled one")
    _common(drift)
    drift.set_defaults(func=run_drift)

    lint = sub.add_parser("lint", help="every problem of a document (openapi-spec-validator "
                          "included), attributed to operations")
    lint.add_argument("file", help="a document path or URL ('bundled' for ours)")
    lint.add_argument("--json", action="store_true", help="print JSON")
    lint.add_argument("--normalized", action="store_true",
                      help="lint the document after the Logto dialect normalisation")
    lint.set_defaults(func=run_lint)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--raw", action="store_true",
                        help="compare the documents as published (no Logto dialect "
                        "normalisation)")


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _load(source: str | None, *, normalize: bool) -> Any:
    from logto_dynamic._spec import load_spec

    return load_spec(None if source in (None, "bundled") else source, normalize=normalize)


def _print_diff(result: Any, as_json: bool) -> int:
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.table())
    return 1 if result.breaking else 0


def run_diff(args: argparse.Namespace) -> int:
    """Diff two documents."""
    from logto_dynamic._diff import diff_specs
    from logto_dynamic._exceptions import SpecError

    try:
        old = _load(args.old, normalize=not args.raw)
        new = _load(args.new, normalize=not args.raw)
    except SpecError as exc:
        print(f"error: {exc}")
        return 2
    return _print_diff(diff_specs(old, new), args.json)


def run_drift(args: argparse.Namespace) -> int:
    """Diff the bundled (or given) document against what a live server publishes."""
    from logto_dynamic._diff import diff_specs
    from logto_dynamic._exceptions import SpecError
    from logto_dynamic._spec import spec_url_for_server

    url = spec_url_for_server(args.server)
    try:
        ours = _load(args.spec, normalize=not args.raw)
        live = _load(url, normalize=not args.raw)
    except SpecError as exc:
        print(f"error: {exc}")
        return 2
    if not args.json:
        print(f"drift: {ours.origin} vs {url}")
    return _print_diff(diff_specs(ours, live), args.json)


def run_lint(args: argparse.Namespace) -> int:
    """Lint a document, as published unless ``--normalized``."""
    from logto_dynamic._dialect import normalize
    from logto_dynamic._exceptions import SpecError
    from logto_dynamic._lint import lint
    from logto_dynamic._loader import bundled_spec_path, fetch_document, is_url, read_document

    source = args.file
    try:
        if source == "bundled":
            document = read_document(bundled_spec_path())
        elif is_url(source):
            document = fetch_document(source)
        else:
            document = read_document(source)
    except SpecError as exc:
        print(f"error: {exc}")
        return 2
    report_norm = None
    if args.normalized:
        document, report_norm = normalize(document)
    report = lint(document)
    if args.json:
        out = report.to_dict()
        if report_norm is not None:
            out["normalization"] = report_norm.counts()
        print(json.dumps(out, indent=2))
    else:
        if report_norm is not None:
            print(f"normalised first: {report_norm.counts() or 'no rewrites'}")
        print(report)
    return 0 if report.ok else 1
