"""Binary HTTP messages (RFC 9292) built and read through the C core."""

from __future__ import annotations

import ctypes
from ctypes import byref, c_char_p, c_int, c_size_t, c_void_p
from dataclasses import dataclass, field

from . import errors
from ._lib import HTTP_HEADERS, HTTP_KNOWN_LENGTH, Error, Owned, buf_from, lib


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
    streamed = False  # set by shape_request

    @classmethod
    def adopt(cls, handle, *, streamed: bool = False) -> "Request":
        """Takes over a confai_http_message handle."""
        req = cls.__new__(cls)
        req._handle = handle
        req.streamed = streamed
        return req

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


def _c_string(value, what: str) -> bytes:
    """value as a C string; a NUL inside would cut it short, so it is refused."""
    data = _field_value(value)
    if b"\0" in data:
        raise errors.ArgumentError(100, f"{what} contains a NUL byte")
    return data


def shape_request(method: str, path: str, headers, body: bytes) -> Request:
    """The inner request an application's outer request becomes when sealed
    (confai_http_request_shape: the allowlisted header fields in a fixed
    order, the body as given); .streamed tells whether the answer is asked
    for as a streamed exchange."""
    headers = list(headers.items() if hasattr(headers, "items") else headers)
    names = (c_char_p * max(len(headers), 1))(*[_c_string(k, "a field name") for k, _ in headers])
    values = (c_char_p * max(len(headers), 1))(*[_c_string(v, "a field value") for _, v in headers])
    body = bytes(body or b"")
    err = Error()
    handle = c_void_p()
    streamed = c_int()
    errors.check(
        lib.confai_http_request_shape(
            byref(handle), byref(streamed),
            _c_string(_ascii(method, "method"), "method"), _c_string(_ascii(path, "path"), "path"),
            names, values, len(headers), buf_from(body), len(body), byref(err),
        ),
        err,
    )
    if not handle:
        raise errors.internal("confai_http_request_shape")
    return Request.adopt(handle, streamed=bool(streamed.value))


def encode(message: Request) -> bytes:
    """The message's Binary HTTP encoding (known-length framing, no padding)."""
    err = Error()
    out = c_void_p()
    n = c_size_t()
    errors.check(lib.confai_http_message_encode(message.handle, byref(out), byref(n), HTTP_KNOWN_LENGTH, 0,
                                                byref(err)), err)
    try:
        return ctypes.string_at(out, n.value) if out and n.value else b""
    finally:
        lib.confai_free(out)
