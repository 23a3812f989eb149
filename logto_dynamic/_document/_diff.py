"""Compare two documents from a client's point of view: what changed, and what breaks.

A change is **breaking** when a request that used to be valid is now refused (a new required
property or parameter, a removed enum value, a tighter constraint, a removed operation), or
when a response the client understood may now differ incompatibly (a removed required
property, a new enum value, a looser constraint, a new success status or media type).
The public entry is :func:`logto_dynamic.diff_specs` (in ``_spec``: it loads what it is given).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from logto_dynamic._document._diff_report import Change, SpecDiff
from logto_dynamic._document._operations import Operation, OperationIndex
from logto_dynamic._document._refs import inline_refs

__all__ = ["Change", "SpecDiff", "diff_documents"]

_NUMERIC_MIN = ("minLength", "minItems", "minimum", "minProperties")
_NUMERIC_MAX = ("maxLength", "maxItems", "maximum", "maxProperties")


def diff_documents(
    old_doc: Mapping[str, Any],
    old_index: OperationIndex,
    new_doc: Mapping[str, Any],
    new_index: OperationIndex,
) -> SpecDiff:
    """Compare two documents, each with its operation index (``diff_specs`` builds them)."""
    out = SpecDiff(
        old_version=str((old_doc.get("info") or {}).get("version", "")),
        new_version=str((new_doc.get("info") or {}).get("version", "")),
    )
    old_ops = {op.operation_id: op for op in old_index}
    new_ops = {op.operation_id: op for op in new_index}
    for name in old_ops:
        if name not in new_ops:
            out.removed.append(name)
            op = old_ops[name]
            out.changes.append(
                Change(name, "operation-removed", "", f"{op.method} {op.path}", True)
            )
    for name in new_ops:
        if name not in old_ops:
            out.added.append(name)
            op = new_ops[name]
            out.changes.append(Change(name, "operation-added", "", f"{op.method} {op.path}", False))
    for name, op in old_ops.items():
        if name in new_ops:
            out.changes += _operation(old_doc, op, new_doc, new_ops[name])
    return out


def _operation(
    old_doc: Mapping[str, Any], a: Operation, new_doc: Mapping[str, Any], b: Operation
) -> list[Change]:
    name = a.operation_id
    out: list[Change] = []
    if (a.method, a.path) != (b.method, b.path):
        out.append(Change(name, "moved", "", f"{a.method} {a.path} -> {b.method} {b.path}", True))
    # Parameters
    pa = {(p.location, p.name): p for p in a.parameters}
    pb = {(p.location, p.name): p for p in b.parameters}
    for key, p in pa.items():
        where = f"{key[0]} {key[1]}"
        if key not in pb:
            out.append(Change(name, "parameter-removed", where, "no longer documented", True))
            continue
        q = pb[key]
        if p.required != q.required:
            out.append(
                Change(
                    name,
                    "parameter-required-changed",
                    where,
                    f"required {p.required} -> {q.required}",
                    q.required,
                )
            )
        sa, _ = inline_refs(old_doc, p.schema or {})
        sb, _ = inline_refs(new_doc, q.schema or {})
        out += [
            Change(name, k, f"{where}{w}", d, brk)
            for k, w, d, brk in _schema(sa, sb, "", request=True)
        ]
    for key, q in pb.items():
        if key not in pa:
            out.append(
                Change(
                    name,
                    "parameter-added",
                    f"{key[0]} {key[1]}",
                    "required" if q.required else "optional",
                    q.required,
                )
            )
    # Request body
    if a.request_content and not b.request_content:
        out.append(Change(name, "request-body-removed", "body", "no body is taken any more", True))
    elif b.request_content and not a.request_content:
        out.append(
            Change(
                name,
                "request-body-added",
                "body",
                "required" if b.request_required else "optional",
                b.request_required,
            )
        )
    else:
        if b.request_required and not a.request_required:
            out.append(Change(name, "request-body-required", "body", "optional -> required", True))
        for media in a.request_content:
            if media not in b.request_content:
                out.append(Change(name, "request-media-removed", "body", media, True))
                continue
            sa, _ = inline_refs(old_doc, a.request_content[media].get("schema") or {})
            sb, _ = inline_refs(new_doc, b.request_content[media].get("schema") or {})
            out += [
                Change(name, k, f"body {media} ${w}", d, brk)
                for k, w, d, brk in _schema(sa, sb, "", request=True)
            ]
        for media in b.request_content:
            if media not in a.request_content:
                out.append(Change(name, "request-media-added", "body", media, False))
    # Responses
    for status, ra in a.responses.items():
        rb = b.responses.get(status)
        if rb is None:
            out.append(Change(name, "response-removed", status, ra.description[:60] or "-", False))
            continue
        for media, ma in ra.content.items():
            if media not in rb.content:
                out.append(Change(name, "response-media-removed", status, media, False))
                continue
            sa, _ = inline_refs(old_doc, ma.get("schema") or {})
            sb, _ = inline_refs(new_doc, rb.content[media].get("schema") or {})
            out += [
                Change(name, k, f"{status} {media} ${w}", d, brk)
                for k, w, d, brk in _schema(sa, sb, "", request=False)
            ]
        for media in rb.content:
            if media not in ra.content:
                out.append(
                    Change(name, "response-media-added", status, media, status.startswith("2"))
                )
    for status in b.responses:
        if status not in a.responses:
            out.append(
                Change(
                    name,
                    "response-added",
                    status,
                    b.responses[status].description[:60] or "-",
                    status.startswith("2"),
                )
            )
    return out


def _types(schema: Mapping[str, Any]) -> set[str] | None:
    kind = schema.get("type")
    if kind is None:
        return None
    kinds = set(kind) if isinstance(kind, list) else {str(kind)}
    if schema.get("nullable") is True:
        kinds.add("null")
    return kinds


def _covers(wide: set[str], narrow: set[str]) -> bool:
    """Every value of a ``narrow`` type is a value of a ``wide`` type (number covers integer)."""
    return all(k in wide or (k == "integer" and "number" in wide) for k in narrow)


def _allowed(schema: Mapping[str, Any]) -> list[Any] | None:
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    return None


def _schema(a: Any, b: Any, path: str, *, request: bool) -> Iterator[tuple[str, str, str, bool]]:
    """(kind, where, detail, breaking) for every difference of two (inlined) schemas.

    ``request``: a tighter schema breaks requests; a looser one breaks responses.
    """
    if not isinstance(a, Mapping) or not isinstance(b, Mapping):
        return
    a, b = _flatten(a), _flatten(b)
    tighter, looser = request, not request
    for key in ("oneOf", "anyOf"):  # a schema that became (or stopped being) a choice: one line
        va, vb = _variants(a, key), _variants(b, key)
        if bool(va) != bool(vb):
            detail = f"{_shape(a, va)} -> {_shape(b, vb)}"
            kind = f"{key}-introduced" if vb else f"{key}-dropped"
            yield kind, path, detail, tighter if vb else looser
            return
    ta, tb = _types(a), _types(b)
    if ta != tb:
        if tb is None or (ta is not None and _covers(tb, ta)):
            brk = looser
        elif ta is None or _covers(ta, tb):
            brk = tighter
        else:
            brk = True
        yield "type-changed", path, f"{_fmt_types(ta)} -> {_fmt_types(tb)}", brk
    ea, eb = _allowed(a), _allowed(b)
    if ea is not None or eb is not None:
        if ea is None:
            yield "enum-added", path, f"now restricted to {eb!r}", tighter
        elif eb is None:
            yield "enum-dropped", path, f"no longer restricted to {ea!r}", looser
        else:
            gone = [v for v in ea if v not in eb]
            new = [v for v in eb if v not in ea]
            if gone:
                yield "enum-value-removed", path, f"{gone!r}", tighter
            if new:
                yield "enum-value-added", path, f"{new!r}", looser
    for key in ("pattern", "format"):
        if a.get(key) != b.get(key):
            if a.get(key) is None:
                brk = tighter
            elif b.get(key) is None:
                brk = looser
            else:
                brk = True
            yield f"{key}-changed", path, f"{a.get(key)!r} -> {b.get(key)!r}", brk
    for key in (*_NUMERIC_MIN, *_NUMERIC_MAX):
        va, vb = a.get(key), b.get(key)
        if va == vb:
            continue
        is_min = key in _NUMERIC_MIN
        if va is None:
            brk = tighter
        elif vb is None:
            brk = looser
        else:
            raised = vb > va
            brk = tighter if raised == is_min else looser
        yield f"{key}-changed", path, f"{va!r} -> {vb!r}", brk
    # Objects
    ra, rb = set(a.get("required") or ()), set(b.get("required") or ())
    for prop in sorted(rb - ra):
        yield "required-added", f"{path}.{prop}", "property is now required", tighter
    for prop in sorted(ra - rb):
        yield "required-removed", f"{path}.{prop}", "property is no longer required", looser
    pa, pb = a.get("properties") or {}, b.get("properties") or {}
    if isinstance(pa, Mapping) and isinstance(pb, Mapping):
        for prop in pa:
            if prop not in pb:
                # A request property the server no longer knows is stripped, not refused; a
                # response property that disappears matters only if it was required.
                brk = (not request) and prop in ra
                yield "property-removed", f"{path}.{prop}", "no longer documented", brk
            else:
                yield from _schema(pa[prop], pb[prop], f"{path}.{prop}", request=request)
        for prop in pb:
            if prop not in pa:
                yield "property-added", f"{path}.{prop}", "new property", False
    if a.get("additionalProperties") is not False and b.get("additionalProperties") is False:
        yield "additional-properties-closed", path, "extra keys now refused", tighter
    if isinstance(a.get("items"), Mapping) and isinstance(b.get("items"), Mapping):
        yield from _schema(a["items"], b["items"], f"{path}[]", request=request)
    for key in ("oneOf", "anyOf", "allOf"):
        va, vb = a.get(key), b.get(key)
        if not isinstance(va, list) and not isinstance(vb, list):
            continue
        if not va or not vb:
            yield (
                f"{key}-introduced" if vb else f"{key}-dropped",
                path,
                f"{len(va or [])} -> {len(vb or [])} variants",
                tighter if vb else looser,
            )
            continue
        for i in range(min(len(va), len(vb))):
            yield from _schema(va[i], vb[i], f"{path}/{key}[{i}]", request=request)
        if len(vb) > len(va):
            yield (
                f"{key}-variant-added",
                path,
                f"{len(va)} -> {len(vb)} variants",
                tighter if key == "allOf" else looser,
            )
        elif len(va) > len(vb):
            yield (
                f"{key}-variant-removed",
                path,
                f"{len(va)} -> {len(vb)} variants",
                looser if key == "allOf" else tighter,
            )


def _variants(schema: Mapping[str, Any], key: str) -> list[Any]:
    value = schema.get(key)
    return value if isinstance(value, list) else []


def _shape(schema: Mapping[str, Any], variants: list[Any]) -> str:
    """``one of 2 variants``, or the schema's type (``object``, ``any``)."""
    if variants:
        return f"one of {len(variants)} variants"
    return _fmt_types(_types(schema))


def _flatten(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """Merge ``allOf`` parts into one schema, so ``allOf: [{$ref: X}]`` compares like X."""
    parts = schema.get("allOf")
    if not isinstance(parts, list) or not all(isinstance(p, Mapping) for p in parts):
        return schema
    out: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in parts:
        for key, value in _flatten(part).items():
            if key == "properties" and isinstance(value, Mapping):
                props = dict(out.get("properties") or {})
                for name, sub in value.items():
                    if name in props and isinstance(props[name], Mapping):
                        props[name] = _flatten({"allOf": [props[name], sub]})
                    else:
                        props[name] = sub
                out["properties"] = props
            elif key == "required" and isinstance(value, list):
                out["required"] = list(dict.fromkeys([*(out.get("required") or []), *value]))
            else:
                out.setdefault(key, value)
    return out


def _fmt_types(kinds: set[str] | None) -> str:
    return "any" if kinds is None else "|".join(sorted(kinds))
