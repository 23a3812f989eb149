"""``Client`` and ``AsyncClient``: two thin shells around one sans-I/O core."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, Unpack, cast

import httpx

from logto_dynamic._client_core import (
    CallOptions,
    ClientCore,
    build_request,
    map_transport_errors,
)
from logto_dynamic._config import DEFAULT_TIMEOUT, ValidateTypes, to_policy
from logto_dynamic._document._operations import Operation
from logto_dynamic._results import DEFAULT_MAX_ITEMS, DEFAULT_MAX_PAGES, PageWalk, Result
from logto_dynamic._signin._client_methods import AsyncTokenLifecycle, TokenLifecycle
from logto_dynamic._spec import (
    Spec,
    SpecSource,
    load_spec,
    load_spec_url_async,
    spec_url_for_server,
)

__all__ = ["AsyncClient", "Client", "Operations"]

if TYPE_CHECKING:
    # Named as strings in the shells' bases (`Client(_BaseClient[..., "Interaction"])`).
    from logto_dynamic._signin._async import AsyncInteraction, AsyncPort
    from logto_dynamic._signin._sync import Interaction, SyncPort  # noqa: F401

HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)
#: What ``interaction()`` returns: an Interaction, or an awaitable of an AsyncInteraction.
StartedT = TypeVar("StartedT")


class Operations:
    """``client.ops.<Name>(...)``: one callable per operation, any case or word style.

    ``dir(client.ops)`` lists the operationIds; ``help(client.ops.IdentifyUser)`` shows the
    operation's summary, parameters and responses. Unknown names raise
    :class:`UnknownOperationError`, which is also an ``AttributeError``.
    """

    def __init__(self, client: _BaseClient[Any, Any]) -> None:
        self._client = client
        self._callables: dict[str, Callable[..., Any]] = {}

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("__"):
            raise AttributeError(name)
        op = self._client.spec.operation(name)
        found = self._callables.get(op.operation_id)
        if found is None:
            found = self._callables[op.operation_id] = _bind(self._client, op)
        return found

    __getitem__ = __getattr__

    def __dir__(self) -> list[str]:
        return self._client.spec.index.ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._client.spec.index.ids)

    def __contains__(self, name: object) -> bool:
        return name in self._client.spec.index

    def __repr__(self) -> str:
        return f"<Operations: {len(self._client.spec.index)} operations>"


def _bind(client: _BaseClient[Any, Any], op: Operation) -> Callable[..., Any]:
    def call(body: Any = None, **options: Unpack[CallOptions]) -> Any:
        return client.call(op, body, **options)

    call.__name__ = call.__qualname__ = op.operation_id
    call.__doc__ = op.docstring
    return call


#: Held while a shell makes its httpx client, so that two threads never make two.
_MAKING = threading.Lock()


def _check_http_kwargs(http_class: type[Any], given: Mapping[str, Any]) -> None:
    """A misspelt httpx keyword fails here, as it would if the httpx client were made now."""
    code = http_class.__init__.__code__
    known = code.co_varnames[1 : code.co_argcount + code.co_kwonlyargcount]
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise TypeError(f"{http_class.__name__}() got unexpected keyword arguments: {unknown}")


class _BaseClient(Generic[HttpT, StartedT]):
    """What both clients share: the spec, the core, the httpx client, ``ops``, sign-in.

    The shells differ in how they send (``call``) and close; sign-in runs the same sans-I/O
    flows through the sync or the async driver, which send through :attr:`http`.
    """

    _http_class: type[HttpT]
    _asynchronous: ClassVar[bool]

    def __init__(
        self,
        base_url: str | None = None,
        *,
        spec: SpecSource = None,
        validate: ValidateTypes = "strict",
        raise_for_status: bool = True,
        http: HttpT | None = None,
        timeout: Any = DEFAULT_TIMEOUT,
        **http_kwargs: Any,
    ) -> None:
        self._spec = load_spec(spec)
        self._core = ClientCore(
            self._spec,
            base_url,
            policy=to_policy(validate),
            raise_for_status=raise_for_status,
        )
        if http is not None and http_kwargs:
            raise TypeError("pass either http= or httpx keyword arguments, not both")
        _check_http_kwargs(self._http_class, http_kwargs)
        self._owns_http = http is None
        self._closed = False
        # Made on first use when not given: a new httpx client builds its TLS context
        # (certifi's bundle) and imports httpcore, half of a cold start otherwise.
        self._http_made: HttpT | None = http
        self._http_kwargs: dict[str, Any] = {"timeout": timeout, **http_kwargs}
        self.ops = Operations(self)

    def _make_http(self) -> HttpT:
        with _MAKING:
            if self._http_made is None:
                if self._closed:  # closed before its first use: refused as httpx does
                    raise RuntimeError("Cannot send a request, as the client has been closed.")
                self._http_made = self._http_class(**self._http_kwargs)
            return self._http_made

    @property
    def spec(self) -> Spec:
        """The loaded document (shared with every other client that loaded it)."""
        return self._spec

    @property
    def http(self) -> HttpT:
        """The underlying httpx client (its cookie jar carries the interaction)."""
        http = self._http_made
        return http if http is not None else self._make_http()

    @property
    def base_url(self) -> str:
        """The URL operation paths are appended to."""
        return self._core.base_url

    @property
    def cookies(self) -> httpx.Cookies:
        """The client's cookie jar."""
        return self.http.cookies

    def operation(self, name: str) -> Operation:
        """Describe an operation: method, path, parameters, schemas, responses, docstring."""
        return self._spec.operation(name)

    def call(
        self, operation: str | Operation, body: Any = None, **options: Unpack[CallOptions]
    ) -> Any:
        raise NotImplementedError  # pragma: no cover - defined by the shells

    def interaction(
        self,
        app_id: str,
        redirect_uri: str,
        *,
        scopes: Sequence[str] = ("openid", "profile"),
        resources: Sequence[str] = (),
        prompt: str = "login",
        extra_params: Mapping[str, str] | None = None,
        client_secret: str | None = None,
    ) -> StartedT:
        """Start a sign-in: the OIDC authorization request (PKCE S256, state, nonce) on this
        client's cookie jar. Returns an :class:`Interaction` (from an :class:`AsyncClient`,
        awaitable: an :class:`AsyncInteraction`) whose steps and flows end in verified
        :class:`Tokens`. OIDC errors raise :class:`AuthorizationError`. A confidential (web)
        app passes ``client_secret`` for the code exchange."""
        options: dict[str, Any] = {
            "scopes": scopes,
            "resources": resources,
            "prompt": prompt,
            "extra_params": extra_params,
            "client_secret": client_secret,
        }
        port: Any = self  # each shell is its driver's port (checked below, for mypy)
        if self._asynchronous:
            from logto_dynamic._signin._async import abegin

            return cast(StartedT, abegin(port, app_id, redirect_uri, **options))
        from logto_dynamic._signin._sync import begin

        return cast(StartedT, begin(port, app_id, redirect_uri, **options))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url} {self._spec!r}>"


class Client(TokenLifecycle, _BaseClient[httpx.Client, "Interaction"]):
    """A synchronous client. One instance is one cookie jar, so one sign-in interaction.

    >>> with Client("http://localhost:3001") as client:               # doctest: +SKIP
    ...     client.call("InitInteraction", {"interactionEvent": "SignIn"})
    """

    _http_class = httpx.Client
    _asynchronous = False

    @classmethod
    def from_server(cls, base_url: str, **kwargs: Any) -> Client:
        """A client for the document a live server publishes at
        ``{base_url}/api/.well-known/experience.openapi.json`` (fetched once, cached).

        Other keyword arguments are the constructor's.
        """
        return cls(base_url, spec=load_spec(spec_url_for_server(base_url)), **kwargs)

    def call(
        self, operation: str | Operation, body: Any = None, **options: Unpack[CallOptions]
    ) -> Result:
        """Call an operation by name (exact operationId, or any case / word style).

        ``body`` is the JSON body (plain dicts and lists); see :class:`CallOptions` for
        ``path``, ``query``, ``headers``, ``validate``, ``timeout`` and ``raise_for_status``.
        Invalid requests raise :class:`RequestValidationError` and are not sent; 4xx/5xx
        answers raise :class:`ApiError` subclasses unless ``raise_for_status=False``.
        """
        prepared = self._core.prepare(operation, body, **options)
        http = self._http_made
        if http is None:
            http = self._make_http()
        request = build_request(http, prepared)
        with map_transport_errors(prepared.operation.operation_id):
            response = http.send(request)
        return self._core.finish(prepared, response)

    def paginate(
        self,
        operation: str | Operation,
        *,
        query: Mapping[str, Any] | None = None,
        page_size: int = 20,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_items: int = DEFAULT_MAX_ITEMS,
        **options: Any,
    ) -> Iterator[Any]:
        """Every item of a paginated list, page after page (``page``/``page_size`` and the
        ``Total-Number`` header; Logto's ``Link`` header is never followed).

        It stops after a short or empty page or once ``Total-Number`` items came. It is
        bounded whatever the server does: a page that repeats the one before, or more than
        ``max_pages`` pages or ``max_items`` items, raises :class:`PaginationError`.
        Other keyword arguments are :meth:`call`'s (``path``, ``headers``, ``validate`` ...);
        each page is one call, validated as any other.
        """
        walk = PageWalk(
            str(getattr(operation, "operation_id", operation)),
            query,
            page_size,
            max_pages=max_pages,
            max_items=max_items,
        )
        while not walk.done:
            result = self.call(operation, query=walk.next_query(), **options)
            yield from walk.take(result.data, result.headers)

    def close(self) -> None:
        """Close the httpx client if this client created it."""
        self._closed = True
        if self._owns_http and self._http_made is not None:
            self._http_made.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(
    AsyncTokenLifecycle, _BaseClient[httpx.AsyncClient, Awaitable["AsyncInteraction"]]
):
    """The asyncio twin of :class:`Client`, on the same core.

    >>> async with AsyncClient("http://localhost:3001") as client:    # doctest: +SKIP
    ...     await client.ops.InitInteraction({"interactionEvent": "SignIn"})
    """

    _http_class = httpx.AsyncClient
    _asynchronous = True

    @classmethod
    async def from_server(cls, base_url: str, **kwargs: Any) -> AsyncClient:
        """An awaitable constructor: ``client = await AsyncClient.from_server(url)``.

        Fetches the document the server publishes (as :meth:`Client.from_server` does, same
        cache) without blocking the event loop, with ``http=`` when one is given.
        """
        url = spec_url_for_server(base_url)
        spec = await load_spec_url_async(url, http=kwargs.get("http"))
        return cls(base_url, spec=spec, **kwargs)

    async def call(
        self, operation: str | Operation, body: Any = None, **options: Unpack[CallOptions]
    ) -> Result:
        """The awaitable :meth:`Client.call`: same arguments, same result, same errors."""
        prepared = self._core.prepare(operation, body, **options)
        http = self._http_made
        if http is None:
            http = self._make_http()
        request = build_request(http, prepared)
        with map_transport_errors(prepared.operation.operation_id):
            response = await http.send(request)
        return self._core.finish(prepared, response)

    async def paginate(
        self,
        operation: str | Operation,
        *,
        query: Mapping[str, Any] | None = None,
        page_size: int = 20,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_items: int = DEFAULT_MAX_ITEMS,
        **options: Any,
    ) -> AsyncIterator[Any]:
        """The async iterator of :meth:`Client.paginate`: ``async for item in ...``."""
        walk = PageWalk(
            str(getattr(operation, "operation_id", operation)),
            query,
            page_size,
            max_pages=max_pages,
            max_items=max_items,
        )
        while not walk.done:
            result = await self.call(operation, query=walk.next_query(), **options)
            for item in walk.take(result.data, result.headers):
                yield item

    async def aclose(self) -> None:
        """Close the httpx client if this client created it."""
        self._closed = True
        if self._owns_http and self._http_made is not None:
            await self._http_made.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


if TYPE_CHECKING:

    def _ports(client: Client, async_client: AsyncClient) -> tuple[SyncPort, AsyncPort]:
        """For mypy: each shell is what its sign-in driver needs."""
        return client, async_client
