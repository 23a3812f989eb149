"""Logto's default password policy, reduced to the checks the embedded server reports."""

from __future__ import annotations

from typing import Any

__all__ = ["password_issues"]

_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_RUN = 3  # this many sequential or repeated characters are rejected


def _has_sequence(password: str) -> bool:
    lowered = password.lower()
    for i in range(len(lowered) - _RUN + 1):
        chunk = lowered[i : i + _RUN]
        if any(chunk in seq or chunk[::-1] in seq for seq in _SEQUENCES):
            return True
    return False


def _has_repetition(password: str) -> bool:
    return any(len(set(password[i : i + _RUN])) == 1 for i in range(len(password) - _RUN + 1))


def password_issues(password: str, *, min_length: int = 8) -> list[dict[str, Any]]:
    """The ``password.rejected`` data list for ``password`` (empty when it is acceptable).

    >>> [issue["code"] for issue in password_issues("123")]
    ['password_rejected.too_short', 'password_rejected.restricted.sequence']
    """
    issues: list[dict[str, Any]] = []
    if len(password) < min_length:
        issues.append({"code": "password_rejected.too_short", "interpolation": {"min": min_length}})
    if _has_repetition(password):
        issues.append({"code": "password_rejected.restricted.repetition"})
    if _has_sequence(password):
        issues.append({"code": "password_rejected.restricted.sequence"})
    return issues
