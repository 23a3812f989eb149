"""The schema rules of the Logto dialect (see :mod:`logto_dynamic._document._dialect` for the list).

Each rule rewrites one schema object in place and records what it did in the report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from logto_dynamic._document._dialect_report import NormalizationReport
from logto_dynamic._document._dialect_requests import relax_placeholder
from logto_dynamic._document._refs import escape_pointer

__all__ = ["normalize_schemas", "strip_js_regex"]

_LITERAL = re.compile(r'^"(.*)"$', re.DOTALL)
_JS_REGEX = re.compile(r"^/(.+)/([a-z]*)$", re.DOTALL)
_ANNOTATIONS = {"description", "title", "example", "examples", "deprecated"}


def normalize_schemas(document: dict[str, Any], report: NormalizationReport) -> None:
    """Apply every schema rule to every schema of ``document`` (in place)."""
    _walk_schemas(document, "#", report)


def _walk_schemas(
    node: Any, pointer: str, report: NormalizationReport, *, names: bool = False
) -> None:
    """Apply the schema rules to every mapping of the document (they only fire on schemas).

    ``names`` is True for maps whose keys are names (``properties``): a property called
    ``example`` is a schema there, not an example value.
    """
    if isinstance(node, list):
        for i, v in enumerate(node):
            _walk_schemas(v, f"{pointer}/{i}", report)
        return
    if not isinstance(node, dict):
        return
    if not names and _is_schema_like(node):
        _empty_union(node, pointer, report)
        _literal_format(node, pointer, report)
        _js_regex(node, pointer, report)
        _case_enum(node, pointer, report)
        _oneof_properties(node, pointer, report)
        relax_placeholder(node, pointer, report)
    for key, value in node.items():
        if not isinstance(value, dict | list):
            continue
        if not names and key in ("example", "examples", "default", "enum", "const"):
            continue
        _walk_schemas(
            value,
            f"{pointer}/{escape_pointer(str(key))}",
            report,
            names=not names and key in ("properties", "patternProperties"),
        )


def _is_schema_like(node: Mapping[str, Any]) -> bool:
    # A property *named* "format" or "pattern" lives in a properties map, whose values are dicts.
    return not isinstance(node.get("format", ""), dict) and not isinstance(
        node.get("pattern", ""), dict
    )


#: Formats zod's literals and checks leave behind that name no format a validator knows.
_BARE_LITERALS: dict[tuple[str, str], Any] = {
    ("string", "empty"): "",  # z.literal('')
    ("boolean", "true"): True,  # z.literal(true)
    ("boolean", "false"): False,  # z.literal(false)
}
#: What every URL ``new URL()`` accepts starts with: a scheme and a colon.
URL_PATTERN = "^[A-Za-z][A-Za-z0-9+.-]*:"


def _empty_union(node: dict[str, Any], pointer: str, report: NormalizationReport) -> None:
    """``X.or(z.literal(''))`` is published as ``oneOf``, but a zod union takes the first
    variant that fits: ``''`` fits both sides, so only ``anyOf`` says what the server does."""
    variants = node.get("oneOf")
    if not isinstance(variants, list) or "anyOf" in node:
        return
    if any(
        isinstance(v, dict) and (v.get("format") == "empty" or v.get("enum") == [""])
        for v in variants
    ):
        node["anyOf"] = node.pop("oneOf")
        report.add("empty-literal-union", f"{pointer}/oneOf", "oneOf", "anyOf")


def _literal_format(node: dict[str, Any], pointer: str, report: NormalizationReport) -> None:
    fmt = node.get("format")
    if not isinstance(fmt, str):
        return
    bare = (str(node.get("type", "string")), fmt)
    if bare in _BARE_LITERALS and "enum" not in node:
        del node["format"]
        node["enum"] = [_BARE_LITERALS[bare]]
        report.add("literal-format", pointer, f"format: {fmt}", f"enum: [{node['enum'][0]!r}]")
        return
    if fmt == "url" and node.get("type", "string") == "string" and "pattern" not in node:
        node["pattern"] = URL_PATTERN  # z.string().url(): else '' and 'x' pass as URLs
        report.add("url-format", pointer, "format: url", f"pattern: {URL_PATTERN}")
        return
    m = _LITERAL.match(fmt)
    if m is None or node.get("type", "string") != "string" or "enum" in node:
        return
    value = m.group(1)
    del node["format"]
    node["enum"] = [value]
    report.add("literal-format", pointer, f"format: {fmt}", f"enum: [{value!r}]")


def strip_js_regex(pattern: str) -> tuple[str, str] | None:
    """``"/^a$/i"`` → ``("^a$", "i")``; None when ``pattern`` is not a JS regex literal."""
    m = _JS_REGEX.match(pattern)
    if m is None:
        return None
    return m.group(1), m.group(2)


def _js_regex(node: dict[str, Any], pointer: str, report: NormalizationReport) -> None:
    pattern = node.get("pattern")
    if not isinstance(pattern, str):
        return
    stripped = strip_js_regex(pattern)
    if stripped is not None:
        body, flags = stripped
        new = _fold_case(body) if "i" in flags else body
        node["pattern"] = new
        report.add("js-regex", f"{pointer}/pattern", pattern, new)
        dropped = sorted(set(flags) - {"i"})
        if dropped:
            report.add(
                "js-regex-flags-dropped",
                f"{pointer}/pattern",
                "/" + "".join(dropped),
                "no equivalent in a JSON Schema pattern (ignored)",
            )
    if node.get("format") == "regex":
        del node["format"]
        report.add("regex-marker", f"{pointer}/format", "format: regex", "(removed)")


def _fold_case(pattern: str) -> str:
    """Rewrite a pattern so it matches case-insensitively without flags (``a`` → ``[aA]``)."""
    out: list[str] = []
    i = 0
    in_class = False
    extra: list[str] = []
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                out.extend(extra)
                extra = []
                in_class = False
                out.append(ch)
            elif (
                ch.isascii()
                and ch.isalpha()
                and i + 2 < len(pattern)
                and pattern[i + 1] == "-"
                and pattern[i + 2].isascii()
                and pattern[i + 2].isalpha()
            ):
                lo, hi = ch, pattern[i + 2]
                out.append(pattern[i : i + 3])
                extra.append(f"{lo.swapcase()}-{hi.swapcase()}")
                i += 3
                continue
            else:
                out.append(ch)
                if ch.isascii() and ch.isalpha():
                    extra.append(ch.swapcase())
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
        elif ch == "{":  # a quantifier: copy verbatim
            end = pattern.find("}", i)
            end = len(pattern) - 1 if end < 0 else end
            out.append(pattern[i : end + 1])
            i = end
        elif ch.isascii() and ch.isalpha():
            out.append(f"[{ch}{ch.swapcase()}]")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _case_enum(node: dict[str, Any], pointer: str, report: NormalizationReport) -> None:
    values = node.get("enum")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return
    seen: set[str] = set()
    kept: list[str] = []
    for v in values:
        key = v.casefold()
        if key not in seen:
            seen.add(key)
            kept.append(v)
    if len(kept) != len(values):
        node["enum"] = kept
        report.add("case-duplicate-enum", f"{pointer}/enum", values, kept)


def _oneof_properties(node: dict[str, Any], pointer: str, report: NormalizationReport) -> None:
    props = node.get("properties")
    variants = node.get("oneOf", node.get("anyOf"))
    if not isinstance(props, dict) or not isinstance(variants, list) or not props:
        return
    if not all(
        isinstance(sub, dict) and all(k in _ANNOTATIONS or k.startswith("x-") for k in sub)
        for sub in props.values()
    ):
        return
    for variant in variants:
        vprops = variant.get("properties") if isinstance(variant, dict) else None
        if not isinstance(vprops, dict):
            continue
        for name, sub in props.items():
            target = vprops.get(name)
            if isinstance(target, dict) and "$ref" not in target:
                for key, value in sub.items():
                    target.setdefault(key, value)
    del node["properties"]
    report.add(
        "oneof-sibling-properties",
        f"{pointer}/properties",
        sorted(props),
        "folded into the variants' properties and removed",
    )
