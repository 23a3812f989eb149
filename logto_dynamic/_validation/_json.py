"""The package's one JSON-parsing seam: every failure is a ``ValueError`` that says why.

``json.loads`` fails in more ways than ``JSONDecodeError``: an integer of more than 4,300
digits raises a bare ``ValueError`` (Python's integer-digit limit), deep nesting raises
``RecursionError``, bytes that are not UTF-8 raise ``UnicodeDecodeError``, and ``NaN``,
``Infinity`` and ``-Infinity`` (which JSON does not have) are accepted. :func:`parse` turns
each into ``(None, why)``; :func:`loads` raises :class:`ValueError` with that text. The
validators turn ``why`` into a violation (a verdict), the clients into their typed error.
"""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["DECODER", "NESTED", "describe", "loads", "parse"]

_OPENERS = (b"{", b"[")
#: What :func:`describe` says of a text nested past the recursion limit.
NESTED = "it nests too deeply"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


#: The decoder every JSON body goes through (``NaN`` and ``Infinity`` refused).
DECODER = json.JSONDecoder(parse_constant=_reject_constant)
#: For containers written by Python tools (a HAR file from ``json.dumps``): ``NaN`` and
#: ``Infinity`` read as floats, for the reader to judge where they stand.
_LENIENT = json.JSONDecoder()


def _digit_limit() -> int:
    get = getattr(sys, "get_int_max_str_digits", None)
    return int(get()) if get is not None else 0


def describe(exc: BaseException) -> str:
    """Why a JSON text could not be parsed (``exc`` as raised while parsing it)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, UnicodeError):
        return "the bytes are not valid UTF-8"
    if isinstance(exc, RecursionError):
        return NESTED
    text = str(exc)
    if "integer string conversion" in text:
        return f"a number has more than {_digit_limit()} digits"
    return text[:200]


def _decode(content: bytes | str, decoder: json.JSONDecoder) -> Any:
    if isinstance(content, bytes):
        # json.loads on bytes first guesses the encoding; a body opening with '{' or '['
        # followed by a non-NUL byte is UTF-8 by that same rule, so decode it directly.
        if content[:1] in _OPENERS and content[1:2] != b"\x00":
            text = content.decode("utf-8", "surrogatepass")
        else:
            text = content.decode(json.detect_encoding(content), "surrogatepass")
    else:
        text = content
    if text[:1] in "{[":
        data, end = decoder.raw_decode(text)  # no leading whitespace to skip
        if end == len(text):
            return data
    return decoder.decode(text)  # trailing whitespace, or the usual error


def parse(content: bytes | str, *, constants: bool = False) -> tuple[Any, str | None]:
    """``(value, None)``, or ``(None, why)`` when ``content`` is not JSON this package reads
    (``constants``: read ``NaN``/``Infinity`` as floats instead of refusing them)."""
    try:
        return _decode(content, _LENIENT if constants else DECODER), None
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        return None, describe(exc)


def loads(content: bytes | str) -> Any:
    """The parsed value; :class:`ValueError` (saying why) whatever the failure."""
    data, why = parse(content)
    if why is not None:
        raise ValueError(f"not JSON: {why}")
    return data
