"""The exception hierarchy of logto_dynamic.

Every exception the library raises on purpose derives from :class:`LogtoDynamicError`::

    LogtoDynamicError
    ├── SpecError                      the OpenAPI document cannot be used as asked
    │   ├── SpecLoadError              it could not be read or parsed
    │   ├── DuplicateOperationError    two operations share one operationId
    │   ├── QuarantinedOperationError  the operation is broken in the document
    │   └── UnresolvableRefError       a ``$ref`` points nowhere in the document
    ├── UnknownOperationError          no operation by that name (also an AttributeError)
    ├── AmbiguousOperationError        a forgiving name matches several operations
    ├── ValidationError                a message does not match the document
    │   ├── RequestValidationError     raised before anything is sent
    │   └── ResponseValidationError    the server's answer does not match
    ├── TransportError                 the request did not complete (wraps httpx errors)
    │   ├── ConnectError
    │   └── RequestTimeoutError
    ├── OidcError                      a sign-in's OIDC round did not complete (``.error``)
    │   ├── AuthorizationError         the server answered an OIDC error (redirect or JSON)
    │   │   └── LoginRequired          prompt=none without a Logto session (login_required)
    │   ├── ConsentRequiredError       a third-party app: Logto shows a consent page
    │   ├── StateMismatchError         the code redirect's ``state`` or ``iss`` is not ours
    │   ├── TokenRequestError          a token/revocation/userinfo endpoint refused
    │   └── TokenVerificationError     an ID or access token failed a check (``.check``)
    │       └── UnknownKeyIdError      its ``kid`` is not in the JWKS (it may have rotated)
    ├── HarError                       the file is not a HAR document (also a ValueError)
    ├── PaginationError                a list answer cannot be paginated
    ├── MissingExtraError              an optional extra is not installed (also an ImportError)
    ├── AccountsExhausted              a load test's distinct test accounts are all taken
    └── ApiError                       the server answered 4xx/5xx
        ├── BadRequestError            400
        ├── UnauthorizedError          401
        ├── ForbiddenError             403
        │   └── MfaRequired            session.mfa.require_mfa_verification (``.factors``)
        ├── NotFoundError              404
        ├── ConflictError              409
        ├── UnprocessableEntityError   422
        │   ├── MfaSuggested           user.suggest_mfa: binding MFA is offered, skippable
        │   └── MfaBindingRequired     user.missing_mfa (``.factors``, ``.skippable``)
        ├── RateLimitError             429
        ├── ServerError                5xx
        ├── AccountCenterDisabledError 400 account_center.not_enabled (also a BadRequestError)
        ├── AccountFieldError          400 account_center.field_not_editable/_enabled (``.field``)
        ├── VerificationRequiredError  401 verification_record.permission_denied
        └── MissingScopeError          the user's token lacks the scope (``.scope``)

Context is carried as attributes (``.violations``, ``.operation_id``, ``.status_code``,
``.code`` ...). The classes only keep what they are given: their raisers build them (an
``ApiError`` from a result: ``_results.api_error_for``; httpx errors are mapped in the
client shells, ``_client.py``). Messages never contain the value of a secret field, nor a
code, token, verifier or cookie.

The classes live by job: ``_base`` (the base class, document, messages, transport, files,
pages, extras, load-test pools), ``_oidc`` (the OIDC rounds and tokens) and ``_api`` (an
HTTP API's 4xx/5xx answers, MFA, the Account API); import them from this package.
"""

from __future__ import annotations

from ._api import (
    AccountCenterDisabledError,
    AccountFieldError,
    ApiError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    MfaBindingRequired,
    MfaRequired,
    MfaSuggested,
    MissingScopeError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnauthorizedError,
    UnprocessableEntityError,
    VerificationRequiredError,
)
from ._base import (
    AccountsExhausted,
    AmbiguousOperationError,
    ConnectError,
    DuplicateOperationError,
    HarError,
    LogtoDynamicError,
    MissingExtraError,
    PaginationError,
    QuarantinedOperationError,
    RequestTimeoutError,
    RequestValidationError,
    ResponseValidationError,
    SpecError,
    SpecLoadError,
    TransportError,
    UnknownOperationError,
    UnresolvableRefError,
    ValidationError,
)
from ._oidc import (
    AuthorizationError,
    ConsentRequiredError,
    LoginRequired,
    OidcError,
    StateMismatchError,
    TokenRequestError,
    TokenVerificationError,
    UnknownKeyIdError,
)

__all__ = [
    "AccountCenterDisabledError",
    "AccountFieldError",
    "AccountsExhausted",
    "AmbiguousOperationError",
    "ApiError",
    "AuthorizationError",
    "BadRequestError",
    "ConflictError",
    "ConnectError",
    "ConsentRequiredError",
    "DuplicateOperationError",
    "ForbiddenError",
    "HarError",
    "LoginRequired",
    "LogtoDynamicError",
    "MissingScopeError",
    "MfaBindingRequired",
    "MfaRequired",
    "MfaSuggested",
    "MissingExtraError",
    "NotFoundError",
    "OidcError",
    "PaginationError",
    "QuarantinedOperationError",
    "RateLimitError",
    "RequestTimeoutError",
    "RequestValidationError",
    "ResponseValidationError",
    "ServerError",
    "SpecError",
    "SpecLoadError",
    "StateMismatchError",
    "TokenRequestError",
    "TokenVerificationError",
    "TransportError",
    "UnauthorizedError",
    "UnknownKeyIdError",
    "UnknownOperationError",
    "UnprocessableEntityError",
    "VerificationRequiredError",
    "UnresolvableRefError",
    "ValidationError",
]
