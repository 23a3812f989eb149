"""The response checker: one function from raw status, content type and body bytes.

:func:`check_response` is what the client (``ClientCore.finish``), the traffic validator
(proxy, HAR files) and :meth:`Spec.check_response` use, so every response problem has one
wording wherever it is found.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from logto_dynamic._document._media import charset_of, is_json_media, media_matches, media_type_of
from logto_dynamic._document._operations import Operation
from logto_dynamic._validation._depth import too_deep, too_deep_violation
from logto_dynamic._validation._requests import Validators, select_response
from logto_dynamic._validation._schema import CompiledSchema
from logto_dynamic._validation._violations import Violation, to_violations

__all__ = ["ResponseCheck", "check_response", "decode_body", "parse_json", "response_ok"]


@dataclass(frozen=True, slots=True)
class ResponseCheck:
    """What :func:`check_response` found: the decoded body, violations, and notes.

    ``notes`` say what was not checked (a body over the validation limit).
    """

    data: Any
    violations: tuple[Violation, ...] = ()
    notes: tuple[str, ...] = ()


_OPENERS = (b"{", b"[")
_DECODER = json.JSONDecoder()


def parse_json(media: str, content: bytes) -> tuple[Any, Violation | None]:
    """Parse a JSON body (request or response); on failure the text and one violation."""
    deep = too_deep(content)
    if deep is not None:
        return content.decode("utf-8", "replace"), too_deep_violation(media, deep)
    try:
        # json.loads on bytes first guesses the encoding; a body opening with '{' or '['
        # followed by a non-NUL byte is UTF-8 by that same rule, so decode it directly.
        if content[:1] in _OPENERS and content[1:2] != b"\x00":
            return _DECODER.decode(content.decode("utf-8", "surrogatepass")), None
        return json.loads(content), None
    except RecursionError:  # nesting that too_deep did not see (another encoding): same verdict
        return content.decode("utf-8", "replace"), too_deep_violation(media, ())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            detail = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
        else:
            detail = "the bytes are not valid UTF-8"
        problem = Violation("body", (), "json", f"the {media} body is not valid JSON: {detail}")
        return content.decode("utf-8", "replace"), problem


def decode_body(content_type: str | None, content: bytes) -> tuple[Any, Violation | None]:
    """Parsed JSON, text, bytes, or None for an empty body; plus a problem if undecodable."""
    if not content:
        return None, None
    media = media_type_of(content_type)
    if is_json_media(media):
        return parse_json(media, content)
    if media.startswith("text/") or not media:
        return content.decode(charset_of(content_type), "replace"), None
    return content, None


def check_response(
    validators: Validators,
    op: Operation,
    status: int,
    content_type: str | None,
    body: bytes | None,
    *,
    limit: int | None = None,
) -> ResponseCheck:
    """Decode and check one raw response to ``op``.

    ``body`` None means a body was sent but is not at hand (streamed on): the status and the
    content type are checked, the body is not. JSON bodies over ``limit`` bytes are not
    decoded or schema-checked either, and a note says so.
    """
    plan = _plan(validators, op, status, content_type, body is None or bool(body))
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


def response_ok(
    validators: Validators,
    op: Operation,
    status: int,
    content_type: str | None,
    body: bytes,
    *,
    limit: int | None = None,
) -> bool:
    """True when :func:`check_response` would find nothing and note nothing.

    The quick verdict of the usual answer (a documented status, a valid JSON body or none);
    False means "ask :func:`check_response`", which may still find nothing.
    """
    plan = _plan(validators, op, status, content_type, bool(body))
    if plan.found:
        return False
    if not body:
        return True
    if not plan.json or (limit is not None and len(body) > limit):
        return False
    data, problem = parse_json(plan.media, body)
    return problem is None and (plan.schema is None or plan.schema.is_valid(data))


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a response's status and content type decide, before its body is read."""

    found: tuple[Violation, ...]  # status and content-type violations
    media: str  # the media type sent (parameters dropped)
    json: bool  # a JSON body: parsed (and size-limited) as JSON
    schema: CompiledSchema | None  # the documented body schema, when one applies


#: Distinct (operation, status, content type, body or not) plans kept per document; the
#: content type comes from the wire, so the table is bounded (and emptied when full).
MAX_PLANS = 4096


def _plan(
    validators: Validators, op: Operation, status: int, content_type: str | None, has_body: bool
) -> _Plan:
    """The memoised :func:`_make_plan`: looked up on every response, computed once."""
    key = (op, status, content_type, has_body)
    plans = validators.plans
    plan = plans.get(key)
    if plan is None:
        plan = _make_plan(validators, op, status, content_type, has_body)
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
