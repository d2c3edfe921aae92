"""Sync and async transports over a confai.Client, for httpx and for httpx2.

Both HTTP libraries have the same transport API under different module
names (openai 3.x sends through httpx2, earlier versions and most other SDKs
through httpx), so the classes are made once per module by transports().
confai.httpx and confai.httpx2 export the result.

The request's host must be the sentinel service host (SERVICE_HOST, the
host of BASE_URL) or the host of the Client's own base URL; the transport
then sends the request sealed to the attested service. A client that does
not go through the transport finds SERVICE_HOST under the reserved .invalid
domain, which never resolves, instead of sending a prompt in plaintext.

The async transport runs every blocking C call in a worker thread (anyio),
so the event loop keeps running while a request is sealed, sent and opened.
"""

from __future__ import annotations

import sys
from typing import Any, AsyncIterator, Iterator

import anyio.to_thread

from . import errors
from ._http import shape_request
from ._service import BASE_URL, SERVICE_HOST
from .client import Client, Response, Stream


_TIMEOUT = 701  # CONFAI_E_TIMEOUT
_RESPONSE_DROP = {"connection", "keep-alive", "transfer-encoding", "content-length"}
_error_classes: dict = {}


def _error_class(confai_cls: type, http: Any, timeout: bool, in_body: bool) -> type:
    """A class that is confai_cls and the HTTP library's error, and, where the
    openai package is loaded, its APIConnectionError or APITimeoutError.

    openai passes its own error types on unchanged, while it replaces an HTTP
    library's error by a bare "Connection error." (the reason only in
    __cause__): while sending, by any RequestError that is not its own, and
    while reading a streamed body, by any RequestError at all. So an error
    in a streamed body is not an HTTP library error while openai is loaded."""
    openai = sys.modules.get("openai")
    sdk = None
    if openai is not None:
        sdk = getattr(openai, "APITimeoutError" if timeout else "APIConnectionError", None)
    if sdk is not None:
        # not the library's TimeoutException: openai checks for that first
        bases = (confai_cls, sdk) if in_body else (confai_cls, http.TransportError, sdk)
    else:
        bases = (confai_cls, http.TimeoutException if timeout else http.TransportError)
    cls = _error_classes.get(bases)
    if cls is None:
        cls = type(confai_cls.__name__, bases, {"__module__": f"confai.{http.__name__}"})
        _error_classes[bases] = cls
    return cls


def _as_http_error(exc: errors.ConfaiError, request: Any, http: Any, in_body: bool = False) -> errors.ConfaiError:
    """The same error as an instance that is also the HTTP library's (and the SDK's) error."""
    cls = _error_class(type(exc), http, exc.status == _TIMEOUT, in_body)
    wrapped = cls.__new__(cls)
    Exception.__init__(wrapped, str(exc))
    wrapped.status, wrapped.name, wrapped.message = exc.status, exc.name, exc.message
    wrapped.request = request
    # the attributes openai's APIError has
    wrapped.body = wrapped.code = wrapped.param = wrapped.type = None
    return wrapped


def transports(http: Any):
    """(ConfaiTransport, AsyncConfaiTransport, inner_request) for the module
    http (httpx or httpx2)."""

    def sealed(request, fn, *args, in_body=False):
        try:
            return fn(*args)
        except errors.ConfaiError as exc:
            raise _as_http_error(exc, request, http, in_body) from exc

    async def sealed_in_thread(request, fn, *args, in_body=False):
        # not abandoned on cancellation: a C call finishes before its objects go
        try:
            return await anyio.to_thread.run_sync(fn, *args)
        except errors.ConfaiError as exc:
            raise _as_http_error(exc, request, http, in_body) from exc

    def check_host(client: Client, request) -> None:
        url = request.url
        if url.host == SERVICE_HOST:
            return
        own = http.URL(client.base_url)
        if (url.scheme, url.host, url.port) == (own.scheme, own.host, own.port):
            return
        raise _as_http_error(
            errors.ArgumentError(
                100,
                f"request for {url.scheme}://{url.netloc.decode('ascii')}: this transport serves "
                f"{SERVICE_HOST} (confai.BASE_URL) and {client.base_url} only",
            ),
            request,
            http,
        )

    def inner_request(request, body: bytes | None = None):
        """The inner request (confai.Request, with .streamed) that the
        transports seal for request; body defaults to request.read()."""
        if body is None:
            body = request.read()
        path = request.url.raw_path
        return sealed(request, shape_request, request.method, path, request.headers.raw, body)

    def check_library(request) -> None:
        # a request of the other library would get a response its client
        # rejects with a bare AssertionError
        if not isinstance(request, http.Request):
            theirs = type(request).__module__.split(".")[0]
            raise TypeError(f"confai.{http.__name__} transports serve {http.__name__} clients, this request "
                            f"comes from {theirs}: use the transports of confai.{theirs}")

    def shape(client: Client, request, body: bytes):
        check_host(client, request)
        return inner_request(request, body)

    def response_headers(headers):
        return [(k, v) for k, v in headers if k.lower() not in _RESPONSE_DROP]

    def need_client(client) -> Client:
        if not isinstance(client, Client):
            raise TypeError("a confai transport needs a confai.Client")
        return client

    class ConfaiByteStream(http.SyncByteStream):
        """A streamed response's body: authenticated bytes as they open."""

        def __init__(self, stream: Stream, request):
            self._stream = stream
            self._request = request

        def __iter__(self) -> Iterator[bytes]:
            with self._stream:
                while True:
                    chunk = sealed(self._request, self._stream.read, in_body=True)
                    if not chunk:
                        return
                    yield chunk

        def close(self) -> None:
            self._stream.close()

    class AsyncConfaiByteStream(http.AsyncByteStream):
        """A streamed response's body, each read in a worker thread."""

        def __init__(self, stream: Stream, request):
            self._stream = stream
            self._request = request

        async def __aiter__(self) -> AsyncIterator[bytes]:
            try:
                while True:
                    chunk = await sealed_in_thread(self._request, self._stream.read, in_body=True)
                    if not chunk:
                        return
                    yield chunk
            finally:
                await self.aclose()

        async def aclose(self) -> None:
            self._stream.cancel()
            await anyio.to_thread.run_sync(self._stream.close)

    class ConfaiTransport(http.BaseTransport):
        """Sync transport over a confai.Client (which it does not close)."""

        def __init__(self, client: Client):
            self.client = need_client(client)

        def handle_request(self, request):
            check_library(request)
            with shape(self.client, request, request.read()) as inner:
                if inner.streamed:
                    stream = sealed(request, self.client.stream_message, inner)
                    return http.Response(stream.status, headers=response_headers(stream.headers),
                                         stream=ConfaiByteStream(stream, request), request=request)
                resp: Response = sealed(request, self.client.fetch_message, inner)
            return http.Response(resp.status, headers=response_headers(resp.headers),
                                 content=resp.content, request=request)

        def close(self) -> None:
            # the Client belongs to the caller and may serve other transports
            pass

    class AsyncConfaiTransport(http.AsyncBaseTransport):
        """Async transport over a confai.Client: the C calls run in worker threads."""

        def __init__(self, client: Client):
            self.client = need_client(client)

        async def handle_async_request(self, request):
            check_library(request)
            body = await request.aread()
            with shape(self.client, request, body) as inner:
                if inner.streamed:
                    stream = await sealed_in_thread(request, self.client.stream_message, inner)
                    return http.Response(stream.status, headers=response_headers(stream.headers),
                                         stream=AsyncConfaiByteStream(stream, request), request=request)
                resp: Response = await sealed_in_thread(request, self.client.fetch_message, inner)
            return http.Response(resp.status, headers=response_headers(resp.headers),
                                 content=resp.content, request=request)

        async def aclose(self) -> None:
            pass

    return ConfaiTransport, AsyncConfaiTransport, inner_request
