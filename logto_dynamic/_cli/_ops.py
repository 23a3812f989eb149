"""``logto-dynamic ops`` and ``logto-dynamic describe OP``: look at a document offline."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from logto_dynamic._cli._common import UsageError, add_spec_option, load_spec_source

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``ops`` and ``describe`` sub-commands."""
    ops = subparsers.add_parser(
        "ops",
        help="list the operations of the document",
        description="List the operations of the document: operationId, method, path and "
        "summary, one per line (or JSON).",
    )
    add_spec_option(ops)
    ops.add_argument("--json", action="store_true", help="print JSON")
    ops.set_defaults(func=run_ops)

    describe = subparsers.add_parser(
        "describe",
        help="show one operation in detail",
        description="Show one operation: its parameters, request body schema and responses.",
    )
    describe.add_argument("operation", help="operationId (any case or word style)")
    add_spec_option(describe)
    describe.add_argument("--json", action="store_true", help="print JSON")
    describe.set_defaults(func=run_describe)


def run_ops(args: argparse.Namespace) -> int:
    """Print a table: operationId, method, path, summary."""
    spec = load_spec_source(args.spec, timeout=args.spec_timeout)
    rows = [(op.operation_id, op.method, op.path, op.summary) for op in spec.index]
    if args.json:
        print(
            json.dumps(
                [
                    dict(zip(("operationId", "method", "path", "summary"), r, strict=True))
                    for r in rows
                ],
                indent=2,
            )
        )
        return 0
    print(f"{spec.title} {spec.api_version} (OpenAPI {spec.version}): {len(rows)} operations")
    widths = [max(len(r[i]) for r in rows) if rows else 0 for i in range(3)]
    for op_id, method, path, summary in rows:
        print(f"{op_id:<{widths[0]}}  {method:<{widths[1]}}  {path:<{widths[2]}}  {summary}")
    for name, problems in spec.quarantined.items():
        print(f"! {name} is quarantined: {problems[0]}", file=sys.stderr)
    return 0


def run_describe(args: argparse.Namespace) -> int:
    """Print an operation: parameters, body schema (refs inlined) and responses."""
    from logto_dynamic._document._refs import inline_refs
    from logto_dynamic._exceptions import LogtoDynamicError

    spec = load_spec_source(args.spec, timeout=args.spec_timeout)
    try:
        op = spec.operation(args.operation)
    except LogtoDynamicError as exc:  # unknown (did-you-mean), ambiguous or quarantined
        raise UsageError(str(exc)) from None
    schema = inline_refs(spec.document, op.request_schema)[0] if op.request_schema else None
    if args.json:
        print(
            json.dumps(
                {
                    "operationId": op.operation_id,
                    "method": op.method,
                    "path": op.path,
                    "summary": op.summary,
                    "parameters": [
                        {
                            "name": p.name,
                            "in": p.location,
                            "required": p.required,
                            "schema": p.schema,
                        }
                        for p in op.parameters
                    ],
                    "requestBody": schema,
                    "responses": {
                        s: {"description": r.description, "content": list(r.content)}
                        for s, r in op.responses.items()
                    },
                },
                indent=2,
            )
        )
        return 0
    print(op.docstring)
    if schema is not None:
        print("\nBody schema:")
        print(json.dumps(schema, indent=2))
    return 0
