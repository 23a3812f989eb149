"""Helpers shared by the test files (constants, the reference-file lookup, a cookie jar seed).

Test files import them from here (``from _support import ...``); ``conftest.py`` holds only
fixtures and hooks.
"""

from __future__ import annotations

import http.cookiejar
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

SEED_USER = ("alice", "Ap9!rainbow-Quartz")

#: The sibling ``shared`` folder (``LOGTO_SHARED_DIR`` overrides it).
SHARED_DIR = Path(
    os.environ.get("LOGTO_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared"
)
REFERENCE_DIR = SHARED_DIR / "reference"
#: Every skip for a missing reference file starts with this, so it can be found and refused.
MISSING_REFERENCE = "shared reference file absent:"
EXPERIENCE_142 = "logto-1.42.0-experience.openapi.json"
MANAGEMENT_142 = "logto-1.42.0-management.openapi.json"


def reference_file(name: str) -> Path:
    """The path of ``shared/reference/<name>``; skips the calling test when it is absent."""
    path = REFERENCE_DIR / name
    if not path.is_file():
        pytest.skip(f"{MISSING_REFERENCE} {path} (set LOGTO_SHARED_DIR to its folder)")
    return path


# PKCE pair of RFC 7636 appendix B; the redirect URI is the default demo-app's on http://testserver.
CODE_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
AUTH_QUERY = {
    "client_id": "demo-app",
    "redirect_uri": "http://testserver/demo-app",
    "response_type": "code",
    "scope": "openid",
    "state": "st4te",
    "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGyTtHTusM",
    "code_challenge_method": "S256",
}


def auth_query(base_url: str) -> dict[str, str]:
    """``AUTH_QUERY`` for a server at ``base_url`` (its registered ``{base}/demo-app``)."""
    return {**AUTH_QUERY, "redirect_uri": f"{base_url}/demo-app"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def seed_jar(base_url: str, path: Path) -> int:
    """Start an OIDC interaction with the standard library alone (as a browser or ``curl -c``
    would) and save its cookies in Mozilla format: ``call --cookie-jar`` takes it from there."""
    jar = http.cookiejar.MozillaCookieJar(str(path))
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    query = urllib.parse.urlencode(auth_query(base_url))
    with pytest.raises(urllib.error.HTTPError) as answer:  # the 303 is not followed
        opener.open(f"{base_url}/oidc/auth?{query}")
    assert answer.value.code == 303
    answer.value.close()
    jar.save(ignore_discard=True, ignore_expires=True)
    return len(jar)
