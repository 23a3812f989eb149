"""``NAME=VALUE`` texts of ``call --path/--query/--header`` as the values their parameters'
schemas ask for (``page=2`` is the integer 2), read as they would be on the wire."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from logto_dynamic._cli._common import group_pairs

if TYPE_CHECKING:
    from logto_dynamic._document._operations import Operation
    from logto_dynamic._spec import Spec

__all__ = ["typed_values"]


def typed_values(
    spec: Spec, op: Operation, location: str, pairs: list[tuple[str, str]]
) -> dict[str, Any]:
    """``NAME=VALUE`` texts as the values the parameters' schemas ask for, read as they would
    be on the wire: ``page=2`` → 2 for an integer, ``true``/``false`` for a boolean, an
    array split per its style (``a,b``; a repeated name for an exploded query array). A
    text that does not convert stays text, so validation names the parameter and the type;
    names the operation does not declare stay text too."""
    from logto_dynamic._validation._params import (
        decode_query,
        decode_scalar,
        decode_simple,
        schema_types,
    )

    document = spec.document
    declared = {
        (p.name.lower() if location == "header" else p.name): p for p in op.parameters_in(location)
    }
    out: dict[str, Any] = {}
    for name, value in group_pairs(pairs).items():
        param = declared.get(name.lower() if location == "header" else name)
        texts = value if isinstance(value, list) else [value]
        types = schema_types(param.schema, document) if param is not None else set()
        if param is None or ("object" in types and "string" not in types):
            out[name] = value  # free-form names and objects: as given
        elif location == "query" and "array" in types:
            out[name] = decode_query((param,), [(param.name, t) for t in texts], document)[
                param.name
            ]
        elif location != "query":
            typed = [decode_simple(param, t, document) for t in texts]
            out[name] = typed if isinstance(value, list) else typed[0]
        else:
            typed = [decode_scalar(t, param.schema, document) for t in texts]
            out[name] = typed if isinstance(value, list) else typed[0]
    return out
