"""Schema ``pattern``s, run with a time guard.

Patterns come from the document, and documents come from URLs and servers: a pattern such as
``^(a|aa)+$`` backtracks for ever on a few dozen characters in Python's ``re``. Every
``pattern`` and ``patternProperties`` check (jsonschema's and the fastjsonschema fast path's)
runs here instead, on the ``regex`` engine (``re``-compatible, so the ECMA-262 reading of
:func:`~._schema.ecma_pattern` holds) with a timeout: a pattern that takes longer than
:data:`PATTERN_TIMEOUT` seconds on a value is a ``pattern-timeout`` violation, never a hang.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

__all__ = ["PATTERN_TIMEOUT", "PatternTimeout", "guard_fast", "guarded_validator", "search"]

#: The longest one pattern may run on one value, in seconds.
PATTERN_TIMEOUT = 0.1


class PatternTimeout(Exception):
    """A pattern ran out of time on a value."""


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any:
    import regex

    return regex.compile(pattern)


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches somewhere in ``text``; PatternTimeout if it runs too long."""
    try:
        return _compiled(pattern).search(text, timeout=PATTERN_TIMEOUT) is not None
    except TimeoutError:
        raise PatternTimeout(pattern) from None


class _Guarded:
    """What fastjsonschema's generated code calls on a compiled pattern, guarded."""

    __slots__ = ("pattern",)

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def search(self, text: str) -> bool:
        return search(self.pattern, text)


def guard_fast(validate: Any) -> Any:
    """Route the patterns of a fastjsonschema function through :func:`search` (in place).

    A timeout raises :class:`PatternTimeout`: the fast path then says "ask the full check",
    which reports it.
    """
    inner = getattr(validate, "func", validate)  # fastjsonschema returns a functools.partial
    patterns = getattr(inner, "__globals__", {}).get("REGEX_PATTERNS")
    if isinstance(patterns, dict):
        for key, compiled in list(patterns.items()):
            patterns[key] = _Guarded(str(getattr(compiled, "pattern", key)))
    return validate


def _pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterator[Any]:
    """jsonschema's ``pattern`` keyword on :func:`search`."""
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "string") or not isinstance(pattern, str):
        return
    try:
        found = search(pattern, instance)
    except PatternTimeout:
        yield _timeout("the pattern")
        return
    if not found:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _timeout(what: str) -> Any:
    from jsonschema.exceptions import ValidationError

    message = f"{what} took over {PATTERN_TIMEOUT} s on this value: not checked"
    return ValidationError(message, validator="pattern-timeout")


def _matching(patterns: Any, key: str) -> list[str] | None:
    """The patterns matching ``key``; None when one ran out of time."""
    try:
        return [p for p in patterns if isinstance(p, str) and search(p, key)]
    except PatternTimeout:
        return None


def _pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Any:
    """``patternProperties`` on :func:`search` (the keys are the value's: untrusted)."""
    if not validator.is_type(instance, "object") or not isinstance(patterns, dict):
        return
    for key, value in instance.items():
        matching = _matching(patterns, key)
        if matching is None:
            yield _timeout("a patternProperties pattern")
            continue
        for pattern in matching:
            yield from validator.descend(value, patterns[pattern], path=key, schema_path=pattern)


def _additional_properties(base: Any) -> Any:
    """``additionalProperties``: jsonschema's, except beside ``patternProperties``."""
    original = base.VALIDATORS["additionalProperties"]

    def check(validator: Any, additional: Any, instance: Any, schema: Any) -> Any:
        patterns = schema.get("patternProperties")
        if not isinstance(patterns, dict) or not validator.is_type(instance, "object"):
            yield from original(validator, additional, instance, schema)
            return
        from jsonschema.exceptions import ValidationError

        known = schema.get("properties") or {}
        extras = []
        for key in instance:
            if key in known:
                continue
            matching = _matching(patterns, key)
            if matching is None:
                yield _timeout("a patternProperties pattern")
                return
            if not matching:
                extras.append(key)
        if validator.is_type(additional, "object"):
            for key in extras:
                yield from validator.descend(instance[key], additional, path=key)
        elif additional is False and extras:
            names = ", ".join(repr(k) for k in sorted(extras))
            yield ValidationError(f"{names}: not allowed (matched by no property or pattern)")

    return check


@functools.cache
def guarded_validator(oas30: bool) -> Any:
    """Draft 4 (OAS 3.0) or 2020-12 (OAS 3.1) jsonschema validator with guarded patterns."""
    from jsonschema import Draft4Validator, Draft202012Validator, validators

    base: Any = Draft4Validator if oas30 else Draft202012Validator
    keywords = {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties(base),
    }
    return validators.extend(base, keywords)  # type: ignore[no-untyped-call]
