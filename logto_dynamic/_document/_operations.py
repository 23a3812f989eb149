"""Operations of a document and the index that finds them by name or by method + path."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from logto_dynamic._document._media import is_json_media
from logto_dynamic._document._naming import duplicates, normalize_name, operation_name
from logto_dynamic._document._refs import deref, escape_pointer, resolve_pointer
from logto_dynamic._exceptions import (
    AmbiguousOperationError,
    DuplicateOperationError,
    UnknownOperationError,
)

__all__ = [
    "Operation",
    "OperationIndex",
    "Parameter",
    "ResponseSpec",
    "TEMPLATE_VARIABLE",
    "fill_template",
    "server_url",
    "suggest_names",
]


@dataclass(frozen=True, slots=True)
class Parameter:
    """One path, query, header or cookie parameter."""

    name: str
    location: str  # "path" | "query" | "header" | "cookie"
    required: bool
    schema: Mapping[str, Any] | None
    style: str
    explode: bool
    description: str = ""
    pointer: str = ""  # JSON pointer of the parameter's schema in the document


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    """One documented response: its status key (``"200"``, ``"2XX"``, ``"default"``)."""

    status: str
    description: str
    content: Mapping[str, Mapping[str, Any]]  # media type -> media type object


@dataclass(frozen=True, eq=False)
class Operation:
    """An operation of the document: where it lives and what it takes and gives.

    Plain data; the validators for it are compiled lazily by :class:`~logto_dynamic.Spec`.
    """

    operation_id: str
    method: str
    path: str
    summary: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    request_content: Mapping[str, Mapping[str, Any]]  # media type -> media type object
    request_required: bool
    responses: Mapping[str, ResponseSpec]
    deprecated: bool = False
    pointer: str = ""  # JSON pointer of the operation object in the document
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"<Operation {self.method} {self.path} {self.operation_id}>"

    @property
    def has_body(self) -> bool:
        """Whether the operation takes a request body."""
        return bool(self.request_content)

    @property
    def request_schema(self) -> Mapping[str, Any] | None:
        """The schema of the preferred request media type (JSON first), if any."""
        media = self.request_media_type
        if media is None:
            return None
        schema = self.request_content[media].get("schema")
        return schema if isinstance(schema, Mapping) else None

    @property
    def request_media_type(self) -> str | None:
        """The media type a call sends: JSON if the operation takes it, else the first one."""
        for media in self.request_content:
            if is_json_media(media):
                return media
        return next(iter(self.request_content), None)

    def parameters_in(self, location: str) -> tuple[Parameter, ...]:
        """The parameters of one location."""
        return tuple(p for p in self.parameters if p.location == location)

    @property
    def docstring(self) -> str:
        """A help text: summary, description, parameters, body and responses."""
        lines = [f"{self.operation_id}: {self.method} {self.path}", ""]
        if self.summary:
            lines += [self.summary, ""]
        if self.description:
            lines += [_plain(self.description), ""]
        if self.parameters:
            lines.append("Parameters:")
            for p in self.parameters:
                kind = (p.schema or {}).get("type", "any")
                need = "required" if p.required else "optional"
                text = f" - {_plain(p.description)}" if p.description else ""
                lines.append(f"  {p.name} ({p.location}, {kind}, {need}){text}")
            lines.append("")
        if self.request_content:
            need = "required" if self.request_required else "optional"
            lines.append(f"Body ({', '.join(self.request_content)}, {need}).")
            lines.append("")
        lines.append("Responses:")
        for status, spec in self.responses.items():
            media = f" [{', '.join(spec.content)}]" if spec.content else ""
            lines.append(f"  {status}{media}: {_plain(spec.description)}")
        return "\n".join(lines)


def _plain(text: str) -> str:
    return re.sub(r"\s*<br\s*/?>\s*", "\n    ", text).strip()


def _parameter(document: Mapping[str, Any], raw: Any, pointer: str) -> Parameter:
    while isinstance(raw, dict) and isinstance(raw.get("$ref"), str):
        pointer = raw["$ref"]
        raw = resolve_pointer(document, raw["$ref"])
    node = raw
    location = node.get("in", "query")
    style = node.get("style") or ("simple" if location in ("path", "header") else "form")
    explode = node.get("explode", style == "form")
    schema = node.get("schema")
    schema_pointer = f"{pointer}/schema"
    if schema is None and isinstance(node.get("content"), dict) and node["content"]:
        media = next(iter(node["content"]))
        schema = node["content"][media].get("schema")
        schema_pointer = f"{pointer}/content/{escape_pointer(media)}/schema"
    return Parameter(
        name=str(node["name"]),
        location=str(location),
        required=bool(node.get("required", location == "path")),
        schema=schema if isinstance(schema, dict) else None,
        style=str(style),
        explode=bool(explode),
        description=str(node.get("description", "")),
        pointer=schema_pointer,
    )


def build_operation(
    document: Mapping[str, Any], path: str, method: str, path_item: Mapping[str, Any]
) -> Operation:
    """Read one operation object (raises KeyError/TypeError on a malformed one)."""
    raw = path_item[method]
    item_pointer = "#/paths/" + escape_pointer(path)
    op_pointer = f"{item_pointer}/{method}"
    params: dict[tuple[str, str], Parameter] = {}
    for base, source in (
        (item_pointer, path_item.get("parameters") or []),
        (op_pointer, raw.get("parameters") or []),
    ):
        for i, item in enumerate(source):
            param = _parameter(document, item, f"{base}/parameters/{i}")
            params[(param.name, param.location)] = param  # operation level overrides path level
    body = deref(document, raw.get("requestBody")) if raw.get("requestBody") else None
    responses: dict[str, ResponseSpec] = {}
    for status, resp in (raw.get("responses") or {}).items():
        node = deref(document, resp)
        content = node.get("content") or {}
        responses[str(status)] = ResponseSpec(
            status=str(status),
            description=str(node.get("description", "")),
            content={str(k): (v or {}) for k, v in content.items()},
        )
    return Operation(
        operation_id=operation_name(method, path, raw),
        method=method.upper(),
        path=path,
        summary=str(raw.get("summary", "")),
        description=str(raw.get("description", "")),
        tags=tuple(raw.get("tags") or ()),
        parameters=tuple(params.values()),
        request_content={str(k): (v or {}) for k, v in ((body or {}).get("content") or {}).items()},
        request_required=bool((body or {}).get("required", False)),
        responses=responses,
        deprecated=bool(raw.get("deprecated", False)),
        pointer=op_pointer,
        raw=raw,
    )


#: A path template variable: ``{userId}`` in ``/api/users/{userId}``.
TEMPLATE_VARIABLE = re.compile(r"\{([^{}]+)\}")


def fill_template(path: str, fill: Callable[[str], str]) -> str:
    """``path`` with each ``{name}`` replaced by ``fill(name)`` (already encoded)."""
    return TEMPLATE_VARIABLE.sub(lambda m: fill(m.group(1)), path)


def _compile_template(path: str) -> re.Pattern[str]:
    pattern = ""
    last = 0
    for m in TEMPLATE_VARIABLE.finditer(path):
        pattern += re.escape(path[last : m.start()]) + "([^/]+)"
        last = m.end()
    pattern += re.escape(path[last:])
    # The router's rules (see OperationIndex.match): any case, one optional trailing slash.
    return re.compile(pattern + r"/?\Z", re.IGNORECASE)


def _fold(path: str) -> str:
    """A path as the router compares it: lower case, without one trailing slash."""
    path = path.lower()
    return path[:-1] if len(path) > 1 and path.endswith("/") else path


class OperationIndex:
    """Find operations by name (exact, then any case or word style) or by method + path.

    Built once per document; every lookup is a dict access.
    """

    def __init__(self, operations: list[Operation]) -> None:
        clashes = duplicates((op.operation_id, f"{op.method} {op.path}") for op in operations)
        for name, places in clashes.items():
            raise DuplicateOperationError(name, places)
        self._by_id: dict[str, Operation] = {}
        by_key: dict[str, list[Operation]] = {}
        for op in operations:
            self._by_id[op.operation_id] = op
            by_key.setdefault(normalize_name(op.operation_id), []).append(op)
        self._by_key = {k: v[0] for k, v in by_key.items() if len(v) == 1}
        self._ambiguous = {
            k: tuple(o.operation_id for o in v) for k, v in by_key.items() if len(v) > 1
        }
        # Method + path matching: concrete paths first, then templates with fewer variables.
        self._static: dict[tuple[str, str], Operation] = {}
        self._folded: dict[tuple[str, str], Operation] = {}
        templated: list[tuple[int, int, str, re.Pattern[str], list[str], Operation]] = []
        for op in operations:
            names = TEMPLATE_VARIABLE.findall(op.path)
            if not names:
                self._static[(op.method, op.path)] = op
                self._folded.setdefault((op.method, _fold(op.path)), op)
            else:
                literal = len(TEMPLATE_VARIABLE.sub("", op.path))
                templated.append(
                    (len(names), -literal, op.method, _compile_template(op.path), names, op)
                )
        templated.sort(key=lambda t: (t[0], t[1]))
        self._templated = [(m, rx, names, op) for _, _, m, rx, names, op in templated]

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self._by_id.values())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    @property
    def ids(self) -> list[str]:
        """Every operationId, in document order."""
        return list(self._by_id)

    def find(self, name: str) -> Operation | None:
        """The operation for a name, or None (raises AmbiguousOperationError on a clash)."""
        op = self._by_id.get(name)
        if op is not None:
            return op
        key = normalize_name(name)
        op = self._by_key.get(key)
        if op is None and key in self._ambiguous:
            raise AmbiguousOperationError(name, self._ambiguous[key])
        return op

    def get(self, name: str) -> Operation:
        """The operation for a name; raises :class:`UnknownOperationError` with suggestions."""
        op = self.find(name)
        if op is None:
            raise UnknownOperationError(name, suggest_names(name, self.ids))
        return op

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation serving ``method path`` (a path relative to the server base path).

        Concrete paths beat templated ones. Path variables come back percent-decoded.
        Paths match the way Logto's router (koa-router, path-to-regexp without ``sensitive``
        or ``strict``) routes them: in any letter case, with or without one trailing slash,
        so a request the server would serve is never taken for an undocumented one.
        """
        from urllib.parse import unquote

        method = method.upper()
        op = self._static.get((method, path)) or self._folded.get((method, _fold(path)))
        if op is not None:
            return op, {}
        for op_method, rx, names, op in self._templated:
            if op_method != method:
                continue
            m = rx.match(path)
            if m:
                return op, {n: unquote(v) for n, v in zip(names, m.groups(), strict=True)}
        return None

    def methods_for(self, path: str) -> list[str]:
        """Methods documented for a path (to tell 'wrong method' from 'unknown path')."""
        folded = _fold(path)
        found = {m for (m, p) in self._folded if p == folded}
        found |= {m for m, rx, _n, _o in self._templated if rx.match(path)}
        return sorted(found)


def suggest_names(name: str, known: list[str], *, limit: int = 3) -> list[str]:
    """The known names closest to ``name`` in any case or word style (for "did you mean")."""
    import difflib  # only when a name is unknown

    by_key = {normalize_name(k): k for k in known}
    keys = difflib.get_close_matches(normalize_name(name), list(by_key), n=limit, cutoff=0.6)
    return [by_key[k] for k in keys]


def server_url(document: Mapping[str, Any], given: Mapping[str, str]) -> str:
    """The document's first server URL, its variables filled in (``given``, else defaults)."""
    server = (document.get("servers") or [{"url": "/"}])[0]
    url = str(server.get("url", "/"))
    for name, var in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(given.get(name, var.get("default", ""))))
    return url
