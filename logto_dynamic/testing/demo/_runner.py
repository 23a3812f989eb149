"""Drive the flows of ``_flows`` with a ``Client`` or an ``AsyncClient``.

One sans-I/O driver (``_driver``) runs a flow: it yields what to do with the client and
turns each answer (or :class:`~logto_dynamic.ApiError`) into an :class:`Outcome` for the
report. ``run_flow`` and ``arun_flow`` only perform those effects, the second one awaited.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from functools import partial
from typing import TYPE_CHECKING, Any

from ._flows import Bootstrap, Call, Finish, Flow, Outcome, Step

if TYPE_CHECKING:
    from logto_dynamic import AsyncClient, Client, Result
    from logto_dynamic._oidc._tokens import Tokens

__all__ = ["Report", "arun_flow", "describe", "run_flow"]

Report = Callable[[Outcome], None]
# offline_access + prompt=consent: the consent hop is taken and a refresh token comes too.
_SCOPES = ("openid", "profile", "offline_access")


def _interaction_args(base_url: str, step: Bootstrap) -> dict[str, Any]:
    return {
        "app_id": step.app_id,
        "redirect_uri": base_url + step.redirect_path,
        "scopes": _SCOPES,
        "prompt": "consent",
    }


def _oidc_errors() -> tuple[type[Exception], ...]:
    from logto_dynamic import ApiError, LogtoDynamicError

    return (ApiError, LogtoDynamicError)


def _started(step: Bootstrap, error: Exception | None = None) -> Outcome:
    # The interaction checked the 303 and the six cookies itself, or raised.
    outcome = Outcome(step, "GET", "/oidc/auth", 303 if error is None else 0)
    outcome.error = type(error).__name__ if error is not None else None
    return outcome


def _finished(step: Finish, tokens: Tokens | None, error: Exception | None = None) -> Outcome:
    outcome = Outcome(step, "GET", "/oidc/auth/<uid> .. /oidc/token", 200 if tokens else 0)
    if tokens is not None:  # the subject and expiry only: never a token
        outcome.data = {
            "sub": tokens.subject,
            "expires_at": tokens.expires_at,
            "refresh": tokens.refresh_token is not None,
        }
    outcome.error = type(error).__name__ if error is not None else None
    return outcome


def _from_result(step: Call, result: Result) -> Outcome:
    return Outcome(
        step,
        result.operation.method,
        result.http.request.url.path,
        result.status_code,
        data=result.data,
        violations=result.violations,
        http=result.http,
    )


def _from_error(step: Call, exc: Exception) -> Outcome:
    from logto_dynamic import ApiError, ResponseValidationError

    result = getattr(exc, "result", None)
    if not isinstance(exc, ApiError | ResponseValidationError) or result is None:
        raise exc
    outcome = _from_result(step, result)
    outcome.error = type(exc).__name__
    if isinstance(exc, ApiError):
        outcome.code = exc.code
    else:
        outcome.violations = tuple(exc.violations)
    return outcome


def _call_kwargs(step: Call) -> dict[str, Any]:
    return {"path": step.path, "query": step.query}


def _advance(flow: Flow, outcome: Outcome | None) -> Step | None:
    try:
        return next(flow) if outcome is None else flow.send(outcome)
    except StopIteration:
        return None


#: What the driver asks of a shell: call ``effect(client)`` (awaiting it on an async client)
#: and send back ``(value, None)``, or ``(None, exc)`` if it raised one of ``catch``.
Effect = tuple[Callable[[Any], Any], tuple[type[Exception], ...]]
Driver = Generator[Effect, tuple[Any, Exception | None], bool]


def _bootstrap(args: dict[str, Any], client: Any) -> Any:
    client.http.cookies.clear()  # a fresh interaction: new cookies
    return client.interaction(**args)


def _complete(interaction: Any, redirect_to: str | None, client: Any) -> Any:
    return interaction.complete(redirect_to)


def _call(step: Call, client: Any) -> Any:
    return client.call(step.operation, step.body, **_call_kwargs(step))


def _driver(base_url: str, flow: Flow, report: Report) -> Driver:
    """The one runner of a flow, sans I/O: it yields what to do with the client."""
    from logto_dynamic import ApiError, ResponseValidationError

    calls = (ApiError, ResponseValidationError)
    interaction: Any = None
    step = _advance(flow, None)
    while step is not None:
        outcome: Outcome
        if isinstance(step, Bootstrap):
            args = _interaction_args(base_url, step)
            started, error = yield partial(_bootstrap, args), _oidc_errors()
            interaction = started if error is None else interaction
            outcome = _started(step, error)
        elif isinstance(step, Finish):
            assert interaction is not None, "Finish before Bootstrap"
            tokens, error = yield partial(_complete, interaction, step.redirect_to), _oidc_errors()
            outcome = _finished(step, tokens, error)
        else:
            result, error = yield partial(_call, step), calls
            outcome = _from_result(step, result) if error is None else _from_error(step, error)
        report(outcome)
        if not outcome.expected:
            flow.close()
            return False
        step = _advance(flow, outcome)
    return True


def run_flow(client: Client, flow: Flow, report: Report) -> bool:
    """Run ``flow`` through ``client``; True if every step went as expected."""
    driver = _driver(client.base_url, flow, report)
    sent: tuple[Any, Exception | None] | None = None
    while True:
        try:
            effect, catch = driver.send(sent) if sent is not None else next(driver)
        except StopIteration as stop:
            return bool(stop.value)
        try:
            sent = (effect(client), None)
        except catch as exc:
            sent = (None, exc)


async def arun_flow(client: AsyncClient, flow: Flow, report: Report) -> bool:
    """:func:`run_flow` on an ``AsyncClient``: the same driver, awaited."""
    driver = _driver(client.base_url, flow, report)
    sent: tuple[Any, Exception | None] | None = None
    while True:
        try:
            effect, catch = driver.send(sent) if sent is not None else next(driver)
        except StopIteration as stop:
            return bool(stop.value)
        try:
            sent = (await effect(client), None)
        except catch as exc:
            sent = (None, exc)


def describe(outcome: Outcome) -> str:
    """One report line: verdict, operation, method, path, status, error code, validation.

    Bodies are never shown (they hold verification ids, secrets and codes).
    """
    verdict = "ok  " if outcome.expected else "FAIL"
    status = str(outcome.status)
    if outcome.code:
        status += f" {outcome.code}"
    if outcome.error:
        status += f" ({outcome.error})"
    if isinstance(outcome.step, Bootstrap):
        check = "303 + cookies"
    elif isinstance(outcome.step, Finish):
        check = _tokens_check(outcome)
    elif outcome.violations:
        check = "violations: " + "; ".join(str(v) for v in outcome.violations[:3])
    else:
        check = "valid"
    where = f"{outcome.method:<4} {outcome.path}"
    return f"  {verdict} {outcome.operation:<38} {where} -> {status} [{check}]"


def _tokens_check(outcome: Outcome) -> str:
    if not isinstance(outcome.data, dict):
        return "no tokens"
    expires = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(outcome.data["expires_at"]))
    refresh = ", refresh token" if outcome.data.get("refresh") else ""
    return f"ID token verified: sub={outcome.data['sub']}, expires {expires}{refresh}"
