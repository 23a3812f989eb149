"""Write the project's OpenAPI document for one Logto version from Logto's published one.

    python tools/update_spec.py --from http://localhost:3001 --kind experience --version 1.42
    python tools/update_spec.py --from logto-1.42.0-management.openapi.json \\
        --kind management --version 1.42

SOURCE is a file, a document URL, or a server base URL (the experience document is then
fetched from ``/api/.well-known/experience.openapi.json``, the management one from
``/api/swagger.json``). The steps:

1. normalise the Logto dialect (what ``logto-dynamic spec normalize`` writes);
2. strip Logto's prose: every ``summary``, ``description``, ``example`` and ``examples``
   (Response objects, which must have a description, get a bare ``"<status> <reason>"``),
   then repair the checks Logto publishes as placeholders with the overlay's ``validators``
   section (see :func:`repair_validators`);
3. apply the overlay (``--overlay``, default ``spec/overlays/<kind>-<version>.yaml`` when it
   exists): the project's own additions, see :func:`apply_overlay`;
4. write OUT (default ``spec/logto-<kind>-<version>.openapi.json``; JSON, indented for the
   experience document, compact for the management one; YAML when OUT ends in .yaml),
   then ``spec lint`` it and ``spec diff`` it against the previous document (the file OUT
   replaces, else the newest other ``spec/logto-<kind>-*`` file).

Exit code: 0 written, 1 written with lint problems, 2 nothing written.
"""

from __future__ import annotations

import argparse
import copy
import http
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from _spec_validators import (  # noqa: E402
    placeholder_pointers,
    repair_validators,
    schema_nodes,
)

from logto_dynamic._cli import main as cli  # noqa: E402
from logto_dynamic._cli._spec import dump_document  # noqa: E402
from logto_dynamic._document._dialect import normalize  # noqa: E402
from logto_dynamic._document._load import fetch_document, is_url, read_document  # noqa: E402
from logto_dynamic._exceptions import SpecError  # noqa: E402

__all__ = [
    "apply_overlay",
    "build",
    "main",
    "placeholder_pointers",
    "repair_validators",
    "schema_nodes",
]

#: Where a Logto server publishes each kind of document.
KINDS = {
    "experience": "/api/.well-known/experience.openapi.json",
    "management": "/api/swagger.json",
    "account": "/api/.well-known/user.openapi.json",
}
PROSE = frozenset({"summary", "description", "example", "examples"})
# Keywords whose value maps names (property names, paths, status codes, ...) to objects: a
# key `description` in there is a name, not prose.
NAME_MAPS = frozenset(
    {
        "properties",
        "patternProperties",
        "definitions",
        "$defs",
        "paths",
        "responses",
        "content",
        "schemas",
        "parameters",
        "securitySchemes",
        "headers",
        "links",
        "callbacks",
        "requestBodies",
        "variables",
        "mapping",
        "encoding",
        "scopes",
    }
)
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


# -- the document ------------------------------------------------------------------------------


def read_source(source: str, kind: str) -> dict[str, Any]:
    """The published document: a file, a document URL or a server base URL."""
    if is_url(source):
        if urlsplit(source).path in ("", "/"):
            source = source.rstrip("/") + KINDS[kind]
        return fetch_document(source, timeout=120.0)  # Logto builds swagger.json slowly
    return read_document(source)


def strip_prose(node: Any, *, names: bool = False) -> Any:
    """A copy of ``node`` without prose keywords (``names``: ``node`` is a name map)."""
    if isinstance(node, dict):
        return {
            k: strip_prose(v, names=not names and k in NAME_MAPS)
            for k, v in node.items()
            if names or k not in PROSE
        }
    if isinstance(node, list):
        return [strip_prose(v) for v in node]
    return node


def describe_responses(document: dict[str, Any]) -> None:
    """Give every Response object without a description ``"<status> <reason>"``."""
    maps = [op.get("responses") for _, _, op in operations(document)]
    maps.append((document.get("components") or {}).get("responses"))
    for responses in maps:
        for status, response in (responses or {}).items():
            if isinstance(response, dict) and "$ref" not in response:
                response.setdefault("description", _reason(str(status)))


def _reason(status: str) -> str:
    if status.upper().endswith("XX"):
        return {
            "1": "Informational",
            "2": "Success",
            "3": "Redirection",
            "4": "Client error",
            "5": "Server error",
        }.get(status[:1], "Answer") + f" ({status})"
    try:
        return f"{status} {http.HTTPStatus(int(status)).phrase}"
    except ValueError:
        return f"Answer {status}"


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """``(path, method, operation)`` for every operation, in document order."""
    return [
        (path, method, item[method])
        for path, item in (document.get("paths") or {}).items()
        if isinstance(item, dict)
        for method in METHODS
        if isinstance(item.get(method), dict)
    ]


# -- the overlay -------------------------------------------------------------------------------


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge key by key, ``null`` deletes, the rest replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer_parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("#").split("/")[1:]]


def _parent(document: Any, pointer: str, *, create: bool = False) -> tuple[Any, Any]:
    parts = _pointer_parts(pointer)
    node = document
    for part in parts[:-1]:
        key: Any = int(part) if isinstance(node, list) else part
        if create and isinstance(node, dict):
            node = node.setdefault(key, {})
        else:
            node = node[key]
    last = parts[-1]
    return node, int(last) if isinstance(node, list) else last


def _rewrite_refs(node: Any, old: str, new: str) -> None:
    if isinstance(node, dict):
        if node.get("$ref") == old:
            node["$ref"] = new
        for value in node.values():
            _rewrite_refs(value, old, new)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value, old, new)


def apply_overlay(document: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Apply the project's overlay; its sections, in this order:

    ``extract``: ``{pointer: "#/components/..."}``: move that subtree into the components and
    leave a ``$ref`` to it. ``rename``: ``{"#/components/a/B": "#/components/a/C"}``: move a
    component and rewrite every ``$ref`` to it. ``document``: a JSON merge patch (RFC 7386) of
    the whole document. ``every-operation``: a merge patch of each operation.
    ``operations``: ``{operationId: merge patch}`` of that operation.
    """
    doc = copy.deepcopy(document)
    for source, ref in (overlay.get("extract") or {}).items():
        parent, key = _parent(doc, source)
        target_parent, name = _parent(doc, ref, create=True)
        target_parent[name] = parent[key]
        parent[key] = {"$ref": ref}
    for old, new in (overlay.get("rename") or {}).items():
        parent, key = _parent(doc, old)
        target_parent, name = _parent(doc, new, create=True)
        target_parent[name] = parent.pop(key)
        _rewrite_refs(doc, old, new)
    doc = merge_patch(doc, overlay.get("document") or {})
    every = overlay.get("every-operation") or {}
    patches = dict(overlay.get("operations") or {})
    for path, method, op in operations(doc):
        merged = merge_patch(merge_patch(op, every), patches.pop(op.get("operationId"), {}))
        first = {k: merged.pop(k) for k in ("operationId", "summary") if k in merged}
        doc["paths"][path][method] = {**first, **merged}
    if patches:
        raise SpecError(f"overlay names unknown operations: {', '.join(sorted(patches))}")
    return doc


# -- the whole run -----------------------------------------------------------------------------


def build(
    published: dict[str, Any], overlay: dict[str, Any] | None, version: str | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    """normalise → repair placeholders → strip prose → overlay → describe bare responses; and
    the rewrite counts (``validators``: the number of placeholders repaired)."""
    document, report = normalize(published)
    counts = report.counts()
    marked = placeholder_pointers(document)
    document = strip_prose(document)
    repairs = (overlay or {}).get("validators")
    if repairs or marked:
        counts["validators"] = sum(repair_validators(document, repairs or {}, marked).values())
    if version:
        document.setdefault("info", {})["version"] = version
    if overlay:
        document = apply_overlay(document, overlay)
    describe_responses(document)
    return document, counts


def render(document: dict[str, Any], *, compact: bool, yaml_format: bool = False) -> str:
    """The text written: compact JSON (fast to load), 2-space indented JSON (reviewable) or
    YAML."""
    if yaml_format:
        return dump_document(document, yaml_format=True)
    if compact:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _previous(out: Path, kind: str, tmp: str) -> str | None:
    if out.exists():  # keep what OUT held, to diff against it
        return str(shutil.copy(out, Path(tmp) / f"previous{out.suffix}"))
    others = sorted(p for p in out.parent.glob(f"logto-{kind}-*.openapi.*") if p != out)
    return str(others[-1]) if others else None


def main(argv: Sequence[str] | None = None, *, spec_dir: Path | None = None) -> int:
    """Run the tool; ``spec_dir`` (tests) replaces the repository's ``spec/``."""
    parser = argparse.ArgumentParser(prog="update_spec.py", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--from", dest="source", required=True, help="file, document URL or Logto server base URL"
    )
    parser.add_argument("--kind", choices=sorted(KINDS), default="experience")
    parser.add_argument("--version", help="Logto version, e.g. 1.42 (default: info.version)")
    parser.add_argument(
        "--overlay",
        help="overlay YAML (default: spec/overlays/<kind>-<version>.yaml when it exists)",
    )
    parser.add_argument(
        "--out", help="where to write (default: spec/logto-<kind>-<version>.openapi.json)"
    )
    args = parser.parse_args(argv)
    spec_dir = spec_dir or ROOT / "spec"
    try:
        published = read_source(args.source, args.kind)
        version = args.version or str((published.get("info") or {}).get("version", "unknown"))
        safe = "".join(c if c.isalnum() or c in ".-" else "-" for c in version)
        overlay_path = (
            Path(args.overlay)
            if args.overlay
            else (spec_dir / "overlays" / f"{args.kind}-{safe}.yaml")
        )
        overlay = None
        if args.overlay or overlay_path.is_file():
            import yaml

            overlay = yaml.safe_load(overlay_path.read_text(encoding="utf-8")) or {}
        document, rewrites = build(published, overlay, args.version)
    except (SpecError, OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        print(f"update_spec.py: error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else spec_dir / f"logto-{args.kind}-{safe}.openapi.json"
    with tempfile.TemporaryDirectory() as tmp:
        previous = _previous(out, args.kind, tmp)
        out.parent.mkdir(parents=True, exist_ok=True)
        text = render(
            document,
            compact=args.kind == "management",
            yaml_format=out.suffix.lower() in (".yaml", ".yml"),
        )
        out.write_text(text, encoding="utf-8")
        print(
            f"normalised: {rewrites or 'no rewrites'}; overlay: "
            f"{overlay_path if overlay is not None else 'none'}"
        )
        print(f"wrote {out} ({out.stat().st_size} bytes, {len(operations(document))} operations)")
        linted = cli(["spec", "lint", str(out)])
        if previous is not None:
            print(f"diff against {previous}:")
            cli(["spec", "diff", previous, str(out)])
    return 1 if linted else 0


if __name__ == "__main__":
    sys.exit(main())
