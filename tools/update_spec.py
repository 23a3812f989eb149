"""Refresh a stored Logto OpenAPI document: a thin wrapper over the ``logto-dynamic spec`` commands.

    python tools/update_spec.py --from http://localhost:3001/api/.well-known/experience.openapi.json
    python tools/update_spec.py --from 1.42-experience.openapi.json --out spec/logto-1.42.json

is ``logto-dynamic spec normalize SOURCE -o OUT``, then ``spec lint OUT``, then ``spec diff
PREVIOUS OUT`` (PREVIOUS: the file OUT replaces, else the bundled document). OUT defaults to
``spec/logto-experience-<version>.openapi.json``; the bundled document is only written when
``--out`` names it. Exit code: 0 written, 1 written with lint problems, 2 nothing written.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from logto_dynamic._cli import main as cli  # noqa: E402
from logto_dynamic._cli._common import UsageError, error, load_spec_source  # noqa: E402


def main(argv: Sequence[str] | None = None, *, spec_dir: Path | None = None) -> int:
    """Run the tool; ``spec_dir`` (tests) replaces the repository's ``spec/``."""
    parser = argparse.ArgumentParser(prog="update_spec.py", description=__doc__.split("\n")[0])
    parser.add_argument("--from", dest="source", required=True, help="URL or file")
    parser.add_argument(
        "--out",
        help="where to write (default: spec/logto-experience-"
        "<version>.openapi.json); .yaml/.yml writes YAML",
    )
    args = parser.parse_args(argv)
    if args.out:
        out = Path(args.out)
    else:
        try:
            version = load_spec_source(args.source).api_version or "unknown"
        except UsageError as exc:
            error("spec normalize", str(exc))
            return 2
        safe = "".join(c if c.isalnum() or c in ".-" else "-" for c in version)
        out = (spec_dir or ROOT / "spec") / f"logto-experience-{safe}.openapi.json"
    with tempfile.TemporaryDirectory() as tmp:
        previous = "bundled"
        if out.exists():  # keep what OUT held, to diff against it
            previous = str(shutil.copy(out, Path(tmp) / f"previous{out.suffix}"))
        code = cli(["spec", "normalize", args.source, "-o", str(out)])
        if code:
            return code
        linted = cli(["spec", "lint", str(out)])
        cli(["spec", "diff", previous, str(out)])
    return 1 if linted else 0


if __name__ == "__main__":
    sys.exit(main())
