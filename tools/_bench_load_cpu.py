"""CPU time of the load generator per completed sign-in: LogtoUser vs a bare httpx script.

    python tools/_bench_load_cpu.py BASE_URL USERNAME PASSWORD ROUNDS PER_ROUND

Run by ``tools/bench_load.py`` in a process of its own (it imports Locust, which patches the
process for gevent; both variants run in that same patched process, so they pay alike). The
variants take turns (A B A B ...), each round ``PER_ROUND`` sequential sign-ins against the
server at BASE_URL (another process); the CPU time is this process's (``time.process_time``),
so the server's work is not in it. Prints one JSON object: per variant, the CPU seconds per
sign-in of every round.

- ``logto_user``: ``LogtoUser.sign_in()`` of a user in a Locust ``Environment`` with a local
  runner: every exchange validated (requests and answers against the document, the ID token's
  signature and claims) and recorded in Locust's statistics, as in a real run.
- ``bare_httpx``: the same HTTP exchanges with httpx alone: no validation, no ID token check,
  no statistics (what a hand-written script does).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import sys
import time
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from locust import constant, task
from locust.env import Environment

from logto_dynamic.load import LogtoUser

APP_ID = "demo-app"


def bare_sign_in(http: httpx.Client, base: str, username: str, password: str) -> str:
    """The sign-in's exchanges with httpx only; the access token."""
    redirect_uri = f"{base}/demo-app"
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "client_id": APP_ID,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": "openid profile offline_access",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge.decode().rstrip("="),
        "code_challenge_method": "S256",
        "prompt": "login consent",
    }
    http.cookies.clear()
    http.get(f"{base}/oidc/auth", params=params)
    http.put(f"{base}/api/experience", json={"interactionEvent": "SignIn"})
    identifier = {"type": "username", "value": username}
    verification = http.post(
        f"{base}/api/experience/verification/password",
        json={"identifier": identifier, "password": password},
    ).json()["verificationId"]
    http.post(f"{base}/api/experience/identification", json={"verificationId": verification})
    submitted = http.post(f"{base}/api/experience/submit").json()["redirectTo"]
    target = urljoin(base, submitted)
    while not target.startswith(redirect_uri):
        target = urljoin(target, http.get(target).headers["location"])
    code = parse_qs(urlsplit(target).query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
        "client_id": APP_ID,
    }
    return str(http.post(f"{base}/oidc/token", data=form).json()["access_token"])


def main() -> None:
    base, username, password = sys.argv[1], sys.argv[2], sys.argv[3]
    rounds, per_round = int(sys.argv[4]), int(sys.argv[5])

    class Bench(LogtoUser):
        host = base
        wait_time = constant(0)

        @task
        def sign_in_only(self) -> None:  # pragma: no cover - never scheduled here
            self.sign_in()

    environment = Environment(user_classes=[Bench], host=base)
    environment.create_local_runner()
    user = Bench(environment)
    from logto_dynamic.load import Account

    user._account = Account(username, password)
    http = httpx.Client(timeout=30)
    user.sign_in()  # warm up both: discovery, JWKS, validators, connections
    bare_sign_in(http, base, username, password)

    def logto_user() -> None:
        user.sign_in()

    def bare() -> None:
        bare_sign_in(http, base, username, password)

    results: dict[str, list[float]] = {"logto_user": [], "bare_httpx": []}
    wall: dict[str, list[float]] = {"logto_user": [], "bare_httpx": []}
    for _ in range(rounds):
        for name, run in (("logto_user", logto_user), ("bare_httpx", bare)):
            cpu, start = time.process_time(), time.perf_counter()
            for _ in range(per_round):
                run()
            results[name].append((time.process_time() - cpu) / per_round)
            wall[name].append((time.perf_counter() - start) / per_round)
    stats = environment.stats.total
    out: dict[str, Any] = {
        "cpu_per_sign_in": results,
        "wall_per_sign_in": wall,
        "locust_requests": stats.num_requests,
        "locust_failures": stats.num_failures,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
