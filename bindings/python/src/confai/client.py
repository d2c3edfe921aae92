"""The client layer: attestation lease, sealed requests, streams and chat."""

from __future__ import annotations

import ctypes
import json as _json
import queue
import threading
from ctypes import byref, c_size_t, c_void_p

from . import errors
from ._http import Request, Response, read_body, read_head
from ._lib import CHAT_DELTA_FN, CLIENT_OPTIONS_VERSION, ClientOptions, Error, Owned, lib
from .attestation import Policy, Verdict, verify_options

_READ_SIZE = 16384


def _ms(seconds):
    return 0 if seconds is None else max(1, int(seconds * 1000))


class Stream(Owned):
    """A streamed exchange: iterate to get the inner response's content bytes.

    Only authenticated bytes are ever yielded; a truncated, reordered,
    replayed or altered stream raises at the first bad chunk. Use as a
    context manager (or call close()) to release the connection.
    One thread at a time; cancel() may be called from any thread.
    """

    _free = "confai_stream_free"

    def __init__(self, client: "Client", handle):
        self._client = client  # the client must outlive the stream
        self._handle = handle
        self._lock = threading.Lock()
        self._done = False
        head = lib.confai_stream_response(handle)
        if not head:
            self.close()
            raise errors.internal("confai_stream_response")
        self.status, self.headers = read_head(head)

    def header(self, name: str, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def read(self, size: int = _READ_SIZE) -> bytes:
        """The next authenticated bytes (at most size); b"" at the authenticated end."""
        if self._handle is None:
            raise errors.ArgumentError(103, "the stream was closed")
        if self._done:
            return b""
        if size <= 0:
            raise errors.ArgumentError(100, "read size must be positive")
        buf = (ctypes.c_uint8 * size)()
        n = c_size_t(size)  # in: the capacity; out: the bytes read, 0 at the end
        err = Error()
        errors.check(lib.confai_stream_read(self._handle, buf, byref(n), byref(err)), err)
        if n.value == 0:
            self._done = True
            return b""
        return bytes(buf[: n.value])

    def __iter__(self):
        while True:
            chunk = self.read()
            if not chunk:
                return
            yield chunk

    def cancel(self) -> None:
        with self._lock:
            if self._handle is not None:
                lib.confai_stream_cancel(self._handle)

    def close(self) -> None:
        with self._lock:
            super().close()

    def __del__(self):
        if hasattr(self, "_lock"):
            self.close()


class Client(Owned):
    """A client of one confidential service at base_url.

    Attests the service against policy before the first request, keeps the
    verdict as a lease until it expires, and seals every request to the key
    the verdict binds. Thread-safe; use as a context manager or call close().
    Times are in seconds.
    """

    _free = "confai_client_free"

    def __init__(
        self,
        base_url: str,
        policy: Policy,
        *,
        connect_timeout=None,
        request_timeout=None,
        attest_timeout=None,
        attest_retries=None,
        retry_backoff=None,
        ca_file=None,
        pinned_public_key=None,
        user_agent=None,
        max_response_size=None,
        chunk_size=None,
        verify_time=None,
        lenient_bundle=False,
    ):
        if not isinstance(policy, Policy):
            raise TypeError("policy must be a confai.Policy")
        if lib.confai_client_options_version() != CLIENT_OPTIONS_VERSION:
            raise errors.ArgumentError(100, "the library's client options version differs from this package's")
        opts = ClientOptions()
        err = Error()
        errors.check(lib.confai_client_options_init(byref(opts), CLIENT_OPTIONS_VERSION, byref(err)), err)
        opts.connect_timeout_ms = _ms(connect_timeout)
        opts.request_timeout_ms = _ms(request_timeout)
        opts.attest_timeout_ms = _ms(attest_timeout)
        if attest_retries is not None:
            opts.attest_retries = int(attest_retries)
        if retry_backoff is not None:
            opts.retry_backoff_ms = _ms(retry_backoff)
        # the strings are copied by confai_client_new; kept alive until then
        keep = []
        for name, value in (("ca_file", ca_file), ("pinned_public_key", pinned_public_key), ("user_agent", user_agent)):
            if value is not None:
                b = str(value).encode("utf-8")
                keep.append(b)
                setattr(opts, name, b)
        if max_response_size is not None:
            opts.max_response_size = int(max_response_size)
        if chunk_size is not None:
            opts.chunk_size = int(chunk_size)
        vopts = None
        if verify_time is not None or lenient_bundle:
            vopts = verify_options(verify_time, lenient_bundle)
            opts.verify = ctypes.pointer(vopts)
        handle = c_void_p()
        errors.check(
            lib.confai_client_new(byref(handle), str(base_url).encode("utf-8"), policy.handle, byref(opts), byref(err)),
            err,
        )
        if not handle:
            raise errors.internal("confai_client_new")
        self._handle = handle
        self._policy = policy  # must outlive the client
        self.base_url = str(base_url)

    @property
    def handle(self):
        if self._handle is None:
            raise errors.ArgumentError(103, "the client was closed")
        return self._handle

    def attest(self) -> Verdict:
        """Attests the service now and makes the new verdict the lease."""
        err = Error()
        out = c_void_p()
        errors.check(lib.confai_client_attest(self.handle, byref(out), byref(err)), err)
        return Verdict(out)

    def verdict(self) -> Verdict:
        """The current lease's verdict, attesting first when needed."""
        err = Error()
        out = c_void_p()
        errors.check(lib.confai_client_verdict(self.handle, byref(out), byref(err)), err)
        return Verdict(out)

    def fetch(self, method: str, path: str, *, headers=(), body: bytes = b"") -> Response:
        """Sends one sealed request and returns the opened whole response."""
        with Request(method, path, headers, body) as req:
            return self.fetch_message(req)

    def fetch_message(self, req: Request) -> Response:
        """fetch() of an inner request built already (confai.Request)."""
        err = Error()
        out = c_void_p()
        errors.check(lib.confai_client_fetch(self.handle, byref(out), req.handle, byref(err)), err)
        if not out:
            raise errors.internal("confai_client_fetch")
        try:
            status, hdrs = read_head(out)
            return Response(status, hdrs, read_body(out))
        finally:
            lib.confai_http_message_free(out)

    def stream(self, method: str, path: str, *, headers=(), body: bytes = b"") -> Stream:
        """Sends a streamed (chunked) sealed request; returns once the head is open."""
        with Request(method, path, headers, body) as req:
            return self.stream_message(req)

    def stream_message(self, req: Request) -> Stream:
        """stream() of an inner request built already (confai.Request)."""
        err = Error()
        out = c_void_p()
        errors.check(lib.confai_client_stream_open(self.handle, byref(out), req.handle, byref(err)), err)
        if not out:
            raise errors.internal("confai_client_stream_open")
        return Stream(self, out)

    def chat(self, request):
        """A streamed chat completion; yields the assistant's text deltas (str).

        request is the body of POST /v1/chat/completions (dict, str or bytes);
        "stream" is set to true by the C core. The generator raises if the
        exchange fails at any point, also after some deltas; closing it early
        cancels the request.
        """
        if isinstance(request, dict):
            request = _json.dumps(request)
        if isinstance(request, str):
            request = request.encode("utf-8")
        request = bytes(request)
        handle = self.handle
        q: queue.Queue = queue.Queue()
        stop = threading.Event()
        done = object()

        def on_delta(_user, text, n):
            if stop.is_set():
                return 1
            q.put(ctypes.string_at(text, n))
            return 0

        callback = CHAT_DELTA_FN(on_delta)  # referenced until the call returns
        outcome = {}

        def run():
            err = Error()
            try:
                outcome["status"] = lib.confai_client_chat(handle, request, len(request), callback, None, byref(err))
                outcome["message"] = err.message.decode("utf-8", "replace")
            finally:
                q.put(done)

        worker = threading.Thread(target=run, name="confai-chat", daemon=True)
        worker.start()
        pending = b""
        try:
            while True:
                item = q.get()
                if item is done:
                    break
                pending += item
                try:
                    text = pending.decode("utf-8")
                except UnicodeDecodeError as exc:
                    if exc.reason == "unexpected end of data":
                        continue  # a code point split between two deltas
                    raise
                pending = b""
                if text:
                    yield text
        finally:
            stop.set()
            worker.join()
            del callback
        status = outcome.get("status", 201)
        if status != 0:
            raise errors.error_for(status, outcome.get("message", ""))
        if pending:
            raise errors.ParseError(300, "the answer ended inside a UTF-8 sequence")
