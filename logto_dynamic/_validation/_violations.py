"""Violations: what does not match the document, where, and why, without secret values.

:func:`to_violations` turns jsonschema's errors into :class:`Violation` objects, most
relevant first (jsonschema's ``relevance``), following a ``discriminator`` into the variant it
selects, and never repeating the value of a field marked ``x-logto-secret``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from logto_dynamic._validation._schema import NULL_ALTERNATIVE, SECRET_MARK, CompiledSchema

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError as JsonSchemaError

__all__ = ["REDACTED", "Violation", "to_violations"]

REDACTED = "<redacted>"
_MAX_SHOWN = 60


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
        where = (
            self.location
            if self.location in ("status", "content-type", "operation")
            else (f"{self.location} {self.json_path}")
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
        return (
            "matches more than one of the allowed shapes"
            if not err.context
            else ("matches none of the allowed shapes")
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
    try:
        errors = sorted(validator.iter_errors(instance), key=relevance)
    except RecursionError:  # a recursive schema walked as deep as the value goes
        message = "the value nests too deeply to be checked against its schema"
        return [Violation(location, (), "depth", message, name)]
    root = validator.schema
    out: list[Violation] = []

    def emit(err: JsonSchemaError) -> None:
        path = tuple(err.absolute_path)
        if _is_null_alternative(err):  # not null: what the nullable schema says about it
            for sub in sorted(err.context, key=relevance):
                if sub.relative_schema_path and sub.relative_schema_path[0] == 0:
                    emit(sub)
            return
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
                            location,
                            (*path, info),
                            "required",
                            f"{info!r} is a required property",
                            name,
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
                            location,
                            (*path, prop),
                            "discriminator",
                            f"{shown} is not one of {info!r}",
                            name,
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
                    location,
                    (*path, missing) if missing else path,
                    "required",
                    f"{missing!r} is a required property" if missing else err.message,
                    name,
                )
            )
            return
        out.append(Violation(location, path, str(err.validator), _message(err, secret), name))

    # A `pattern` that spells out its `format` (the bundled email pattern is zod's email
    # check) fails along with it: one violation per value, the format's.
    formats = {tuple(e.absolute_path) for e in errors if e.validator == "format"}
    for err in errors:
        if err.validator != "pattern" or tuple(err.absolute_path) not in formats:
            emit(err)
    return out


def _is_null_alternative(err: JsonSchemaError) -> bool:
    """``err`` is the ``anyOf`` a nullable schema became (``[the schema, null]``)."""
    value = err.validator_value
    return (
        err.validator == "anyOf"
        and isinstance(value, list)
        and len(value) == 2
        and value[1] == NULL_ALTERNATIVE
        and bool(err.context)
    )


def _missing_name(err: JsonSchemaError) -> str | None:
    inst = err.instance
    if isinstance(inst, Mapping) and isinstance(err.validator_value, list):
        for prop in err.validator_value:
            if prop not in inst and f"{prop!r} is a required property" == err.message:
                return str(prop)
    return None
