"""Configuration: validation and proxy modes, policy, defaults, the sentinel, extras."""

from __future__ import annotations

import enum
import importlib
import sys
from dataclasses import dataclass
from typing import Final

import httpx

__all__ = [
    "DEFAULT_TIMEOUT",
    "USE_CLIENT_DEFAULT",
    "Mode",
    "ProxyMode",
    "ValidationMode",
    "ValidationPolicy",
    "ValidateTypes",
    "missing_extra",
    "require_extra",
    "to_policy",
]


class ValidationMode(enum.StrEnum):
    """What a client does with a message that does not match the document."""

    STRICT = "strict"  #: raise
    WARN = "warn"  #: log through ``logging`` and attach the violations to the result
    OFF = "off"  #: do not validate at all


#: The former name of :class:`ValidationMode` (kept as an alias).
Mode = ValidationMode


class ProxyMode(enum.StrEnum):
    """What the validating proxy does with exchanges that do not match the document."""

    REPORT = "report"  #: relay everything, log the violations (checked after relaying)
    ENFORCE = "enforce"  #: answer an invalid request 400 and an invalid upstream answer 502
    OFF = "off"  #: relay only, check nothing


@dataclass(frozen=True, slots=True)
class ValidationPolicy:
    """Separate settings for requests (before sending) and responses (on arrival).

    >>> ValidationPolicy(request="strict", response="warn").response
    <ValidationMode.WARN: 'warn'>
    """

    request: ValidationMode = ValidationMode.STRICT
    response: ValidationMode = ValidationMode.STRICT

    def __init__(
        self,
        request: ValidationMode | str = ValidationMode.STRICT,
        response: ValidationMode | str = ValidationMode.STRICT,
    ):
        object.__setattr__(self, "request", _mode(request))
        object.__setattr__(self, "response", _mode(response))


ValidateTypes = ValidationMode | str | ValidationPolicy


class _UseClientDefault:
    """Sentinel: 'not given on this call, use the client's setting'."""

    _instance: _UseClientDefault | None = None

    def __new__(cls) -> _UseClientDefault:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "USE_CLIENT_DEFAULT"


USE_CLIENT_DEFAULT: Final = _UseClientDefault()
DEFAULT_TIMEOUT: Final = httpx.Timeout(10.0)


def _mode(value: ValidationMode | str) -> ValidationMode:
    try:
        return ValidationMode(value)
    except ValueError:
        raise ValueError(
            f"validation mode {value!r} is not one of 'strict', 'warn', 'off'"
        ) from None


_UNIFORM = {mode: ValidationPolicy(mode, mode) for mode in ValidationMode}


def to_policy(value: ValidateTypes) -> ValidationPolicy:
    """Accept ``"strict" | "warn" | "off"``, a :class:`ValidationMode` or a policy."""
    if isinstance(value, ValidationPolicy):
        return value
    return _UNIFORM[_mode(value)]


#: The modules each optional extra brings (``pip install "logto-dynamic[<extra>]"``).
EXTRAS: Final[dict[str, tuple[str, ...]]] = {
    "proxy": (
        "uvicorn",
        "aiohttp",
        "httptools",
        "prometheus_client",
        *(() if sys.platform == "win32" else ("uvloop",)),
    ),
    "server": ("uvicorn",),
}


def missing_extra(what: str, *extras: str) -> str | None:
    """None when ``extras`` are installed, else one line: what is missing, the pip command.

    ``what`` names what needs them (``"this command"``, ``"the logto_server fixture"``).
    """
    missing = []
    for extra in extras:
        for module in EXTRAS[extra]:
            try:
                importlib.import_module(module)
            except ImportError:
                missing.append(module)
    if not missing:
        return None
    wanted = "all" if len(extras) > 1 else extras[0]
    return (
        f"{what} needs the [{wanted}] extra ({', '.join(dict.fromkeys(missing))} not "
        f'installed): pip install "logto-dynamic[{wanted}]" (from a checkout: '
        f'pip install ".[{wanted}]")'
    )


def require_extra(what: str, *extras: str) -> None:
    """Raise :class:`~logto_dynamic.MissingExtraError` (the :func:`missing_extra` line) when
    ``extras`` are not installed."""
    message = missing_extra(what, *extras)
    if message is not None:
        from logto_dynamic._exceptions import MissingExtraError

        raise MissingExtraError(message)
