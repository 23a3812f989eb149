"""Logto 1.42's password policy checker (``@logto/core-kit``'s ``PasswordPolicyChecker``), for
``POST /api/sign-in-exp/default/check-password``.

Lengths count UTF-16 code units, as JavaScript does. The "pwned" check is the one Logto makes in
integration-test mode (two known passwords), so no password leaves the machine. Repetition,
sequence, words and user information mark the characters they cover; they are reported only
when more than all but three characters are covered.
"""

from __future__ import annotations

from typing import Any

__all__ = ["password_policy_issues"]

_SYMBOLS = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "
_SEQUENCES = (
    "0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm",
    "1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik", "9ol",
)  # fmt: skip
_SEQUENCE_FORMS = tuple(
    form for seq in _SEQUENCES for form in (seq, seq[::-1], seq.upper(), seq[::-1].upper())
)
_THRESHOLD = 3  # repetition and sequence shorter than this are not flagged
_TOLERANCE = 3  # this many characters outside restricted phrases make a password acceptable
#: Logto's pwned list in integration-test mode (the real check asks an online service).
_PWNED = ("123456aA", "test_password")


def _policy(stored: dict[str, Any]) -> dict[str, Any]:
    """``passwordPolicyGuard.parse``: the stored (partial) policy with Logto's defaults."""
    length = stored.get("length") or {}
    rejects = stored.get("rejects") or {}
    return {
        "min": length.get("min", 8),
        "max": length.get("max", 256),
        "types": (stored.get("characterTypes") or {}).get("min", 1),
        "pwned": rejects.get("pwned", True),
        "repetition_and_sequence": rejects.get("repetitionAndSequence", True),
        "user_info": rejects.get("userInfo", True),
        "words": list(rejects.get("words", [])),
    }


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fast(password: str, policy: dict[str, Any]) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    if _units(password) < policy["min"]:
        issues.append(
            {"code": "password_rejected.too_short", "interpolation": {"min": policy["min"]}}
        )
    elif _units(password) > policy["max"]:
        issues.append(
            {"code": "password_rejected.too_long", "interpolation": {"max": policy["max"]}}
        )
    kinds: set[str] = set()
    for char in password:
        kind = (
            "lower" if "a" <= char <= "z" else
            "upper" if "A" <= char <= "Z" else
            "digit" if "0" <= char <= "9" else
            "symbol" if char in _SYMBOLS else None
        )  # fmt: skip
        if kind is None:
            issues.append({"code": "password_rejected.unsupported_characters"})
            return issues
        kinds.add(kind)
    if len(kinds) < policy["types"]:
        code = "password_rejected.character_types"
        issues.append({"code": code, "interpolation": {"min": policy["types"]}})
    return issues


def _repetition(text: str) -> int:
    run = len(text) - len(text.lstrip(text[0])) if text else 0
    return run if run >= _THRESHOLD else 0


def _sequence(text: str) -> int:
    value = ""
    for char in text:
        if value and not any(value + char in form for form in _SEQUENCE_FORMS):
            break
        value += char
    return len(value) if len(value) >= _THRESHOLD else 0


def _user_info(text: str, info: dict[str, str]) -> int:
    lowered, found = text.lower(), 0
    name = info.get("name")
    if name:
        if lowered.startswith(name.lower()):
            found = len(name)
        else:
            joined = "".join(name.split())
            candidates = [joined, *name.split(" ")]
            found = max((len(c) for c in candidates if lowered.startswith(c.lower())), default=0)
    username, email, phone = info.get("username"), info.get("email"), info.get("phoneNumber")
    if username and lowered.startswith(username.lower()):
        found = max(found, len(username))
    prefix = email.split("@")[0] if email else ""
    if prefix and lowered.startswith(prefix.lower()):
        found = max(found, len(prefix))
    if phone and lowered.startswith(phone):
        found = max(found, len(phone))
    return found


def password_policy_issues(
    password: str, stored_policy: dict[str, Any], user_info: dict[str, str] | None
) -> list[dict[str, Any]]:
    """``PasswordPolicyChecker.check``: the issues (empty: acceptable). Raises ``TypeError``
    when the policy rejects user information and ``user_info`` is None (Logto's 400)."""
    policy = _policy(stored_policy)
    issues = _fast(password, policy)
    if policy["pwned"] and password in _PWNED:
        issues.append({"code": "password_rejected.pwned"})
    covered = [False] * len(password)
    codes: list[str] = []

    def mark(start: int, length: int, code: str) -> None:
        length = min(length, len(password) - start)
        if length > 0:
            covered[start : start + length] = [True] * length
            codes.extend([code] if code not in codes else [])

    for index in range(len(password)):
        rest = password[index:]
        if policy["repetition_and_sequence"]:
            mark(index, _repetition(rest), "restricted.repetition")
            mark(index, _sequence(rest), "restricted.sequence")
        if policy["words"]:
            words = [w for w in policy["words"] if rest.lower().startswith(w.lower())]
            mark(index, max((len(w) for w in words), default=0), "restricted.words")
        if policy["user_info"]:
            if user_info is None:
                raise TypeError("User information data is required to check user information.")
            mark(index, _user_info(rest, user_info), "restricted.user_info")
    if sum(covered) > max(1, len(password) - _TOLERANCE):
        issues += [{"code": f"password_rejected.{code}"} for code in codes]
    return issues
