"""The response checker: raw status, content type and body bytes against an operation.

:class:`ResponseChecker` (``Spec.responses``) is what the client (``ClientCore.finish``) and
the traffic checks (proxy, HAR files, :class:`~logto_dynamic.TrafficValidator`) use, so every
response problem has one wording wherever it is found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from logto_dynamic._document._media import is_json_media, media_matches, media_type_of
from logto_dynamic._document._operations import Operation
from logto_dynamic._validation._bodies import decode_body, parse_json
from logto_dynamic._validation._requests import Validators, select_response
from logto_dynamic._validation._schema import CompiledSchema
from logto_dynamic._validation._violations import Violation, to_violations

__all__ = ["MAX_PLANS", "ResponseCheck", "ResponseChecker"]

#: Distinct plans a checker keeps (per direction and document); the content type comes from
#: the wire, so the memo is bounded (and emptied when full).
MAX_PLANS = 4096


@dataclass(frozen=True, slots=True)
class ResponseCheck:
    """What :meth:`ResponseChecker.check` found: the decoded body, violations, and notes.

    ``notes`` say what was not checked (a body over the validation limit).
    """

    data: Any
    violations: tuple[Violation, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a response's status and content type decide, before its body is read."""

    found: tuple[Violation, ...]  # status and content-type violations
    media: str  # the media type sent (parameters dropped)
    json: bool  # a JSON body: parsed (and size-limited) as JSON
    schema: CompiledSchema | None  # the documented body schema, when one applies


class ResponseChecker:
    """Raw responses against the operations of one document.

    What a status and content type decide is worked out once and kept (a bounded memo), so a
    valid answer costs one parse and one compiled schema check.
    """

    def __init__(self, validators: Validators) -> None:
        self._validators = validators
        self._plans: dict[tuple[Operation, int, str | None, bool], _Plan] = {}

    def check(
        self,
        op: Operation,
        status: int,
        content_type: str | None,
        body: bytes | None,
        *,
        limit: int | None = None,
    ) -> ResponseCheck:
        """Decode and check one raw response to ``op``.

        ``body`` None means a body was sent but is not at hand (streamed on): the status and
        the content type are checked, the body is not. JSON bodies over ``limit`` bytes are
        not decoded or schema-checked either, and a note says so.
        """
        plan = self._plan(op, status, content_type, body is None or bool(body))
        if not body:
            return ResponseCheck(None, plan.found)
        if limit is not None and plan.json and len(body) > limit:
            note = (
                f"response body of {len(body)} bytes not validated "
                f"(over the {limit}-byte validation limit)"
            )
            return ResponseCheck(None, plan.found, (note,))
        if plan.json:
            data, problem = parse_json(plan.media, body)
        else:
            data, problem = decode_body(content_type, body)
        if problem is not None:
            return ResponseCheck(data, (*plan.found, problem))
        if plan.schema is not None:
            found = to_violations(plan.schema, data, "body")
            if found:
                return ResponseCheck(data, (*plan.found, *found))
        return ResponseCheck(data, plan.found)

    def is_valid(
        self,
        op: Operation,
        status: int,
        content_type: str | None,
        body: bytes,
        *,
        limit: int | None = None,
    ) -> bool:
        """True when :meth:`check` would find nothing and note nothing (and faster).

        The usual answer (a documented status, a valid JSON body or none) is decided by its
        plan and one compiled schema check; anything else by :meth:`check` itself.
        """
        plan = self._plan(op, status, content_type, bool(body))
        if plan.found:
            return False
        if not body:
            return True
        if plan.json and (limit is None or len(body) <= limit):
            data, problem = parse_json(plan.media, body)
            return problem is None and (plan.schema is None or plan.schema.is_valid(data))
        checked = self.check(op, status, content_type, body, limit=limit)
        return not checked.violations and not checked.notes

    def _plan(self, op: Operation, status: int, content_type: str | None, has_body: bool) -> _Plan:
        """The memoised :func:`_make_plan`: looked up on every response, computed once."""
        key = (op, status, content_type, has_body)
        plans = self._plans
        plan = plans.get(key)
        if plan is None:
            plan = _make_plan(self._validators, op, status, content_type, has_body)
            if len(plans) >= MAX_PLANS:
                plans.clear()
            plans[key] = plan
        return plan


def _make_plan(
    validators: Validators, op: Operation, status: int, content_type: str | None, has_body: bool
) -> _Plan:
    found: list[Violation] = []
    spec = select_response(op, status)
    documented: str | None = None
    if spec is None:
        listed = ", ".join(op.responses) or "none"
        found.append(
            Violation(
                "status", (), "status", f"status {status} is not documented (documented: {listed})"
            )
        )
    elif not spec.content:
        if has_body:
            found.append(
                Violation(
                    "body",
                    (),
                    "content",
                    f"status {spec.status} documents no body, but one was sent",
                )
            )
    elif not has_body:
        if any("schema" in media for media in spec.content.values()):
            found.append(Violation("body", (), "content", f"status {spec.status} expects a body"))
    else:
        documented = media_matches(spec.content, content_type or "")
        if documented is None:
            found.append(
                Violation(
                    "content-type",
                    (),
                    "content-type",
                    f"content type {content_type or 'none'!r} is not documented for "
                    f"{spec.status} (documented: {', '.join(spec.content)})",
                )
            )
    media = media_type_of(content_type)
    schema = None
    if spec is not None and documented is not None and "schema" in spec.content[documented]:
        schema = validators.response_schema(op, spec.status, documented)
    return _Plan(tuple(found), media, is_json_media(media), schema)
