"""Schemas of the document turned into compiled JSON Schema validators.

OpenAPI 3.0 schemas are translated to JSON Schema draft 4 (``nullable`` becomes a ``null``
type, ``readOnly``/``writeOnly`` properties stop being required in the direction where they
are not sent); OpenAPI 3.1 schemas are JSON Schema 2020-12 already. Local ``$ref``s are
inlined so a validation never looks anything up; recursive schemas keep their references
and resolve them through a ``referencing`` registry. jsonschema is imported only when the
first validator is compiled.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from logto_dynamic._document._refs import inline_refs, resolve_pointer
from logto_dynamic._validation._patterns import guard_fast, guarded_validator

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

__all__ = [
    "NULL_ALTERNATIVE",
    "SECRET_MARK",
    "CompiledSchema",
    "compile_schema",
    "ecma_pattern",
    "is_zod_email",
    "to_json_schema",
    "translate_patterns",
]

SECRET_MARK = "x-logto-secret"
DOCUMENT_URI = "urn:logto-dynamic:document"

# zod 3's email check (what Logto's `z.string().email()` runs), so the client refuses exactly
# the addresses the server refuses (`\Z`: JavaScript's `$` does not match before a final "\n").
_ZOD_EMAIL = re.compile(
    r"^(?!\.)(?!.*\.\.)([A-Z0-9_'+\-\.]*)[A-Z0-9_+-]@([A-Z0-9][A-Z0-9\-]*\.)+[A-Z]{2,}\Z",
    re.IGNORECASE | re.ASCII,  # JavaScript's `i` does not fold `ſ` to `s` or `K` (Kelvin) to `k`
)


def is_zod_email(value: object) -> bool:
    """Format check for ``email``; non-strings pass (``type`` judges those)."""
    return not isinstance(value, str) or _ZOD_EMAIL.match(value) is not None


def ecma_pattern(pattern: str) -> str:
    """Make Python's ``re`` read an ECMA-262 pattern the way JavaScript does.

    ``\\w``, ``\\d`` and ``\\b`` are ASCII-only in JavaScript (``(?a)``), and a final ``$``
    matches only at the very end (Python's also matches before a trailing newline).
    """
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return pattern if pattern.startswith("(?a)") else "(?a)" + pattern


def translate_patterns(schema: Any) -> Any:
    """Apply :func:`ecma_pattern` to every ``pattern`` of a schema (returns a copy)."""
    if isinstance(schema, list):
        return [translate_patterns(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: translate_patterns(v) for k, v in schema.items()}
    if isinstance(out.get("pattern"), str):
        out["pattern"] = ecma_pattern(out["pattern"])
    return out


def to_json_schema(schema: Any, *, direction: str) -> Any:
    """Translate an OpenAPI 3.0 schema object to JSON Schema draft 4.

    ``direction`` is ``"request"`` or ``"response"``: ``readOnly`` properties are not required
    in requests and ``writeOnly`` ones are not required in responses.
    """
    skip = "readOnly" if direction == "request" else "writeOnly"

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict):
            return node
        out = {k: walk(v) for k, v in node.items()}
        nullable = out.pop("nullable", False) is True
        props = out.get("properties")
        required = out.get("required")
        if isinstance(props, dict) and isinstance(required, list):
            hidden = {
                name
                for name, sub in props.items()
                if isinstance(sub, dict) and sub.get(skip) is True
            }
            if hidden:
                out["required"] = [r for r in required if r not in hidden]
                if not out["required"]:
                    del out["required"]
        return _allow_null(out) if nullable else out

    return walk(schema)


#: The second alternative of a nullable schema that ``type`` alone cannot make nullable.
NULL_ALTERNATIVE: dict[str, Any] = {"type": "null"}
#: Keywords beside ``nullable`` that would still refuse ``null`` if only ``type`` allowed it.
_COMPOSITIONS = ("anyOf", "oneOf", "allOf", "not")


def _allow_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (translated, without ``nullable``) that also takes ``null``.

    A bare ``type`` becomes ``[type, "null"]`` (and an ``enum`` takes ``None``). Beside
    ``anyOf``/``oneOf``/``allOf``/``not`` that is not enough: those keywords are checked too
    and refuse ``null`` (Logto publishes zod's ``.nullable()`` of a union as ``nullable: true``
    beside an ``anyOf``, and its server takes ``null``), so ``null`` becomes an alternative of
    the whole schema. A schema without ``type`` gets the same.
    """
    kind = schema.get("type")
    if not schema:
        return schema  # no constraint at all
    if isinstance(kind, str | list) and not any(k in schema for k in _COMPOSITIONS):
        kinds = [kind] if isinstance(kind, str) else list(kind)
        out = {**schema, "type": kinds if "null" in kinds else [*kinds, "null"]}
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out
    # The schema first: a value that is not null is judged without an exception raised (and
    # caught) by the fast path for the null alternative.
    return {"anyOf": [schema, NULL_ALTERNATIVE]}


def _format_checker() -> Any:
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    checker.checks("email")(is_zod_email)
    return checker


_CHECKER: Any = None

# fastjsonschema checks these formats itself; only ``email`` is checked (zod's way), like the
# jsonschema FormatChecker above, so both engines agree.
_FAST_FORMATS: dict[str, Any] = {
    name: (lambda value: True) for name in ("date-time", "hostname", "ipv4", "ipv6", "uri", "regex")
}
_FAST_FORMATS["email"] = is_zod_email


class CompiledSchema:
    """A schema ready to check instances, fast when they are valid.

    The happy path runs a fastjsonschema function (generated Python code, a few µs). Only when
    it reports a problem, or cannot handle the schema (JSON Schema 2020-12, recursive
    references), does jsonschema run (imported and built then) to list every violation with
    its path; jsonschema's verdict is the one reported.
    """

    __slots__ = ("_full", "_full_factory", "fast", "schema")

    def __init__(self, schema: Any, fast: Any, full_factory: Any) -> None:
        self.schema = schema
        self.fast = fast
        self._full: Validator | None = None
        self._full_factory = full_factory

    @property
    def full(self) -> Validator:
        """The jsonschema validator (built on first use)."""
        if self._full is None:
            self._full = self._full_factory()
        return self._full

    def is_valid(self, instance: Any) -> bool:
        """Quick verdict; False means 'ask :attr:`full` for the details'."""
        if self.fast is not None:
            try:
                self.fast(instance)
                return True
            except Exception:
                return False
        try:
            return bool(self.full.is_valid(instance))
        except RecursionError:  # the full check says where and why
            return False


def _fast(schema: Any, oas30: bool) -> Any:
    if not oas30:
        return None
    try:
        import fastjsonschema

        return guard_fast(
            fastjsonschema.compile(
                {"$schema": "http://json-schema.org/draft-04/schema#", **schema},
                formats=_FAST_FORMATS,
                use_default=False,
            )
        )
    except Exception:
        return None


def _checker() -> Any:
    global _CHECKER
    if _CHECKER is None:
        _CHECKER = _format_checker()
    return _CHECKER


def compile_schema(
    document: Mapping[str, Any],
    pointer: str,
    *,
    version: str,
    direction: str,
    cache: dict[str, Any] | None = None,
) -> CompiledSchema:
    """Compile the schema at ``pointer`` (``#/paths/...``).

    ``cache`` (one per document) keeps the translated document that recursive schemas use.
    """
    schema = resolve_pointer(document, pointer)
    inlined, complete = inline_refs(document, schema)
    oas30 = version.startswith("3.0")
    if complete:
        final = translate_patterns(
            to_json_schema(inlined, direction=direction) if oas30 else inlined
        )

        def full() -> Validator:
            cls = guarded_validator(oas30)
            return cls(final, format_checker=_checker())  # type: ignore[no-any-return]

        return CompiledSchema(final, _fast(final, oas30), full)
    # Recursive schema: keep the refs and resolve them in a (translated) copy of the document.
    cache = {} if cache is None else cache
    translated = cache.get(direction)
    if translated is None:
        translated = translate_patterns(
            to_json_schema(document, direction=direction) if oas30 else document
        )
        cache[direction] = translated
    root = {"$ref": DOCUMENT_URI + pointer}

    def full_recursive() -> Validator:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4, DRAFT202012

        cls = guarded_validator(oas30)
        dialect = DRAFT4 if oas30 else DRAFT202012
        registry: Any = Registry().with_resource(
            DOCUMENT_URI, Resource.from_contents(translated, default_specification=dialect)
        )
        return cls(root, registry=registry, format_checker=_checker())  # type: ignore[no-any-return]

    return CompiledSchema(root, None, full_recursive)
