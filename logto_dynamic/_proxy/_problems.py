"""The proxy's own answers: RFC 9457 ``application/problem+json`` bodies.

Every answer the proxy makes up (rather than relays) is built here, so each failure has one
status, one ``type`` and one wording.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from logto_dynamic._types import Send

__all__ = [
    "PROBLEM_BASE",
    "Problem",
    "headers_too_large",
    "request_invalid",
    "request_too_large",
    "request_unchecked",
    "response_invalid",
    "response_too_large",
    "response_unchecked",
    "send_problem",
    "target_refused",
    "upstream_problem",
]

PROBLEM_BASE = "urn:logto-dynamic:problem:"


@dataclass(frozen=True)
class Problem:
    """One made-up answer: status, kind (the ``type`` suffix and the log action), text."""

    status: int
    kind: str
    title: str
    detail: str
    violations: list[dict[str, Any]] | None = field(default=None)
    #: Close the connection after the answer (the request's body was left unread).
    close: bool = False

    def body(self) -> bytes:
        """The JSON body."""
        problem: dict[str, Any] = {
            "type": PROBLEM_BASE + self.kind,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.violations is not None:
            problem["violations"] = self.violations
        return json.dumps(problem).encode()


async def send_problem(send: Send, problem: Problem) -> None:
    """Send ``problem`` as the whole answer."""
    body = problem.body()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if problem.close:  # the server then closes once the answer is out
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def upstream_problem(kind: str, error: str, timeout: float, *, reading: bool = False) -> Problem:
    """The answer when the upstream failed: 504 on a timeout, 502 otherwise.

    ``kind`` is an :func:`~logto_dynamic._proxy._upstream.error_kind`; ``error`` the name of
    the exception (never its text: it may hold a URL or bytes of the exchange).
    """
    if kind == "timeout":
        return Problem(
            504,
            "upstream-timeout",
            "Upstream timed out",
            f"no answer from the upstream within {timeout} s",
        )
    if reading:
        return Problem(
            502,
            "upstream-unreachable",
            "Upstream failed",
            f"the upstream answer could not be read ({error})",
        )
    return Problem(
        502,
        "upstream-unreachable",
        "Upstream unreachable",
        f"the upstream could not be reached ({error})",
    )


def request_too_large(limit: int) -> Problem:
    """413: the request body is over ``max_request_body``."""
    return Problem(
        413,
        "request-too-large",
        "Request body too large",
        f"the proxy accepts request bodies of at most {limit} bytes",
        close=True,  # the rest of the body is not read: the connection cannot be reused
    )


def headers_too_large(limit: int) -> Problem:
    """431: the request header block is over ``max_header_bytes``."""
    return Problem(
        431,
        "headers-too-large",
        "Request header fields too large",
        f"the proxy accepts request headers of at most {limit} bytes",
    )


def target_refused() -> Problem:
    """400: an absolute-form target or CONNECT."""
    return Problem(
        400,
        "target-refused",
        "Request target refused",
        "only origin-form targets (/path) are proxied to the configured upstream; "
        "absolute-form targets and CONNECT are refused",
    )


def response_too_large(size: str, limit: int) -> Problem:
    """502: the upstream answer is over ``max_response_body``."""
    return Problem(
        502,
        "response-too-large",
        "Upstream response too large",
        f"the upstream answer has {size} bytes; the proxy relays at most {limit}",
    )


def request_invalid(operation: str | None, violations: list[dict[str, Any]]) -> Problem:
    """400: enforce mode refused the request."""
    return Problem(
        400,
        "request-invalid",
        "Request does not match the API document",
        f"{len(violations)} violation(s) of {operation or 'the API document'}",
        violations,
    )


def response_invalid(upstream_status: int, violations: list[dict[str, Any]]) -> Problem:
    """502: enforce mode refused the upstream answer."""
    return Problem(
        502,
        "response-invalid",
        "Upstream response does not match the API document",
        f"the upstream answered {upstream_status} with {len(violations)} violation(s)",
        violations,
    )


def request_unchecked(status: int, reason: str) -> Problem:
    """413 or 400: enforce mode refused a request it cannot check (fail closed)."""
    return Problem(
        status,
        "request-unchecked",
        "Request cannot be checked",
        f"enforce mode relays only what it checked: the request {reason}",
    )


def response_unchecked(upstream_status: int, reason: str) -> Problem:
    """502: enforce mode refused an upstream answer it cannot check (fail closed)."""
    return Problem(
        502,
        "response-unchecked",
        "Upstream response cannot be checked",
        f"the upstream answered {upstream_status}; enforce mode relays only what it "
        f"checked, and {reason}",
    )
