"""Drive the flows of ``_flows`` with a ``Client`` or an ``AsyncClient``.

Both drivers share everything but the ``await``: building the bootstrap request, turning an
answer (or an :class:`~logto_dynamic.ApiError`) into an :class:`Outcome`, and the report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._flows import Bootstrap, Call, Flow, Outcome, Step

if TYPE_CHECKING:
    import httpx

    from logto_dynamic import AsyncClient, Client, Result

__all__ = ["Report", "arun_flow", "describe", "run_flow"]

Report = Callable[[Outcome], None]


def _bootstrap_args(base_url: str, step: Bootstrap) -> dict[str, Any]:
    return {
        "url": f"{base_url}/oidc/auth",
        "params": {
            "client_id": step.app_id,
            "redirect_uri": base_url + step.redirect_path,
            "response_type": "code",
            "scope": "openid",
            "state": "demo-state",
            "prompt": "consent",
            # A fixed PKCE challenge (RFC 7636 appendix B): these flows never redeem the code.
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGyTtHTusM",
            "code_challenge_method": "S256",
        },
    }


def _from_response(step: Bootstrap, response: httpx.Response) -> Outcome:
    return Outcome(step, "GET", "/oidc/auth", response.status_code, http=response)


def _from_result(step: Call, result: Result) -> Outcome:
    return Outcome(
        step, result.operation.method, result.http.request.url.path, result.status_code,
        data=result.data, violations=result.violations, http=result.http,
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


def run_flow(client: Client, flow: Flow, report: Report) -> bool:
    """Run ``flow`` through ``client``; True if every step went as expected."""
    from logto_dynamic import ApiError, ResponseValidationError

    step = _advance(flow, None)
    while step is not None:
        if isinstance(step, Bootstrap):
            client.http.cookies.clear()
            response = client.http.get(**_bootstrap_args(client.base_url, step))
            outcome = _from_response(step, response)
        else:
            try:
                result = client.call(step.operation, step.body, **_call_kwargs(step))
                outcome = _from_result(step, result)
            except (ApiError, ResponseValidationError) as exc:
                outcome = _from_error(step, exc)
        report(outcome)
        if not outcome.expected:
            flow.close()
            return False
        step = _advance(flow, outcome)
    return True


async def arun_flow(client: AsyncClient, flow: Flow, report: Report) -> bool:
    """The asyncio twin of :func:`run_flow`."""
    from logto_dynamic import ApiError, ResponseValidationError

    step = _advance(flow, None)
    while step is not None:
        if isinstance(step, Bootstrap):
            client.http.cookies.clear()
            response = await client.http.get(**_bootstrap_args(client.base_url, step))
            outcome = _from_response(step, response)
        else:
            try:
                result = await client.call(step.operation, step.body, **_call_kwargs(step))
                outcome = _from_result(step, result)
            except (ApiError, ResponseValidationError) as exc:
                outcome = _from_error(step, exc)
        report(outcome)
        if not outcome.expected:
            flow.close()
            return False
        step = _advance(flow, outcome)
    return True


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
    elif outcome.violations:
        check = "violations: " + "; ".join(str(v) for v in outcome.violations[:3])
    else:
        check = "valid"
    where = f"{outcome.method:<4} {outcome.path}"
    return f"  {verdict} {outcome.operation:<38} {where} -> {status} [{check}]"
