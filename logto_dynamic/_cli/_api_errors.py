"""One line for an error answer of Logto: its code, message, ``data`` compactly, and a hint.

``password.rejected`` with ``data: [{"code": "password_rejected.too_short", "interpolation":
{"min": 8}}]`` reads ``... password.rejected: <message> [password_rejected.too_short (min:
8)]``. Values that may be secret are blanked by the caller's scrubber, as for any line.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HINTS", "api_error_line", "compact_data"]

#: What a code means for someone calling from the shell, where Logto's message does not say.
HINTS = {
    "session.not_found": "no interaction: start one with the OIDC authorization request "
    "(GET /oidc/auth?client_id=...&redirect_uri=...&response_type=code&code_challenge=...) "
    "and send its cookies (--cookie-jar)",
}
_LIMIT = 300


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def _pairs(mapping: dict[str, Any]) -> str:
    parts = []
    for key, value in mapping.items():
        if _scalar(value):
            parts.append(f"{key}: {value}")
        elif isinstance(value, list) and all(_scalar(v) for v in value):
            parts.append(f"{key}: {', '.join(map(str, value))}")
    return ", ".join(parts)


def _item(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item) if _scalar(item) else ""
    code = item.get("code")
    if "path" in item and isinstance(item["path"], list):  # a guard issue: where, and what
        where = ".".join(map(str, item["path"])) or "$"
        return f"{where}: {code}" if code else where
    extra = item.get("interpolation")
    detail = _pairs(extra) if isinstance(extra, dict) else ""
    text = str(code) if code else _pairs(item)
    return f"{text} ({detail})" if detail else text


def compact_data(data: Any) -> str:
    """Logto's ``data`` in a few words (``""`` when there is nothing worth a line)."""
    if isinstance(data, list):
        text = "; ".join(filter(None, map(_item, data)))
    elif isinstance(data, dict):
        issues = data.get("issues")
        text = "; ".join(filter(None, map(_item, issues))) if isinstance(issues, list) else ""
        text = text or _pairs(data)
    else:
        text = ""
    return text if len(text) <= _LIMIT else text[: _LIMIT - 3] + "..."


def api_error_line(
    operation_id: str, status: int, code: str | None, message: str | None, data: Any
) -> str:
    """``OP failed with HTTP 422 password.rejected: message [data]; hint: ...``."""
    line = f"{operation_id} failed with HTTP {status}" + (f" {code}" if code else "")
    line += f": {message}" if message else ""
    extra = compact_data(data)
    line += f" [{extra}]" if extra else ""
    hint = HINTS.get(code or "")
    return line + (f"; hint: {hint}" if hint else "")
