"""``logto-dynamic demo``: drive the embedded server through the dynamic client, and report."""

from __future__ import annotations

from collections.abc import Callable

from .._server import ExperienceServer
from ._flows import FLOWS, Account, Outcome, sign_in
from ._runner import describe, run_flow

__all__ = ["run_demo"]

PROXY_TITLE = "the same SignIn through the validating proxy"


def run_demo(echo: Callable[[str], None] = print) -> int:
    """Run every demo flow against a fresh embedded server on loopback; 0 if all went well."""
    from logto_dynamic import Client
    from logto_dynamic._proxy import ValidatingProxy

    from .._uvicorn import serve_app

    server = ExperienceServer()
    account = Account()
    outcomes: list[Outcome] = []

    def report(outcome: Outcome) -> None:
        outcomes.append(outcome)
        echo(describe(outcome))

    results: list[tuple[str, bool]] = []
    with serve_app(server) as base_url:
        echo(f"embedded Logto experience server on {base_url}")
        with Client(base_url) as client:
            for title, flow in FLOWS:
                echo(f"\n== {title}")
                results.append((title, run_flow(client, flow(server, account), report)))
        echo(f"\n== {PROXY_TITLE}")
        proxy = ValidatingProxy(base_url, mode="report")
        with serve_app(proxy) as proxy_url:
            try:
                with Client(proxy_url) as client:
                    echo(f"  proxy on {proxy_url} -> {base_url}")
                    proxied = sign_in(server, account)
                    results.append((PROXY_TITLE, run_flow(client, proxied, report)))
            finally:  # close the proxy's upstream pool on the loop that serves it
                proxy.close_from_thread()
    failed = [title for title, ok in results if not ok]
    ran = len(results)
    echo(
        f"\nsummary: {ran - len(failed)}/{ran} flows as expected, {len(outcomes)} calls, "
        f"{sum(1 for o in outcomes if not o.expected)} unexpected, "
        f"{sum(len(o.violations) for o in outcomes)} violation(s)"
    )
    for title in failed:
        echo(f"  failed: {title}")
    return 1 if failed else 0
