"""An embedded, Logto-like Experience API server for tests and demos.

>>> from logto_dynamic.testing import ExperienceServer, SignInExperience, serve_app
>>> server = ExperienceServer(SignInExperience(mfa_factors=("Totp",)))

It completes OIDC as Logto 1.42 does (PKCE S256, code redirect with ``state`` and ``iss``,
the consent hop, discovery, an ES384 JWKS, the token endpoint, ``/oidc/me``), gives
machine-to-machine apps client-credentials tokens and serves enough of the Management API to
arrange any test (users, applications, API resources, roles, organizations, the sign-in
experience: ``management/``). For pytest, the ``logto_server``, ``logto_user``,
``logto_tokens`` and ``logto_management`` fixtures come with the package
(``logto_dynamic.pytest_plugin``); ``running_server()`` gives the same handle without pytest.

The Experience API answers as Logto 1.42 does for its 37 operations (``_server`` lists the
order of checks; the rooms ``inbound/`` and ``experience/`` say what each part answers).
Deliberate simplifications: the TOTP QR code is a 1x1 PNG; WebAuthn, passkeys and the
social/SSO connectors are mocks that never verify.

The Account API (``/api/my-account/**``, ``/api/verifications/**``) is served by the
``account`` room as Logto 1.42 serves it; its account center is off until enabled
(``logto_server.account_center(...)`` or ``PATCH /api/account-center``).
"""

from __future__ import annotations

from ._errors import LogtoError
from ._harness import LogtoTestServer, running_server
from ._server import ExperienceServer, create_app
from ._state import Delivery, Outbox, SignInExperience, User
from ._uvicorn import serve_app
from .experience._policy import password_issues
from .experience._totp import hotp, new_totp_secret, totp, verify_totp
from .oidc._apps import OidcApp
from .oidc._m2m import M2MApp

__all__ = [
    "Delivery",
    "ExperienceServer",
    "LogtoError",
    "LogtoTestServer",
    "M2MApp",
    "OidcApp",
    "Outbox",
    "SignInExperience",
    "User",
    "create_app",
    "hotp",
    "new_totp_secret",
    "password_issues",
    "running_server",
    "serve_app",
    "totp",
    "verify_totp",
]
