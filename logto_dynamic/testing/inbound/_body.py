"""Request bodies as Logto 1.42 reads them: koa-body (co-body, strict JSON) in front of the guard.

Only ``POST``, ``PUT`` and ``PATCH`` bodies are read. A JSON media type is parsed in strict
mode: the text must start with ``{`` or ``[`` (``400 {"message": "invalid JSON, only supports
object and array"}``), malformed JSON answers ``400 {"message": <the parser's message>}``, both
without a ``code``. ``text/*`` bodies reach the guard as a string, urlencoded forms as an
object of strings; any other media type (or none) as ``{}``.
"""

from __future__ import annotations

import json
import re
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from .._errors import LogtoError

if TYPE_CHECKING:
    from .._asgi import Request

__all__ = ["BodyParserError", "multipart_parts", "read_body"]

JSON_TYPES = frozenset(
    {
        "application/json",
        "application/json-patch+json",
        "application/vnd.api+json",
        "application/csp-report",
        "application/reports+json",
    }
)
PARSED_METHODS = frozenset({"POST", "PUT", "PATCH"})
NOT_OBJECT_OR_ARRAY = "invalid JSON, only supports object and array"
_STRICT_START = re.compile(r"^[ \t\n\r]*[\[{]")


class BodyParserError(LogtoError):
    """A body the parser refused: Logto answers ``{"message": ...}`` with no ``code``."""

    def __init__(self, message: str) -> None:
        super().__init__(400, "", message=message)

    def body(self) -> dict[str, Any]:
        """Only the message, as Logto's error handler sends a parser's ``SyntaxError``."""
        return {"message": self.message}


def _position(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"at position {pos} (line {line} column {column})"


def _v8_message(exc: json.JSONDecodeError) -> str:
    """A JSON parse error worded as Node's ``JSON.parse`` words it (the common cases)."""
    text, pos, msg = exc.doc, exc.pos, exc.msg
    at = _position(text, pos)
    where = f"in JSON {at}"
    if pos >= len(text):
        return "Unexpected end of JSON input"
    if msg.startswith("Expecting property name"):
        before = text[:pos].rstrip()
        if before.endswith("{"):
            return f"Expected property name or '}}' {where}"
        return f"Expected double-quoted property name {where}"
    if msg.startswith("Expecting ':'"):
        return f"Expected ':' after property name {where}"
    if msg.startswith("Expecting ','"):
        opener = _innermost_opener(text, pos)
        if opener == "[":
            return f"Expected ',' or ']' after array element {where}"
        return f"Expected ',' or '}}' after property value {where}"
    if msg.startswith("Extra data"):
        return f"Unexpected non-whitespace character after JSON {at}"
    if msg.startswith("Unterminated string"):
        return f"Unterminated string {where}"
    if msg.startswith("Invalid control character"):
        return f"Bad control character in string literal {where}"
    if msg.startswith(("Invalid \\escape", "Invalid \\u")):
        return f"Bad escaped character {where}"
    snippet = text if len(text) <= 30 else text[:10] + "..." + text[-10:]
    return f"Unexpected token '{text[pos]}', \"{snippet}\" is not valid JSON"


def _innermost_opener(text: str, pos: int) -> str:
    depth: list[str] = []
    in_string = escaped = False
    for char in text[:pos]:
        if in_string:
            escaped = not escaped and char == "\\"
            if char == '"' and not escaped:
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth.append(char)
        elif char in "]}" and depth:
            depth.pop()
    return depth[-1] if depth else "{"


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"Expecting value ({name})", name, 0)


def _js_number(digits: str) -> int | float:
    """An integer as JavaScript reads it: exact while it fits, else the nearest double."""
    return int(digits) if len(digits) <= 4000 else float(digits)


def _strict_json(text: str) -> Any:
    if not text:
        return {}
    if not _STRICT_START.match(text):
        raise BodyParserError(NOT_OBJECT_OR_ARRAY)
    try:
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except ValueError as exc:
            if isinstance(exc, json.JSONDecodeError):
                raise
            # Python's integer-digit limit; JSON.parse reads such a number as a double
            # (Infinity past 1e308) and the guard then judges it: do the same
            return json.loads(text, parse_constant=_reject_constant, parse_int=_js_number)
    except RecursionError:  # JSON.parse copes; the guard then refuses what it got
        raise LogtoError(
            400,
            "guard.invalid_input",
            message="The request body is invalid.",
            details='Error in key path "": (custom) Input is nested too deeply',
        ) from None
    except json.JSONDecodeError as exc:
        if exc.doc != text:  # NaN / Infinity, which JSON.parse does not know
            start = text.find(exc.doc)
            exc = json.JSONDecodeError(exc.msg, text, max(start, 0))
        raise BodyParserError(_v8_message(exc)) from None


def _form(text: str) -> dict[str, Any]:
    """``a=1&b[c]=2&d[]=3`` the way ``qs`` reads it (one level of brackets)."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        name, _, rest = key.partition("[")
        inner = rest[:-1] if rest.endswith("]") else None
        if inner is None:
            current = result.get(name)
            if current is None:
                result[name] = value
            else:
                result[name] = [*current, value] if isinstance(current, list) else [current, value]
        elif inner == "":
            existing = result.setdefault(name, [])
            if isinstance(existing, list):
                existing.append(value)
        else:
            nested = result.setdefault(name, {})
            if isinstance(nested, dict):
                nested[inner] = value
    return result


def _has_body(request: Request) -> bool:
    return (
        "transfer-encoding" in request.headers
        or request.headers.get("content-length", "").strip().isdigit()
    )


def multipart_parts(request: Request) -> dict[str, bytes]:
    """The named parts of a ``multipart/form-data`` body (``{}`` for any other body)."""
    if request.content_type != "multipart/form-data":
        return {}
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    parts: dict[str, bytes] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            parts.setdefault(name, payload)
    return parts


def read_body(request: Request, *, multipart: bool = False) -> Any:
    """What ``ctx.request.body`` holds when Logto's guard looks at it (``{}`` by default).

    With ``multipart`` (an upload operation) form parts are read too, as text for the guard.
    """
    if request.method not in PARSED_METHODS or not (_has_body(request) or request.body):
        return {}
    media = request.content_type
    text = request.body.decode("utf-8", errors="replace")
    if media in JSON_TYPES:
        return _strict_json(text)
    if media == "application/x-www-form-urlencoded":
        return _form(text)
    if media.startswith("text/"):
        return text
    if multipart:
        return {k: v.decode("latin-1") for k, v in multipart_parts(request).items()}
    return {}
