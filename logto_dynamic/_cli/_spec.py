"""``logto-dynamic spec diff|drift|lint|normalize``: compare, check and rewrite documents.

Exit codes: ``diff`` and ``drift`` return 1 when a breaking change is found (so CI can gate
on them) and 0 otherwise; ``lint`` returns 1 when it finds a problem; ``normalize`` 0. Any
document that cannot be read, fetched or used gives 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from logto_dynamic._cli._common import (
    UsageError,
    add_spec_option,
    add_spec_timeout,
    load_document,
    load_spec_source,
)

__all__ = ["dump_document", "register"]

#: A document named as an argument: required, so no default to mention.
SOURCE_HELP = (
    "'bundled' or 'logto-1.42', 'logto-1.22', 'logto-management-1.42', a file path "
    "(JSON/YAML), a document URL or a server's base URL"
)


def register(subparsers: Any) -> None:
    """Add the ``spec`` command and its sub-commands."""
    spec = subparsers.add_parser(
        "spec",
        help="compare, check and normalise OpenAPI documents",
        description="Compare (diff, drift), check (lint) and rewrite (normalize) OpenAPI "
        "documents: Logto's or any other.",
    )
    sub = spec.add_subparsers(dest="spec_command", metavar="SUBCOMMAND")
    spec.set_defaults(func=lambda args: _usage(spec))

    diff = sub.add_parser(
        "diff",
        help="what changed between two documents (breaking first)",
        description="List what changed from OLD to NEW, breaking changes first; exit 1 when "
        "one is breaking (so CI can gate on it).",
    )
    diff.add_argument("old", metavar="OLD", help=f"the old document (required): {SOURCE_HELP}")
    diff.add_argument("new", metavar="NEW", help=f"the new document (required): {SOURCE_HELP}")
    add_spec_timeout(diff)
    _compare_options(diff)
    diff.set_defaults(func=run_diff)

    drift = sub.add_parser(
        "drift",
        help="compare a document (the bundled one by default) with a live server's",
        description="Compare --spec (the bundled document by default) with the Experience "
        "API document a live server publishes; exit 1 on a breaking change.",
    )
    drift.add_argument(
        "--server", required=True, metavar="URL", help="the Logto base URL (http[s]://...)"
    )
    add_spec_option(drift)
    _compare_options(drift)
    drift.set_defaults(func=run_drift)

    lint = sub.add_parser(
        "lint",
        help="every problem of a document (openapi-spec-validator "
        "included), attributed to operations",
        description="List every problem of a document (openapi-spec-validator included), "
        "attributed to operations; exit 1 when there is one.",
    )
    lint.add_argument("file", metavar="SOURCE", help=SOURCE_HELP)
    add_spec_timeout(lint)
    lint.add_argument("--json", action="store_true", help="print JSON")
    lint.add_argument(
        "--normalized",
        action="store_true",
        help="lint the document after the Logto dialect normalisation",
    )
    lint.set_defaults(func=run_lint)

    normalize = sub.add_parser(
        "normalize",
        help="write the document as loaded (Logto dialect normalised) for any tool",
        description="Write the normalised document (what load_spec builds) for standard tools "
        "(Schemathesis, Prism, openapi-core): JSON, or YAML when OUT ends in "
        ".yaml/.yml; stdout by default.",
    )
    normalize.add_argument("source", metavar="SOURCE", help=SOURCE_HELP)
    add_spec_timeout(normalize)
    normalize.add_argument(
        "-o", "--output", metavar="OUT", default=None, help="write to OUT instead of stdout"
    )
    normalize.set_defaults(func=run_normalize)


def _compare_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--raw",
        action="store_true",
        help="compare the documents as published (no Logto dialect normalisation)",
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _print_diff(result: Any, as_json: bool) -> int:
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.table())
    return 1 if result.breaking else 0


def run_diff(args: argparse.Namespace) -> int:
    """Diff two documents."""
    from logto_dynamic._spec import diff_specs

    old = load_spec_source(args.old, normalize=not args.raw, timeout=args.spec_timeout)
    new = load_spec_source(args.new, normalize=not args.raw, timeout=args.spec_timeout)
    return _print_diff(diff_specs(old, new), args.json)


def run_drift(args: argparse.Namespace) -> int:
    """Diff the bundled (or given) document against what a live server publishes."""
    from logto_dynamic._spec import diff_specs, spec_url_for_server

    url = spec_url_for_server(args.server)
    ours = load_spec_source(args.spec, normalize=not args.raw, timeout=args.spec_timeout)
    live = load_spec_source(url, normalize=not args.raw, timeout=args.spec_timeout)
    if not args.json:
        print(f"drift: {ours.origin} vs {url}")
    return _print_diff(diff_specs(ours, live), args.json)


def run_lint(args: argparse.Namespace) -> int:
    """Lint a document, as published unless ``--normalized``."""
    from logto_dynamic._document._dialect import normalize
    from logto_dynamic._document._lint import lint

    document = load_document(args.file, timeout=args.spec_timeout)
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


def dump_document(document: Any, *, yaml_format: bool) -> str:
    """The document as JSON (2-space indent) or YAML text, keys in document order."""
    plain = json.loads(json.dumps(document))  # plain dicts and lists, whatever it was built of
    if yaml_format:
        import yaml

        text: str = yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, width=100)
        return text
    return json.dumps(plain, indent=2, ensure_ascii=False) + "\n"


def run_normalize(args: argparse.Namespace) -> int:
    """Write ``load_spec(SOURCE).document``; with ``-o``, report what was written on stdout."""
    spec = load_spec_source(args.source, timeout=args.spec_timeout)
    if args.output is None:
        print(dump_document(spec.document, yaml_format=False), end="")
        return 0
    out = Path(args.output)
    text = dump_document(spec.document, yaml_format=out.suffix.lower() in (".yaml", ".yml"))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {str(out)!r}: {exc.strerror or exc}") from None
    print(f"normalised: {spec.normalization.counts() or 'no rewrites'}")
    print(f"wrote {out}")
    return 0
