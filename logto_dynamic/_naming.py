"""Forgiving operation names: PascalCase, camelCase, snake_case and kebab-case agree."""

from __future__ import annotations

__all__ = ["normalize_name", "snake_case"]

_SEPARATORS = str.maketrans("", "", "_- .")


def normalize_name(name: str) -> str:
    """The key under which every spelling of an operation name meets.

    ``IdentifyUser``, ``identifyUser``, ``identify_user`` and ``identify-user`` all give
    ``identifyuser``.
    """
    return name.translate(_SEPARATORS).casefold()


def snake_case(name: str) -> str:
    """``CreateTotpSecret`` → ``create_totp_secret`` (for display only)."""
    out: list[str] = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and (not name[i - 1].isupper() or (
            i + 1 < len(name) and name[i + 1].islower()
        )):
            out.append("_")
        out.append(ch.lower())
    return "".join(out).replace("-", "_")
