"""Binary HTTP messages (RFC 9292) built and read through the C core."""

from __future__ import annotations

import ctypes
from ctypes import byref, c_char_p, c_size_t, c_void_p
from dataclasses import dataclass, field

from . import errors
from ._lib import HTTP_HEADERS, Error, buf_from, Owned, lib


def _ascii(value, what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    try:
        return str(value).encode("ascii")
    except UnicodeEncodeError:
        raise errors.ArgumentError(100, f"{what} must be ASCII") from None


def _field_value(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


class Request(Owned):
    """An inner request (confai_http_message), freed on close or collection."""

    _free = "confai_http_message_free"

    def __init__(self, method: str, path: str, headers=(), body: bytes = b"", scheme="https", authority=""):
        err = Error()
        handle = c_void_p()
        errors.check(
            lib.confai_http_message_new_request(
                byref(handle),
                _ascii(method, "method"),
                _ascii(scheme, "scheme"),
                _ascii(authority, "authority"),
                _ascii(path, "path"),
                byref(err),
            ),
            err,
        )
        if not handle:
            raise errors.internal("confai_http_message_new_request")
        self._handle = handle
        try:
            items = headers.items() if hasattr(headers, "items") else headers
            for name, value in items:
                errors.check(
                    lib.confai_http_message_add_field(
                        handle, HTTP_HEADERS, _ascii(name, "a field name"), _field_value(value), byref(err)
                    ),
                    err,
                )
            body = bytes(body or b"")
            if body:
                errors.check(lib.confai_http_message_set_body(handle, buf_from(body), len(body), byref(err)), err)
        except BaseException:
            self.close()
            raise

    @property
    def handle(self):
        return self._handle


def read_head(handle):
    """(status, [(name, value), ...]) of a response message."""
    err = Error()
    status = int(lib.confai_http_message_status(handle))
    headers = []
    for i in range(lib.confai_http_message_field_count(handle, HTTP_HEADERS)):
        name = c_char_p()
        value = c_char_p()
        errors.check(lib.confai_http_message_field(handle, byref(name), byref(value), HTTP_HEADERS, i, byref(err)), err)
        headers.append((name.value.decode("latin-1"), value.value.decode("latin-1")))
    return status, headers


def read_body(handle) -> bytes:
    n = c_size_t()
    ptr = lib.confai_http_message_body(handle, byref(n))
    return ctypes.string_at(ptr, n.value) if ptr and n.value else b""


@dataclass
class Response:
    """An opened (authenticated) inner response."""

    status: int
    headers: list = field(default_factory=list)
    content: bytes = b""

    def header(self, name: str, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def json(self):
        import json

        return json.loads(self.content)


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


def _wants_stream(method: str, headers, body: bytes) -> bool:
    import json

    ctype = next((v for k, v in headers if k.lower() == "content-type"), "")
    if method != "POST" or "json" not in ctype.lower() or not body.lstrip().startswith(b"{"):
        return False
    try:
        doc = json.loads(body)
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("stream") is True


def shape_request(method: str, path: str, headers, body: bytes) -> Request:
    """The inner request an application's outer request becomes when sealed;
    .streamed tells whether the answer is asked for as a streamed exchange."""
    headers = list(headers)
    kept = [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP]
    req = Request(method, path, kept, body)
    req.streamed = _wants_stream(method, headers, body)
    return req
