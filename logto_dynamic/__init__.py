"""logto_dynamic: a dynamic, validating client for the Logto Experience API.

It loads an OpenAPI document at runtime (the bundled Logto Experience API document by
default), builds callables by operationId and validates every request before it leaves and
every response when it arrives, with plain JSON in and out.

>>> from logto_dynamic import Client                                   # doctest: +SKIP
>>> with Client("http://localhost:3001") as client:
...     client.call("InitInteraction", {"interactionEvent": "SignIn"})
"""

from logto_dynamic.__version__ import __version__
from logto_dynamic._client import AsyncClient, Client, Operations
from logto_dynamic._config import DEFAULT_TIMEOUT, USE_CLIENT_DEFAULT, Mode, ValidationPolicy
from logto_dynamic._exceptions import (
    AmbiguousOperationError,
    ApiError,
    BadRequestError,
    ConflictError,
    ConnectError,
    DuplicateOperationError,
    ForbiddenError,
    LogtoDynamicError,
    NotFoundError,
    QuarantinedOperationError,
    RateLimitError,
    RequestTimeoutError,
    RequestValidationError,
    ResponseValidationError,
    ServerError,
    SpecError,
    SpecLoadError,
    TransportError,
    UnauthorizedError,
    UnknownOperationError,
    UnprocessableEntityError,
    ValidationError,
)
from logto_dynamic._operations import Operation, Parameter, ResponseSpec
from logto_dynamic._results import Result
from logto_dynamic._spec import Spec, load_spec
from logto_dynamic._validation import Violation

__all__ = [
    "DEFAULT_TIMEOUT",
    "USE_CLIENT_DEFAULT",
    "AmbiguousOperationError",
    "ApiError",
    "AsyncClient",
    "BadRequestError",
    "Client",
    "ConflictError",
    "ConnectError",
    "DuplicateOperationError",
    "ForbiddenError",
    "LogtoDynamicError",
    "Mode",
    "NotFoundError",
    "Operation",
    "Operations",
    "Parameter",
    "QuarantinedOperationError",
    "RateLimitError",
    "RequestTimeoutError",
    "RequestValidationError",
    "ResponseSpec",
    "ResponseValidationError",
    "Result",
    "ServerError",
    "Spec",
    "SpecError",
    "SpecLoadError",
    "TransportError",
    "UnauthorizedError",
    "UnknownOperationError",
    "UnprocessableEntityError",
    "ValidationError",
    "ValidationPolicy",
    "Violation",
    "__version__",
    "load_spec",
]

# Show public names as ``logto_dynamic.Client`` rather than ``logto_dynamic._client.Client``.
for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("logto_dynamic._"):
        try:
            _obj.__module__ = "logto_dynamic"
        except (AttributeError, TypeError):  # pragma: no cover - builtins, constants
            pass
del _name, _obj
