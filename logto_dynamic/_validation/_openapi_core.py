"""A loaded document handed to openapi-core, so it gives the verdicts a Logto server gives.

``Spec.to_openapi_core()`` builds an ``openapi_core.OpenAPI`` from the *normalised* document
(Logto's dialect already rewritten, see ``_dialect``) after two more rewrites that only a
Python-side validator needs:

- every ``pattern`` is read with ECMA-262 semantics (:func:`~logto_dynamic._schema.ecma_pattern`:
  ASCII ``\\w``/``\\d``, a final ``$`` that does not match before a trailing newline), the
  way Logto's zod reads it;
- a ``format: email`` with no ``pattern`` also gets :data:`ZOD_EMAIL_PATTERN`, because
  openapi-core's ``email`` check accepts addresses zod refuses (``7%u^@0.com``).

openapi-core costs about 0.4 s to import and is imported only here, when asked for.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from logto_dynamic._validation._schema import ecma_pattern

if TYPE_CHECKING:
    from openapi_core import OpenAPI

__all__ = ["ZOD_EMAIL_PATTERN", "openapi_core_document", "to_openapi_core"]

#: zod 3's email regex (Logto's ``z.string().email()``) as a flag-free JSON Schema pattern:
#: the ``i`` flag spelled out as ``A-Za-z``, and ``(?!\n)$`` so that Python's ``re`` (which
#: lets ``$`` match before a final newline) and ECMA-262 read it the same way. The bundled
#: document carries the same text beside its ``format: email`` (a test keeps them equal).
ZOD_EMAIL_PATTERN = (
    r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+"
    r"[A-Za-z]{2,}(?!\n)$"
)

# Keys whose values are data (not schemas): never rewritten.
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const"})


def _rewrite(node: Any) -> Any:
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: (v if k in _DATA_KEYS else _rewrite(v)) for k, v in node.items()}
    if out.get("format") == "email" and "pattern" not in out:
        out["pattern"] = ZOD_EMAIL_PATTERN
    if isinstance(out.get("pattern"), str):
        out["pattern"] = ecma_pattern(out["pattern"])
    return out


def openapi_core_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """A plain-JSON copy of ``document`` with the two rewrites above (the input is untouched)."""
    plain = json.loads(json.dumps(document))
    result: dict[str, Any] = _rewrite(plain)
    return result


def to_openapi_core(document: Mapping[str, Any]) -> OpenAPI:
    """An ``openapi_core.OpenAPI`` for a (normalised) document; build it once and keep it."""
    from openapi_core import OpenAPI

    return OpenAPI.from_dict(openapi_core_document(document))
