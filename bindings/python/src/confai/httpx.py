"""An httpx transport that sends every request sealed through a confai Client.

    import httpx, openai, confai
    from confai.httpx import ConfaiTransport

    client = confai.Client("http://127.0.0.1:8080", confai.Policy.from_file("policy.json"))
    http = httpx.Client(transport=ConfaiTransport(client))
    ai = openai.OpenAI(base_url="http://127.0.0.1:8080/v1", api_key="unused", http_client=http)

Each httpx.Request becomes a Binary HTTP request (method, path with query,
header fields, body) sealed to the attested key; the host in the URL only
names the service, whose address is the Client's base URL. A JSON body with
"stream": true goes out as a streamed exchange and the response body is an
iterator over the authenticated bytes as they open; anything else is one
sealed request and one sealed response.

Failures raise exceptions that are both the confai error of the C core (a
confai.TransportError for the network, confai.CryptoError for an altered
answer, ..., with .status, .name and .message) and an httpx.TransportError
(httpx.TimeoutException for CONFAI_E_TIMEOUT), so httpx users and the openai
package handle them as they handle any failed request. No unauthenticated
byte ever reaches the caller.
"""

from __future__ import annotations

import json as _json

import httpx

from . import errors
from .client import Client, Stream

_TIMEOUT = 701  # CONFAI_E_TIMEOUT
_classes: dict = {}


def _as_httpx(exc: errors.ConfaiError, request: httpx.Request) -> errors.ConfaiError:
    """The same error as an instance of a class that is also an httpx error."""
    base = httpx.TimeoutException if exc.status == _TIMEOUT else httpx.TransportError
    key = (type(exc), base)
    cls = _classes.get(key)
    if cls is None:
        cls = type(type(exc).__name__, (type(exc), base), {"__module__": "confai.httpx"})
        _classes[key] = cls
    wrapped = cls(exc.status, exc.message)
    wrapped.request = request
    return wrapped


def _sealed(request: httpx.Request, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except errors.ConfaiError as exc:
        raise _as_httpx(exc, request) from exc

# Connection-level fields that belong to the outer hop, not the inner request.
_HOP_BY_HOP = {
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
    "accept-encoding",
}
_RESPONSE_DROP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


def _wants_stream(request: httpx.Request, body: bytes) -> bool:
    ctype = request.headers.get("content-type", "")
    if "json" not in ctype.lower() or not body.lstrip().startswith(b"{"):
        return False
    try:
        doc = _json.loads(body)
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("stream") is True


class ConfaiByteStream(httpx.SyncByteStream):
    """The body of a streamed response: authenticated bytes as they open."""

    def __init__(self, stream: Stream, request: httpx.Request):
        self._stream = stream
        self._request = request

    def __iter__(self):
        with self._stream:
            while True:
                chunk = _sealed(self._request, self._stream.read)
                if not chunk:
                    return
                yield chunk

    def close(self) -> None:
        self._stream.close()


class ConfaiTransport(httpx.BaseTransport):
    """httpx transport over a confai.Client (which it does not close)."""

    def __init__(self, client: Client):
        if not isinstance(client, Client):
            raise TypeError("ConfaiTransport needs a confai.Client")
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        url = request.url
        path = url.raw_path.decode("ascii")
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in request.headers.raw
            if name.decode("latin-1").lower() not in _HOP_BY_HOP
        ]
        kwargs = dict(headers=headers, body=body)
        if _wants_stream(request, body):
            stream = _sealed(request, self.client.stream, request.method, path, **kwargs)
            try:
                resp_headers = [(k, v) for k, v in stream.headers if k.lower() not in _RESPONSE_DROP]
                return httpx.Response(
                    stream.status,
                    headers=resp_headers,
                    stream=ConfaiByteStream(stream, request),
                    request=request,
                )
            except BaseException:
                stream.close()
                raise
        resp = _sealed(request, self.client.fetch, request.method, path, **kwargs)
        resp_headers = [(k, v) for k, v in resp.headers if k.lower() not in _RESPONSE_DROP]
        return httpx.Response(resp.status, headers=resp_headers, content=resp.content, request=request)

    def close(self) -> None:
        # The Client belongs to the caller and may serve other transports.
        pass


__all__ = ["ConfaiTransport", "ConfaiByteStream", "errors"]
