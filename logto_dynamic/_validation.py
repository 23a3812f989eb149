"""Check requests and responses against an operation; report every violation.

A :class:`Violation` says what (``keyword``, ``message``), where (``location`` and the JSON
``path``) and never repeats the value of a secret field. Validators are compiled once per
operation part, on first use, and kept by :class:`Validators`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from logto_dynamic._operations import Operation, ResponseSpec
from logto_dynamic._schema import SECRET_MARK, CompiledSchema, compile_schema

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError as JsonSchemaError

__all__ = ["UNSET", "Validators", "Violation", "select_response"]

REDACTED = "<redacted>"
_MAX_SHOWN = 60


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a message does not match the document.

    ``location`` is ``body``, ``path``, ``query``, ``header`` or ``cookie`` for requests;
    ``status``, ``content-type`` or ``body`` for responses; ``operation`` when nothing in the
    document matches. ``name`` is the parameter name for parameter locations.
    """

    location: str
    path: tuple[str | int, ...]
    keyword: str
    message: str
    name: str | None = None

    @property
    def json_path(self) -> str:
        """``$.identifier.type`` for bodies; ``email`` / ``ids[0]`` for parameters."""
        out = "$" if self.name is None else self.name
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else f".{part}"
        return out

    def __str__(self) -> str:
        where = self.location if self.location in ("status", "content-type", "operation") else (
            f"{self.location} {self.json_path}"
        )
        return f"{where}: {self.message} [{self.keyword}]"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (for logs and reports)."""
        return {
            "location": self.location,
            "name": self.name,
            "path": self.json_path,
            "keyword": self.keyword,
            "message": self.message,
        }


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def _shown(value: Any, secret: bool) -> str:
    if secret:
        return REDACTED
    if isinstance(value, Mapping | list | tuple):
        return _json_type(value)
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 4] + "...'"


def _is_secret(root: Any, schema_path: Iterable[Any], leaf: Any) -> bool:
    if isinstance(leaf, Mapping) and leaf.get(SECRET_MARK) is True:
        return True
    node = root
    for token in schema_path:
        if isinstance(node, Mapping):
            if node.get(SECRET_MARK) is True:
                return True
            node = node.get(token)
        elif isinstance(node, list) and isinstance(token, int) and token < len(node):
            node = node[token]
        else:
            return False
    return isinstance(node, Mapping) and node.get(SECRET_MARK) is True


def _message(err: JsonSchemaError, secret: bool) -> str:
    kw, inst, val = err.validator, err.instance, err.validator_value
    shown = _shown(inst, secret)
    if kw == "type":
        kinds = val if isinstance(val, list) else [val]
        return f"expected {' or '.join(map(str, kinds))}, got {_json_type(inst)}"
    if kw == "enum":
        return f"{shown} is not one of {val!r}"
    if kw == "const":
        return f"{shown} is not {val!r}"
    if kw == "minLength" and isinstance(inst, str):
        return f"expected at least {val} character(s), got {len(inst)}"
    if kw == "maxLength" and isinstance(inst, str):
        return f"expected at most {val} character(s), got {len(inst)}"
    if kw == "pattern":
        return f"{shown} does not match the pattern {_display_pattern(val)!r}"
    if kw == "format":
        return f"{shown} is not a valid {val}"
    if kw == "oneOf":
        return "matches more than one of the allowed shapes" if not err.context else (
            "matches none of the allowed shapes"
        )
    if kw == "anyOf":
        return "matches none of the allowed shapes"
    text = str(err.message)
    if isinstance(inst, str | int | float | bool) or inst is None:
        return text.replace(repr(inst), shown) if repr(inst) in text else text
    return text.replace(repr(inst), _json_type(inst)) if len(text) < 400 else f"fails {kw}"


def _display_pattern(pattern: Any) -> Any:
    """The pattern as the document wrote it (undo :func:`~logto_dynamic._schema.ecma_pattern`)."""
    if not isinstance(pattern, str):
        return pattern
    if pattern.startswith("(?a)"):
        pattern = pattern[4:]
    return pattern[:-2] + "$" if pattern.endswith("\\Z") else pattern


def _discriminated(err: JsonSchemaError) -> list[JsonSchemaError] | tuple[str, Any] | None:
    """For a oneOf with a discriminator, the errors of the variant the value selects."""
    schema: Any = err.schema
    disc = schema.get("discriminator") if isinstance(schema, Mapping) else None
    inst = err.instance
    if not isinstance(disc, Mapping) or not isinstance(inst, Mapping):
        return None
    prop = disc.get("propertyName")
    if not isinstance(prop, str):
        return None
    if prop not in inst:
        return ("missing", prop)
    value = inst[prop]
    variants = schema.get(str(err.validator)) or []
    allowed: list[Any] = []
    for index, variant in enumerate(variants):
        sub = (variant.get("properties") or {}).get(prop) if isinstance(variant, Mapping) else None
        options: list[Any] = []
        if isinstance(sub, Mapping):
            options = list(sub.get("enum") or ([sub["const"]] if "const" in sub else []))
        allowed += options
        if value in options:
            return [e for e in err.context if e.schema_path and e.schema_path[0] == index]
    return ("unknown", allowed)


def to_violations(
    compiled: CompiledSchema, instance: Any, location: str, *, name: str | None = None
) -> list[Violation]:
    """Every violation of ``instance``, most relevant first (jsonschema's relevance order)."""
    if compiled.is_valid(instance):
        return []
    from jsonschema.exceptions import best_match, relevance

    validator = compiled.full
    errors = sorted(validator.iter_errors(instance), key=relevance)
    root = validator.schema
    out: list[Violation] = []

    def emit(err: JsonSchemaError) -> None:
        path = tuple(err.absolute_path)
        if err.validator in ("oneOf", "anyOf") and err.context:
            picked = _discriminated(err)
            if isinstance(picked, list):
                for sub in sorted(picked, key=relevance):
                    emit(sub)
                return
            if isinstance(picked, tuple):
                kind, info = picked
                if kind == "missing":
                    out.append(
                        Violation(
                            location, (*path, info), "required",
                            f"{info!r} is a required property", name,
                        )
                    )
                else:
                    schema: Any = err.schema
                    prop = schema["discriminator"]["propertyName"]
                    secret = _is_secret(root, err.absolute_schema_path, schema)
                    instance: Any = err.instance
                    shown = _shown(instance.get(prop), secret)
                    out.append(
                        Violation(
                            location, (*path, prop), "discriminator",
                            f"{shown} is not one of {info!r}", name,
                        )
                    )
                return
            best = best_match([err])
            if best is not None and best is not err:
                emit(best)
                return
        secret = _is_secret(root, err.absolute_schema_path, err.schema)
        if err.validator == "required":
            missing = _missing_name(err)
            out.append(
                Violation(
                    location, (*path, missing) if missing else path, "required",
                    f"{missing!r} is a required property" if missing else err.message, name,
                )
            )
            return
        out.append(Violation(location, path, str(err.validator), _message(err, secret), name))

    for err in errors:
        emit(err)
    return out


def _missing_name(err: JsonSchemaError) -> str | None:
    inst = err.instance
    if isinstance(inst, Mapping) and isinstance(err.validator_value, list):
        for prop in err.validator_value:
            if prop not in inst and f"{prop!r} is a required property" == err.message:
                return str(prop)
    return None


def select_response(op: Operation, status: int) -> ResponseSpec | None:
    """The documented response for a status: exact, then ``2XX``-style, then ``default``."""
    responses = op.responses
    found = responses.get(str(status))
    if found is None:
        found = responses.get(f"{status // 100}XX") or responses.get(f"{status // 100}xx")
    if found is None:
        found = responses.get("default")
    return found


def media_matches(documented: Iterable[str], actual: str) -> str | None:
    """The documented media type that covers ``actual`` (exact, ``type/*``, ``*/*``)."""
    actual = actual.split(";", 1)[0].strip().lower()
    candidates = {m.split(";", 1)[0].strip().lower(): m for m in documented}
    if actual in candidates:
        return candidates[actual]
    major = actual.split("/", 1)[0]
    return candidates.get(f"{major}/*") or candidates.get("*/*")


class Validators:
    """Compiled validators of one document, made on first use and then reused."""

    def __init__(self, document: Mapping[str, Any], version: str) -> None:
        self._document = document
        self._version = version
        self._compiled: dict[str, CompiledSchema] = {}
        self._translated: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._compiled)

    def for_pointer(self, pointer: str, direction: str) -> CompiledSchema:
        """The validator of the schema at ``pointer`` (compiled once)."""
        key = f"{direction} {pointer}"
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled.get(key)
                if found is None:
                    found = compile_schema(
                        self._document, pointer, version=self._version,
                        direction=direction, cache=self._translated,
                    )
                    self._compiled[key] = found
        return found

    # -- requests ---------------------------------------------------------------------------

    def check_body(self, op: Operation, body: Any, media: str | None = None) -> list[Violation]:
        """Violations of a request body (``UNSET`` or None means 'no body')."""
        if not op.request_content:
            if body is UNSET or body is None:
                return []
            return [Violation("body", (), "requestBody", "this operation takes no request body")]
        if body is UNSET or body is None:
            if op.request_required:
                return [Violation("body", (), "required", "a request body is required")]
            return []
        media = media or op.request_media_type or ""
        if media not in op.request_content or "schema" not in op.request_content[media]:
            return []
        if media == "multipart/form-data" and isinstance(body, Mapping):
            body = {k: _file_placeholder(v) for k, v in body.items()}
        pointer = f"{op.pointer}/requestBody/content/{_esc(media)}/schema"
        if "$ref" in op.raw.get("requestBody", {}):
            pointer = op.raw["requestBody"]["$ref"] + f"/content/{_esc(media)}/schema"
        return to_violations(self.for_pointer(pointer, "request"), body, "body")

    def check_parameters(
        self, op: Operation, location: str, values: Mapping[str, Any] | None
    ) -> list[Violation]:
        """Violations of the path, query, header or cookie parameters of a call."""
        if not op.parameters:
            return []
        values = values or {}
        lookup = (
            {k.lower(): v for k, v in values.items()} if location == "header" else dict(values)
        )
        out: list[Violation] = []
        for param in op.parameters:
            if param.location != location:
                continue
            key = param.name.lower() if location == "header" else param.name
            if key not in lookup or lookup[key] is None:
                if param.required:
                    out.append(
                        Violation(
                            location, (), "required",
                            f"required {location} parameter {param.name!r} is missing",
                            param.name,
                        )
                    )
                continue
            if param.schema is None:
                continue
            validator = self.for_pointer(param.pointer, "request")
            out += to_violations(validator, lookup[key], location, name=param.name)
        return out

    # -- responses --------------------------------------------------------------------------

    def check_response(
        self,
        op: Operation,
        status: int,
        content_type: str | None,
        data: Any,
        *,
        has_body: bool,
    ) -> list[Violation]:
        """Violations of a decoded response (``data`` is the parsed JSON or the text)."""
        spec = select_response(op, status)
        if spec is None:
            documented = ", ".join(op.responses) or "none"
            return [
                Violation(
                    "status", (), "status",
                    f"status {status} is not documented (documented: {documented})",
                )
            ]
        if not spec.content:
            if has_body:
                return [
                    Violation(
                        "body", (), "content",
                        f"status {spec.status} documents no body, but one was sent",
                    )
                ]
            return []
        if not has_body:
            if any("schema" in media for media in spec.content.values()):
                return [Violation("body", (), "content", f"status {spec.status} expects a body")]
            return []
        media = media_matches(spec.content, content_type or "")
        if media is None:
            return [
                Violation(
                    "content-type", (), "content-type",
                    f"content type {content_type or 'none'!r} is not documented for "
                    f"{spec.status} (documented: {', '.join(spec.content)})",
                )
            ]
        if "schema" not in spec.content[media]:
            return []
        pointer = self._response_pointer(op, spec.status, media)
        return to_violations(self.for_pointer(pointer, "response"), data, "body")

    def _response_pointer(self, op: Operation, status: str, media: str) -> str:
        raw = op.raw.get("responses", {}).get(status)
        base = raw["$ref"] if isinstance(raw, Mapping) and "$ref" in raw else (
            f"{op.pointer}/responses/{_esc(status)}"
        )
        return f"{base}/content/{_esc(media)}/schema"


def _file_placeholder(value: Any) -> Any:
    """Multipart file parts are validated as binary strings (``format: binary``)."""
    if isinstance(value, bytes | bytearray | tuple) or hasattr(value, "read"):
        return "<binary>"
    return value


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def flatten(groups: Sequence[list[Violation]]) -> list[Violation]:
    """Join violation lists, keeping order."""
    return [v for group in groups for v in group]
