"""logto_dynamic: a dynamic, validating client for the Logto Experience API.

It loads an OpenAPI document at runtime (the bundled Logto Experience API document by
default), builds callables by operationId and validates every request before it leaves and
every response when it arrives, with plain JSON in and out.

Against the embedded Logto-like server (the ``server`` extra; for a real Logto, pass its
base URL and one of its apps instead)::

>>> from logto_dynamic import Client
>>> from logto_dynamic.testing import running_server
>>> with running_server() as server, Client(server.base_url) as client:
...     # an interaction first: the OIDC authorization request sets its cookies
...     interaction = client.interaction("demo-app", server.redirect_uri)
...     client.call("InitInteraction", {"interactionEvent": "SignIn"}).status_code
204

The guides are the README and the documentation site (``docs/``; ``zensical build``).
"""

import typing as _typing

from logto_dynamic.__version__ import __version__
from logto_dynamic._client import AsyncClient, Client, Operations
from logto_dynamic._client_core import CallOptions
from logto_dynamic._config import (
    DEFAULT_TIMEOUT,
    USE_CLIENT_DEFAULT,
    Mode,
    ProxyMode,
    ValidationMode,
    ValidationPolicy,
)
from logto_dynamic._document._dialect_report import NormalizationReport
from logto_dynamic._document._lint import LintReport
from logto_dynamic._document._operations import Operation, Parameter, ResponseSpec
from logto_dynamic._exceptions import (
    AccountCenterDisabledError,
    AccountFieldError,
    AmbiguousOperationError,
    ApiError,
    AuthorizationError,
    BadRequestError,
    ConflictError,
    ConnectError,
    ConsentRequiredError,
    DuplicateOperationError,
    ForbiddenError,
    LoginRequired,
    LogtoDynamicError,
    MfaBindingRequired,
    MfaRequired,
    MfaSuggested,
    MissingExtraError,
    MissingScopeError,
    NotFoundError,
    OidcError,
    PaginationError,
    QuarantinedOperationError,
    RateLimitError,
    RequestTimeoutError,
    RequestValidationError,
    ResponseValidationError,
    ServerError,
    SpecError,
    SpecLoadError,
    StateMismatchError,
    TokenRequestError,
    TokenVerificationError,
    TransportError,
    UnauthorizedError,
    UnknownOperationError,
    UnprocessableEntityError,
    ValidationError,
    VerificationRequiredError,
)
from logto_dynamic._results import Result
from logto_dynamic._spec import Spec, diff_specs, load_spec
from logto_dynamic._validation._violations import Violation

if _typing.TYPE_CHECKING:
    from logto_dynamic._apis._account import AccountClient, AsyncAccountClient
    from logto_dynamic._apis._account_core import VerificationRecord
    from logto_dynamic._apis._account_scopes import ACCOUNT_SCOPES, account_scopes
    from logto_dynamic._apis._management import AsyncManagementClient, ManagementClient
    from logto_dynamic._document._diff import Change, SpecDiff
    from logto_dynamic._oidc._m2m import M2MAuth
    from logto_dynamic._oidc._tokens import Tokens
    from logto_dynamic._oidc._verifier import AccessTokenVerifier
    from logto_dynamic._proxy import ValidatingProxy
    from logto_dynamic._signin._async import AsyncInteraction
    from logto_dynamic._signin._flows import Registration
    from logto_dynamic._signin._steps import BackupCodes, TotpSecret
    from logto_dynamic._signin._sync import Interaction
    from logto_dynamic._signin._totp import Totp
    from logto_dynamic._traffic._validator import TrafficReport, TrafficValidator

# Loaded on first use, so that `import logto_dynamic` stays light (the proxy pulls in asyncio).
_LAZY = {
    "AsyncInteraction": "logto_dynamic._signin._async",
    "Interaction": "logto_dynamic._signin._sync",
    "Registration": "logto_dynamic._signin._flows",
    "BackupCodes": "logto_dynamic._signin._steps",
    "TotpSecret": "logto_dynamic._signin._steps",
    "Change": "logto_dynamic._document._diff",
    "SpecDiff": "logto_dynamic._document._diff",
    "ValidatingProxy": "logto_dynamic._proxy",
    "TrafficReport": "logto_dynamic._traffic._validator",
    "TrafficValidator": "logto_dynamic._traffic._validator",
    # Clients of the other APIs, M2M, tokens and their checks: a cold start needs none.
    "AsyncManagementClient": "logto_dynamic._apis._management",
    "ManagementClient": "logto_dynamic._apis._management",
    "AccountClient": "logto_dynamic._apis._account",
    "AsyncAccountClient": "logto_dynamic._apis._account",
    "VerificationRecord": "logto_dynamic._apis._account_core",
    "ACCOUNT_SCOPES": "logto_dynamic._apis._account_scopes",
    "account_scopes": "logto_dynamic._apis._account_scopes",
    "M2MAuth": "logto_dynamic._oidc._m2m",
    "Tokens": "logto_dynamic._oidc._tokens",
    "AccessTokenVerifier": "logto_dynamic._oidc._verifier",
    "Totp": "logto_dynamic._signin._totp",
}


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'logto_dynamic' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    if isinstance(value, type):
        value.__module__ = "logto_dynamic"
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ACCOUNT_SCOPES",
    "DEFAULT_TIMEOUT",
    "USE_CLIENT_DEFAULT",
    "AccessTokenVerifier",
    "AccountCenterDisabledError",
    "AccountClient",
    "AccountFieldError",
    "AmbiguousOperationError",
    "ApiError",
    "AsyncAccountClient",
    "AsyncClient",
    "AsyncInteraction",
    "AsyncManagementClient",
    "AuthorizationError",
    "BackupCodes",
    "BadRequestError",
    "CallOptions",
    "Change",
    "Client",
    "ConflictError",
    "ConnectError",
    "ConsentRequiredError",
    "DuplicateOperationError",
    "ForbiddenError",
    "Interaction",
    "LintReport",
    "LoginRequired",
    "LogtoDynamicError",
    "M2MAuth",
    "ManagementClient",
    "MfaBindingRequired",
    "MfaRequired",
    "MfaSuggested",
    "MissingExtraError",
    "MissingScopeError",
    "Mode",
    "NormalizationReport",
    "NotFoundError",
    "OidcError",
    "Operation",
    "Operations",
    "PaginationError",
    "Parameter",
    "ProxyMode",
    "QuarantinedOperationError",
    "RateLimitError",
    "Registration",
    "RequestTimeoutError",
    "RequestValidationError",
    "ResponseSpec",
    "ResponseValidationError",
    "Result",
    "ServerError",
    "Spec",
    "SpecDiff",
    "SpecError",
    "SpecLoadError",
    "StateMismatchError",
    "TokenRequestError",
    "TokenVerificationError",
    "Tokens",
    "Totp",
    "TotpSecret",
    "TrafficReport",
    "TrafficValidator",
    "TransportError",
    "UnauthorizedError",
    "UnknownOperationError",
    "UnprocessableEntityError",
    "ValidatingProxy",
    "ValidationError",
    "ValidationMode",
    "ValidationPolicy",
    "VerificationRecord",
    "VerificationRequiredError",
    "Violation",
    "__version__",
    "account_scopes",
    "diff_specs",
    "load_spec",
]

# Show public names as ``logto_dynamic.Client`` rather than ``logto_dynamic._client.Client``.
for _name in __all__:
    if _name in _LAZY:
        continue
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("logto_dynamic._"):
        try:
            _obj.__module__ = "logto_dynamic"
        except (AttributeError, TypeError):  # pragma: no cover - builtins, constants
            pass
del _name, _obj
