"""The Logto dialect: rewrite what Logto's spec generator emits into plain OpenAPI.

Logto builds its published documents from zod guards (experience-facts.md §1). Some of
what it writes means nothing, or something else, to a standard validator. :func:`normalize`
returns a normalised *copy* of a document and a :class:`NormalizationReport` naming every
rewrite (rule, JSON pointer, before → after), so nothing changes silently:

``literal-format``
    ``{type: string, format: '"username"'}`` (a ``z.literal``) → ``enum: [username]``.
``js-regex``
    ``pattern: "/^[A-Z_a-z]\\w*$/"`` (a JS regex literal) → ``^[A-Z_a-z]\\w*$``; the ``i``
    flag is folded into the pattern, other flags are dropped and reported.
``regex-marker``
    ``format: regex`` next to a ``pattern`` is Logto's marker, not a format: dropped.
``case-duplicate-enum``
    ``[email, phone, Email, Phone]`` (two merged lists) → ``[email, phone]``: zod accepts
    only the first spelling.
``oneof-sibling-properties``
    a ``properties`` map beside ``oneOf``/``anyOf`` that carries descriptions only is
    folded into the variants' properties and removed.
``schemaless-json-response``
    a 2xx ``content: {application/json: {}}`` (no schema): the server answers
    ``text/plain`` ("Created"), so ``text/plain: {type: string}`` is added beside it.
``submit-text-ok``
    SubmitInteraction (``POST /api/experience/submit``) 200: Logto unwrapped the guard's
    ``.optional()``; ForgotPassword submissions are answered ``text/plain`` "OK", so that
    media type is added. Identified by operation (method + path), the only reliable sign.
``error-body``
    4xx/5xx responses without content get Logto's error body
    (``{code, message, data?, details?, error?, error_description?}``; 5xx: only
    ``message`` is required).

>>> doc, report = normalize({"openapi": "3.0.1", "paths": {}})
>>> len(report)
0
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from logto_dynamic._naming import HTTP_METHODS
from logto_dynamic._refs import escape_pointer

__all__ = [
    "ERROR_SCHEMA",
    "NormalizationReport",
    "Rewrite",
    "normalize",
    "strip_js_regex",
]

_LITERAL = re.compile(r'^"(.*)"$', re.DOTALL)
_JS_REGEX = re.compile(r"^/(.+)/([a-z]*)$", re.DOTALL)
_ANNOTATIONS = {"description", "title", "example", "examples", "deprecated"}
ERROR_COMPONENT = "LogtoError"
SERVER_ERROR_COMPONENT = "LogtoServerError"
_ERROR_PROPERTIES: dict[str, Any] = {
    "code": {"type": "string", "description": "Logto's error code, e.g. `session.not_found`."},
    "message": {"type": "string"},
    "data": {"description": "Extra data (e.g. zod issues, password policy violations)."},
    "details": {"type": "string"},
    "error": {"type": "string"},
    "error_description": {"type": "string"},
}
#: The body Logto's error middleware sends (observed-traffic.md, "Error responses").
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Logto's error body (added by logto_dynamic's dialect normalisation).",
    "required": ["code", "message"],
    "properties": _ERROR_PROPERTIES,
}
_SERVER_ERROR_SCHEMA: dict[str, Any] = {**ERROR_SCHEMA, "required": ["message"]}


@dataclass(frozen=True, slots=True)
class Rewrite:
    """One change made by :func:`normalize`."""

    rule: str
    pointer: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.rule} at {self.pointer}: {self.before} -> {self.after}"

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready form."""
        return {"rule": self.rule, "pointer": self.pointer, "before": self.before,
                "after": self.after}


@dataclass
class NormalizationReport:
    """Every rewrite :func:`normalize` made, in document order.

    >>> NormalizationReport().counts()
    {}
    """

    rewrites: list[Rewrite] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rewrites)

    def __iter__(self) -> Iterator[Rewrite]:
        return iter(self.rewrites)

    def __bool__(self) -> bool:
        return bool(self.rewrites)

    def add(self, rule: str, pointer: str, before: Any, after: Any) -> None:
        """Record one rewrite (values are summarised)."""
        self.rewrites.append(Rewrite(rule, pointer, _summary(before), _summary(after)))

    def counts(self) -> dict[str, int]:
        """Number of rewrites per rule."""
        out: dict[str, int] = {}
        for r in self.rewrites:
            out[r.rule] = out.get(r.rule, 0) + 1
        return out

    def by_rule(self, rule: str) -> list[Rewrite]:
        """The rewrites of one rule."""
        return [r for r in self.rewrites if r.rule == rule]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"counts": self.counts(), "rewrites": [r.to_dict() for r in self.rewrites]}

    def __str__(self) -> str:
        if not self.rewrites:
            return "no rewrites"
        return "\n".join(str(r) for r in self.rewrites)


def _summary(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node



def normalize(document: Mapping[str, Any]) -> tuple[dict[str, Any], NormalizationReport]:
    """Return a normalised copy of ``document`` and the report of every rewrite.

    The input is never modified. Applying it twice changes nothing the second time.
    """
    doc: dict[str, Any] = _copy(dict(document))
    report = NormalizationReport()
    _walk_schemas(doc, "#", report)
    _responses(doc, report)
    return doc, report


# -- schema rules -----------------------------------------------------------------------------


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
        _literal_format(node, pointer, report)
        _js_regex(node, pointer, report)
        _case_enum(node, pointer, report)
        _oneof_properties(node, pointer, report)
    for key, value in node.items():
        if not isinstance(value, dict | list):
            continue
        if not names and key in ("example", "examples", "default", "enum", "const"):
            continue
        _walk_schemas(value, f"{pointer}/{escape_pointer(str(key))}", report,
                      names=not names and key in ("properties", "patternProperties"))


def _is_schema_like(node: Mapping[str, Any]) -> bool:
    # A property *named* "format" or "pattern" lives in a properties map, whose values are dicts.
    return not isinstance(node.get("format", ""), dict) and not isinstance(
        node.get("pattern", ""), dict
    )


def _literal_format(node: dict[str, Any], pointer: str, report: NormalizationReport) -> None:
    fmt = node.get("format")
    if not isinstance(fmt, str):
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
            report.add("js-regex-flags-dropped", f"{pointer}/pattern", "/" + "".join(dropped),
                       "no equivalent in a JSON Schema pattern (ignored)")
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
                ch.isascii() and ch.isalpha() and i + 2 < len(pattern)
                and pattern[i + 1] == "-" and pattern[i + 2].isascii() and pattern[i + 2].isalpha()
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
    report.add("oneof-sibling-properties", f"{pointer}/properties", sorted(props),
               "folded into the variants' properties and removed")


# -- response rules ---------------------------------------------------------------------------


def _responses(doc: dict[str, Any], report: NormalizationReport) -> None:
    paths = doc.get("paths")
    if not isinstance(paths, dict):
        return
    needs: set[str] = set()
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict) or not isinstance(op.get("responses"), dict):
                continue
            base = f"#/paths/{escape_pointer(str(path))}/{method}/responses"
            for status, resp in op["responses"].items():
                if not isinstance(resp, dict) or "$ref" in resp:
                    continue
                where = f"{base}/{escape_pointer(str(status))}"
                code = str(status)
                if code.startswith("2"):
                    _schemaless_json(resp, where, report)
                    if (
                        code == "200" and method == "post"
                        and str(path).endswith("/experience/submit")
                    ):
                        _submit_ok(resp, where, report)
                elif code[:1] in ("4", "5") and not resp.get("content"):
                    name = ERROR_COMPONENT if code.startswith("4") else SERVER_ERROR_COMPONENT
                    needs.add(name)
                    ref = f"#/components/schemas/{name}"
                    resp["content"] = {"application/json": {"schema": {"$ref": ref}}}
                    report.add("error-body", f"{where}/content", "(no content)",
                               f"application/json {ref}")
    if needs:
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        for name in sorted(needs):
            wanted = ERROR_SCHEMA if name == ERROR_COMPONENT else _SERVER_ERROR_SCHEMA
            if name not in schemas:
                schemas[name] = _copy(wanted)
                report.add("error-body", f"#/components/schemas/{name}", "(absent)",
                           "Logto error body schema")


def _schemaless_json(resp: dict[str, Any], where: str, report: NormalizationReport) -> None:
    content = resp.get("content")
    if not isinstance(content, dict) or "text/plain" in content:
        return
    media = content.get("application/json")
    if isinstance(media, dict) and "schema" not in media:
        content["text/plain"] = {"schema": {"type": "string"}}
        report.add("schemaless-json-response", f"{where}/content/text~1plain",
                   "application/json without schema", "text/plain {type: string} added")


def _submit_ok(resp: dict[str, Any], where: str, report: NormalizationReport) -> None:
    content = resp.get("content")
    if not isinstance(content, dict) or "text/plain" in content:
        return
    media = content.get("application/json")
    if isinstance(media, dict) and "schema" in media:
        content["text/plain"] = {"schema": {"type": "string", "enum": ["OK"]}}
        report.add("submit-text-ok", f"{where}/content/text~1plain", "application/json only",
                   'text/plain enum ["OK"] added (ForgotPassword submissions)')
