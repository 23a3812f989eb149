"""Fetch or read a published Logto OpenAPI document, normalise, validate and store it.

    python tools/update_spec.py --from http://localhost:3001/api/.well-known/experience.openapi.json
    python tools/update_spec.py --from 1.42-experience.openapi.json --out spec/logto-1.42.json

The document is normalised (Logto dialect, see ``logto_dynamic._dialect``), checked with
openapi-spec-validator (problems are reported, not fatal), written under ``spec/`` as JSON
or YAML (by the extension of ``--out``), and the diff against the file it replaces (or the
bundled document) is printed. The bundled ``spec/logto-experience.openapi.yaml`` is only
written when ``--out`` names it explicitly.

Exit code: 0 written, 1 written with validation problems, 2 nothing written (the source
could not be read or fetched).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from logto_dynamic._dialect import normalize  # noqa: E402
from logto_dynamic._diff import diff_specs  # noqa: E402
from logto_dynamic._exceptions import SpecError  # noqa: E402
from logto_dynamic._lint import lint  # noqa: E402
from logto_dynamic._loader import (  # noqa: E402
    BUNDLED_SPEC_NAME,
    bundled_spec_path,
    fetch_document,
    is_url,
    read_document,
)


def _default_name(document: dict[str, Any]) -> str:
    version = str((document.get("info") or {}).get("version", "unknown"))
    safe = "".join(c if c.isalnum() or c in ".-" else "-" for c in version)
    return f"logto-experience-{safe}.openapi.json"


def _dump(document: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() in (".yaml", ".yml"):
        import yaml

        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    else:
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    out.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None, *, spec_dir: Path | None = None) -> int:
    """Run the tool; ``spec_dir`` (tests) replaces the repository's ``spec/``."""
    parser = argparse.ArgumentParser(prog="update_spec.py", description=__doc__.split("\n")[0])
    parser.add_argument("--from", dest="source", required=True, help="URL or file")
    parser.add_argument("--out", help="where to write (default: spec/logto-experience-"
                        "<version>.openapi.json); .yaml/.yml writes YAML")
    parser.add_argument("--raw", action="store_true", help="do not normalise")
    args = parser.parse_args(argv)
    spec_dir = spec_dir or ROOT / "spec"

    try:
        document = fetch_document(args.source) if is_url(args.source) else read_document(
            args.source
        )
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.raw:
        document, report = normalize(document)
        print(f"normalised: {report.counts() or 'no rewrites'}")
    out = Path(args.out) if args.out else spec_dir / _default_name(document)
    problems = lint(document)
    print(f"validation: {problems}")
    previous: Any = None
    if out.exists():
        try:
            previous = read_document(out)
        except SpecError:
            previous = None
    if previous is None:
        bundled = spec_dir / BUNDLED_SPEC_NAME
        try:
            previous = read_document(bundled if bundled.exists() else bundled_spec_path())
        except SpecError:
            previous = None
        if previous is not None and not args.raw:
            previous = normalize(previous)[0]
    _dump(document, out)
    print(f"wrote {out}")
    if previous is not None:
        print(diff_specs(previous, document).table())
    return 0 if problems.ok else 1


if __name__ == "__main__":
    sys.exit(main())
