"""``ManagementClient`` and ``AsyncManagementClient``: the clients over Logto's Management API.

They are :class:`Client` and :class:`AsyncClient` (``call``, ``ops``, ``operation``,
``paginate``, validation policies, typed errors) loaded with the shipped Management API
document and authenticated by :class:`M2MAuth` (a machine-to-machine app's token).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from logto_dynamic._client import AsyncClient, Client
from logto_dynamic._oidc._m2m import DEFAULT_MANAGEMENT_RESOURCE, M2MAuth
from logto_dynamic._spec import SpecSource, load_spec, load_spec_url_async

__all__ = ["MANAGEMENT_SPEC", "AsyncManagementClient", "ManagementClient"]

#: The name of the shipped Management API document (Logto 1.42).
MANAGEMENT_SPEC = "logto-management-1.42"
#: Where Logto publishes its Management API document (building it takes Logto seconds).
SWAGGER_PATH = "/api/swagger.json"


def _with_auth(auth: M2MAuth, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The client keyword arguments with ``auth`` set on the given or the new httpx client."""
    http: httpx.Client | httpx.AsyncClient | None = kwargs.get("http")
    if http is not None:
        if http.auth is not None:
            raise TypeError("the http= client has an auth already; the client sets M2MAuth")
        http.auth = auth
        return kwargs
    if "auth" in kwargs:
        raise TypeError("ManagementClient sets auth= itself (M2MAuth from app_id/app_secret)")
    return {**kwargs, "auth": auth}


class _ManagementShell:
    """What both Management clients add to their client: an :class:`M2MAuth` made from the
    app's credentials (a cooperative mixin before ``Client``/``AsyncClient``)."""

    def __init__(
        self,
        base_url: str,
        *,
        app_id: str,
        app_secret: str,
        resource: str | None = DEFAULT_MANAGEMENT_RESOURCE,
        scopes: Sequence[str] = ("all",),
        spec: SpecSource = MANAGEMENT_SPEC,
        **client_kwargs: Any,
    ) -> None:
        #: The :class:`M2MAuth` every request goes through.
        self.auth = M2MAuth(base_url, app_id, app_secret, resource=resource, scopes=scopes)
        super().__init__(  # type: ignore[call-arg]
            base_url, spec=spec, **_with_auth(self.auth, client_kwargs)
        )


class ManagementClient(_ManagementShell, Client):
    """A synchronous Management API client for a machine-to-machine app.

    >>> with ManagementClient(base, app_id="m2m", app_secret=secret) as logto:  # doctest: +SKIP
    ...     logto.call("CreateUser", {"username": "alice", "password": "..."})
    ...     for user in logto.paginate("ListUsers", query={"search": "%ali%"}):
    ...         print(user["id"])

    ``spec=`` takes another document (a name, a file, a URL, a dict or a ``Spec``); other
    keyword arguments are :class:`Client`'s (``validate=``, ``timeout=``, ``http=`` ...).
    The token is requested from ``{base_url}/oidc/token`` for ``resource`` with ``scopes``.
    """

    @classmethod
    def from_server(cls, base_url: str, **kwargs: Any) -> ManagementClient:
        """A client for the document the server publishes at ``/api/swagger.json`` (fetched
        once, cached); ``app_id=`` and ``app_secret=`` as for the constructor."""
        spec = load_spec(base_url.rstrip("/") + SWAGGER_PATH)
        return cls(base_url, spec=spec, **kwargs)


class AsyncManagementClient(_ManagementShell, AsyncClient):
    """The asyncio twin of :class:`ManagementClient` (``await logto.call(...)``,
    ``async for user in logto.paginate("ListUsers")``)."""

    @classmethod
    async def from_server(cls, base_url: str, **kwargs: Any) -> AsyncManagementClient:
        """The awaitable :meth:`ManagementClient.from_server` (fetched without blocking)."""
        url = base_url.rstrip("/") + SWAGGER_PATH
        spec = await load_spec_url_async(url, http=kwargs.get("http"))
        return cls(base_url, spec=spec, **kwargs)
