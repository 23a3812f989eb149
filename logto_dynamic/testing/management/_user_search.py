"""``GET /api/users`` search, as Logto 1.42 reads it (``utils/search``) and PostgreSQL applies it.

Query names starting with ``search`` give values (``search`` for every field, ``search.<field>``
for one), names starting with ``mode`` give a match mode (``like`` by default, ``exact``,
``similar_to``, ``posix``), ``joint`` (or ``jointMode``) joins the fields' conditions (``or``
by default, ``and``) and ``isCaseSensitive`` (``false`` by default) picks ``~~``/``~~*``,
``~``/``~*`` and ``lower(...) =``. A bad request is 400 ``request.invalid_input`` (Logto's
``TypeError``s); a pattern PostgreSQL refuses is its 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._errors import LogtoError

__all__ = ["UserSearch", "parse_user_search"]

#: The searchable columns (Logto's ``userSearchFields``), in its order.
FIELDS = ("id", "primary_email", "primary_phone", "username", "name")
_VIEW_KEYS = {
    "id": "id",
    "primary_email": "primaryEmail",
    "primary_phone": "primaryPhone",
    "username": "username",
    "name": "name",
}
_MODES = ("exact", "like", "similar_to", "posix")
_JOINTS = ("and", "or")
_YES = ("1", "true", "y", "yes", "yep", "yeah")


def _invalid(details: str) -> LogtoError:
    return LogtoError(400, "request.invalid_input", message=f"Input is invalid. {details}")


def _first(items: list[tuple[str, str]], name: str) -> str | None:
    """``URLSearchParams.get``: the first value of ``name``."""
    return next((value for key, value in items if key == name), None)


def _field(key: str) -> str | None:
    """The field of ``search.<field>`` / ``mode.<field>`` (None: every field)."""
    path = key.split(".")
    if len(path) > 2:
        raise _invalid(
            f"Unsupported nested search field path `{'.'.join(path[1:])}` detected. "
            "Only the first level field is supported."
        )
    return path[1] if len(path) == 2 else None


def _snake(name: str) -> str:
    """The ``snake-case`` package: words split at case changes and non-alphanumerics."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1\0\2", name)
    text = re.sub(r"([A-Z])([A-Z][a-z])", r"\1\0\2", text)
    text = re.sub(r"[^A-Za-z0-9]+", "\0", text).strip("\0")
    return "_".join(part.lower() for part in text.split("\0"))


@dataclass(frozen=True)
class _Match:
    mode: str
    field: str | None
    values: tuple[str, ...]


@dataclass(frozen=True)
class UserSearch:
    """A parsed search: keep a user (as the Management API answers it) or not."""

    matches: tuple[_Match, ...]
    joint: str
    case_sensitive: bool

    def predicate(self) -> Callable[[dict[str, Any]], bool]:
        """The filter; raises Logto's 400 for conditions it cannot build (``TypeError``s)."""
        tests = [self._condition(match) for match in self.matches]
        if not tests:
            return lambda view: True
        combine = all if self.joint == "and" else any
        return lambda view: combine(test(view) for test in tests)

    def _condition(self, match: _Match) -> Callable[[dict[str, Any]], bool]:
        field = _snake(match.field) if match.field else None
        if field and field not in FIELDS:
            raise _invalid(
                f"Search field `{field}` is not valid, expect one of {', '.join(FIELDS)}."
            )
        if match.mode == "similar_to" and not self.case_sensitive:
            raise _invalid("Cannot use case-insensitive match for `similar to`.")
        if not match.values[0] or not all(match.values):
            raise _invalid(f"Empty value found{f' for field {field}' if field else ''}.")
        columns = [field] if field else list(FIELDS)
        compare = self._comparison(match)

        def test(view: dict[str, Any]) -> bool:
            for column in columns:
                value = view.get(_VIEW_KEYS[column])
                if isinstance(value, str) and compare(value):
                    return True
            return False

        return test

    def _comparison(self, match: _Match) -> Callable[[str], bool]:
        if match.mode == "exact":
            if self.case_sensitive:
                return lambda value: value in match.values
            lowered = {v.lower() for v in match.values}
            return lambda value: value.lower() in lowered
        flags = 0 if self.case_sensitive else re.IGNORECASE
        pattern = match.values[0]
        if match.mode == "posix":
            regex = _compile(pattern, flags)
            return lambda value: regex.search(value) is not None
        translate = _like if match.mode == "like" else _similar
        regex = _compile(translate(pattern), flags | re.DOTALL)
        return lambda value: regex.fullmatch(value) is not None


def _compile(pattern: str, flags: int) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error:
        raise RuntimeError("PostgreSQL refuses this pattern") from None  # the server's 500


def _like(pattern: str) -> str:
    """SQL ``LIKE``: ``%`` any run, ``_`` one character, ``\\`` escapes the next one."""
    out: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            escaped = next(chars, None)
            if escaped is None:  # "LIKE pattern must not end with escape character"
                raise RuntimeError("PostgreSQL refuses this pattern")
            out.append(re.escape(escaped))
        else:
            out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    return "".join(out)


def _similar(pattern: str) -> str:
    """SQL ``SIMILAR TO``: ``LIKE``'s wildcards plus ``| * + ? {} () []``; ``.`` is literal."""
    out: list[str] = []
    in_class = False
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            escaped = next(chars, None)
            if escaped is None:
                raise RuntimeError("PostgreSQL refuses this pattern")
            out.append(re.escape(escaped))
        elif in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
        elif char in "|*+?{}(),0123456789":
            out.append(char)
        else:
            out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    return "".join(out)


def parse_user_search(items: list[tuple[str, str]]) -> UserSearch:
    """Logto's ``parseSearchParamsForSearch`` of the query (raises its 400s)."""
    joint = _first(items, "joint")
    if joint is None:
        joint = _first(items, "jointMode")
    if not joint:
        joint = "or"
    elif joint not in _JOINTS:
        raise _invalid(
            f"Search joint mode `{joint}` is not valid, expect one of {', '.join(_JOINTS)}."
        )
    sensitive = (_first(items, "isCaseSensitive") or "false").lower() in _YES
    modes: dict[str | None, str] = {}
    values: dict[str | None, list[str]] = {}
    for key, value in items:
        if key.startswith("mode"):
            field = _field(key)
            if value not in _MODES:
                where = f" for field `{field}`" if field else ""
                raise _invalid(
                    f"Search match mode `{value}`{where} is not valid, "
                    f"expect one of {', '.join(_MODES)}."
                )
            modes[field] = value
        elif key.startswith("search"):
            values.setdefault(_field(key), []).append(value)
    matches: list[_Match] = []
    for field, given in values.items():
        mode = modes.get(field) or modes.get(None) or "like"
        if mode == "exact":
            if not all(given):
                raise _invalid("Search value cannot be empty.")
        else:
            if len(given) != 1:
                raise _invalid("Only one search value is allowed when search mode is not `exact`.")
            if not given[0]:
                raise _invalid("Search value cannot be empty.")
        matches.append(_Match(mode, field, tuple(given)))
    return UserSearch(tuple(matches), joint, sensitive)
