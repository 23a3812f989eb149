"""The compiled validators of both directions, and the checks of a request's decoded parts.

Validators are compiled once per operation part, on first use, and kept by
:class:`Validators`; what they find is reported as :class:`~logto_dynamic.Violation`.
The two checkers, :class:`~._request_checker.RequestChecker` and
:class:`~._responses.ResponseChecker`, check with these validators.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from logto_dynamic._document._operations import Operation, ResponseSpec
from logto_dynamic._document._refs import escape_pointer
from logto_dynamic._validation._schema import CompiledSchema, compile_schema
from logto_dynamic._validation._violations import Violation, to_violations

__all__ = ["UNSET", "Validators", "missing_parameter", "select_response"]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


def select_response(op: Operation, status: int) -> ResponseSpec | None:
    """The documented response for a status: exact, then ``2XX``-style, then ``default``."""
    responses = op.responses
    found = responses.get(str(status))
    if found is None:
        found = responses.get(f"{status // 100}XX") or responses.get(f"{status // 100}xx")
    if found is None:
        found = responses.get("default")
    return found


def missing_parameter(location: str, name: str) -> Violation:
    """The violation for a required parameter that was not given."""
    return Violation(
        location, (), "required", f"required {location} parameter {name!r} is missing", name
    )


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
                        self._document,
                        pointer,
                        version=self._version,
                        direction=direction,
                        cache=self._translated,
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
        schema = self.body_schema(op, media)
        if schema is None:
            return []
        if media == "multipart/form-data" and isinstance(body, Mapping):
            body = {k: _file_placeholder(v) for k, v in body.items()}
        return to_violations(schema, body, "body")

    def body_schema(self, op: Operation, media: str) -> CompiledSchema | None:
        """The validator of a request body of a documented ``media`` type (None: no schema)."""
        if media not in op.request_content or "schema" not in op.request_content[media]:
            return None
        pointer = f"{op.pointer}/requestBody/content/{escape_pointer(media)}/schema"
        if "$ref" in op.raw.get("requestBody", {}):
            pointer = op.raw["requestBody"]["$ref"] + f"/content/{escape_pointer(media)}/schema"
        return self.for_pointer(pointer, "request")

    def check_parameters(
        self, op: Operation, location: str, values: Mapping[str, Any] | None
    ) -> list[Violation]:
        """Violations of the path, query, header or cookie parameters of a call."""
        if not op.parameters:
            return []
        values = values or {}
        lookup = {k.lower(): v for k, v in values.items()} if location == "header" else dict(values)
        out: list[Violation] = []
        for param in op.parameters:
            if param.location != location:
                continue
            key = param.name.lower() if location == "header" else param.name
            if key not in lookup or lookup[key] is None:
                if param.required:
                    out.append(missing_parameter(location, param.name))
                continue
            if param.schema is None:
                continue
            validator = self.for_pointer(param.pointer, "request")
            out += to_violations(validator, lookup[key], location, name=param.name)
        return out

    # -- responses (checked by ``ResponseChecker``) -------------------------------------------

    def response_schema(self, op: Operation, status: str, media: str) -> CompiledSchema:
        """The validator of a documented response body (``status`` as documented: ``2XX``)."""
        raw = op.raw.get("responses", {}).get(status)
        base = (
            raw["$ref"]
            if isinstance(raw, Mapping) and "$ref" in raw
            else (f"{op.pointer}/responses/{escape_pointer(status)}")
        )
        return self.for_pointer(f"{base}/content/{escape_pointer(media)}/schema", "response")


def _file_placeholder(value: Any) -> Any:
    """Multipart file parts are validated as binary strings (``format: binary``)."""
    if isinstance(value, bytes | bytearray | tuple) or hasattr(value, "read"):
        return "<binary>"
    return value
