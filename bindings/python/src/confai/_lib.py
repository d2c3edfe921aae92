"""Loading libconfai.so.0 and declaring the C functions the package calls.

The library is the one the wheel carries beside this file
(confai/libconfai.so.0, built from the same tree), unless the CONFAI_LIBRARY
environment variable names another one, which is then the only one tried.
Every function used is declared with its argument and result types, so a
wrong call fails in ctypes instead of in C.
"""

from __future__ import annotations

import ctypes
import os
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char,
    c_char_p,
    c_int,
    c_int64,
    c_size_t,
    c_uint8,
    c_uint16,
    c_uint32,
    c_uint64,
    c_void_p,
)
from pathlib import Path

ERROR_MESSAGE_SIZE = 256
VERIFY_OPTIONS_VERSION = 1
CLIENT_OPTIONS_VERSION = 1
VERIFY_LENIENT_BUNDLE = 0x1

HTTP_ANY = 0
HTTP_REQUEST = 1
HTTP_RESPONSE = 2
HTTP_KNOWN_LENGTH = 0
HTTP_HEADERS = 0
HTTP_TRAILERS = 1


class Error(Structure):
    """confai_error: the per-call detail every function fills on failure."""

    _fields_ = [("status", c_int), ("message", c_char * ERROR_MESSAGE_SIZE)]


class VerifyOptions(Structure):
    """confai_verify_options (version 1)."""

    _fields_ = [
        ("version", c_uint32),
        ("flags", c_uint32),
        ("verify_time", c_int64),
        ("cache", c_void_p),
        ("reserved", c_uint64 * 8),
    ]


class ClientOptions(Structure):
    """confai_client_options (version 1)."""

    _fields_ = [
        ("version", c_uint32),
        ("flags", c_uint32),
        ("connect_timeout_ms", c_int64),
        ("request_timeout_ms", c_int64),
        ("attest_timeout_ms", c_int64),
        ("attest_retries", c_uint32),
        ("retry_backoff_ms", c_uint32),
        ("ca_file", c_char_p),
        ("pinned_public_key", c_char_p),
        ("user_agent", c_char_p),
        ("max_response_size", c_size_t),
        ("chunk_size", c_size_t),
        ("verify", POINTER(VerifyOptions)),
        ("reserved", c_uint64 * 8),
    ]


# confai_chat_delta_fn and confai_ohttp_chunk_fn
CHAT_DELTA_FN = CFUNCTYPE(c_int, c_void_p, POINTER(c_char), c_size_t)
CHUNK_FN = CFUNCTYPE(None, c_void_p, POINTER(c_uint8), c_size_t, c_int)

_ERR = POINTER(Error)
_H = c_void_p  # every opaque handle
_PH = POINTER(c_void_p)
_U8P = POINTER(c_uint8)

# name: (result type, argument types)
_FUNCTIONS = {
    "confai_version": (c_char_p, []),
    "confai_status_str": (c_char_p, [c_int]),
    "confai_status_name": (c_char_p, [c_int]),
    "confai_status_group_of": (c_int, [c_int]),
    "confai_error_size": (c_size_t, []),
    "confai_free": (None, [c_void_p]),
    "confai_attestation_nonce_size": (c_size_t, []),
    # HPKE keys and OHTTP (conformance runner)
    "confai_hpke_key_import": (c_int, [_PH, c_uint16, _U8P, c_size_t, _ERR]),
    "confai_hpke_key_free": (None, [_H]),
    "confai_key_config_new": (c_int, [_PH, _H, c_uint8, c_void_p, c_size_t, _ERR]),
    "confai_key_config_free": (None, [_H]),
    "confai_ohttp_gateway_open_request": (
        c_int,
        [_PH, _U8P, POINTER(c_size_t), POINTER(c_void_p), c_size_t, _U8P, c_size_t, _ERR],
    ),
    "confai_ohttp_gateway_new_chunked": (
        c_int,
        [_PH, POINTER(c_void_p), c_size_t, CHUNK_FN, c_void_p, _ERR],
    ),
    "confai_ohttp_gateway_feed_request": (c_int, [_H, _U8P, c_size_t, _ERR]),
    "confai_ohttp_gateway_finish_request": (c_int, [_H, _ERR]),
    "confai_ohttp_gateway_free": (None, [_H]),
    "confai_ohttp_client_open_response": (
        c_int,
        [_H, _U8P, POINTER(c_size_t), _U8P, c_size_t, _ERR],
    ),
    "confai_ohttp_client_feed_response": (c_int, [_H, _U8P, c_size_t, _ERR]),
    "confai_ohttp_client_finish_response": (c_int, [_H, _ERR]),
    "confai_ohttp_client_free": (None, [_H]),
    # Binary HTTP messages
    "confai_http_message_new_request": (
        c_int,
        [_PH, c_char_p, c_char_p, c_char_p, c_char_p, _ERR],
    ),
    "confai_http_message_free": (None, [_H]),
    "confai_http_message_add_field": (c_int, [_H, c_int, c_char_p, c_char_p, _ERR]),
    "confai_http_message_set_body": (c_int, [_H, _U8P, c_size_t, _ERR]),
    "confai_http_message_status": (c_uint16, [_H]),
    "confai_http_message_field_count": (c_size_t, [_H, c_int]),
    "confai_http_message_field": (
        c_int,
        [_H, POINTER(c_char_p), POINTER(c_char_p), c_int, c_size_t, _ERR],
    ),
    "confai_http_message_body": (c_void_p, [_H, POINTER(c_size_t)]),
    "confai_http_message_encode": (c_int, [_H, POINTER(c_void_p), POINTER(c_size_t), c_int, c_size_t, _ERR]),
    "confai_http_request_shape": (
        c_int,
        [_PH, POINTER(c_int), c_char_p, c_char_p, POINTER(c_char_p), POINTER(c_char_p), c_size_t, _U8P,
         c_size_t, _ERR],
    ),
    # policy and verification
    "confai_policy_new": (c_int, [_PH, c_char_p, c_size_t, _ERR]),
    "confai_policy_free": (None, [_H]),
    "confai_policy_max_age": (c_int64, [_H]),
    "confai_verify_options_init": (c_int, [POINTER(VerifyOptions), c_uint32, _ERR]),
    "confai_attestation_verify": (
        c_int,
        [_PH, _H, POINTER(VerifyOptions), _U8P, c_char_p, c_size_t, _ERR],
    ),
    # verdicts
    "confai_verdict_ref": (c_void_p, [_H]),
    "confai_verdict_free": (None, [_H]),
    "confai_verdict_platform": (c_char_p, [_H]),
    "confai_verdict_product": (c_char_p, [_H]),
    "confai_verdict_measurement": (c_void_p, [_H, POINTER(c_size_t)]),
    "confai_verdict_root_kind": (c_int, [_H]),
    "confai_verdict_root_is_vendor": (c_int, [_H]),
    "confai_verdict_root_warning": (c_char_p, [_H]),
    "confai_verdict_key_config_digest": (c_void_p, [_H]),
    "confai_verdict_manifest_digest": (c_void_p, [_H]),
    "confai_verdict_verified_at": (c_int64, [_H]),
    "confai_verdict_not_after": (c_int64, [_H]),
    "confai_verdict_expiry": (c_int64, [_H]),
    "confai_verdict_tcb": (c_uint64, [_H, c_int]),
    "confai_verdict_check_count": (c_size_t, [_H]),
    "confai_verdict_check": (c_char_p, [_H, c_size_t]),
    "confai_verdict_waived_count": (c_size_t, [_H]),
    "confai_verdict_waived": (c_char_p, [_H, c_size_t]),
    "confai_verdict_json": (c_int, [_H, POINTER(c_void_p), POINTER(c_size_t), _ERR]),
    "confai_verdict_digest_size": (c_size_t, []),
    # client layer
    "confai_client_options_version": (c_uint32, []),
    "confai_client_options_init": (c_int, [POINTER(ClientOptions), c_uint32, _ERR]),
    "confai_client_new": (c_int, [_PH, c_char_p, _H, POINTER(ClientOptions), _ERR]),
    "confai_client_free": (None, [_H]),
    "confai_client_attest": (c_int, [_H, _PH, _ERR]),
    "confai_client_verdict": (c_int, [_H, _PH, _ERR]),
    "confai_client_fetch": (c_int, [_H, _PH, _H, _ERR]),
    "confai_client_stream_open": (c_int, [_H, _PH, _H, _ERR]),
    "confai_stream_response": (c_void_p, [_H]),
    "confai_stream_read": (c_int, [_H, _U8P, POINTER(c_size_t), _ERR]),
    "confai_stream_cancel": (None, [_H]),
    "confai_stream_free": (None, [_H]),
    "confai_client_chat": (c_int, [_H, c_char_p, c_size_t, CHAT_DELTA_FN, c_void_p, _ERR]),
}


def _candidates():
    env = os.environ.get("CONFAI_LIBRARY")
    if env:
        # An explicit choice is the only one: never fall back behind it.
        yield env
        return
    # the library the wheel was built with, beside this file
    yield str(Path(__file__).resolve().parent / "libconfai.so.0")


def _load():
    tried = []
    for path in _candidates():
        if not os.path.exists(path):
            tried.append(f"{path} (missing)")
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as exc:
            tried.append(f"{path} ({exc})")
            continue
        return path, lib
    raise ImportError(
        "libconfai.so.0 not found: install the package with pip (the wheel carries the "
        "library) or set CONFAI_LIBRARY to its path. Tried: " + "; ".join(tried)
    )


path, lib = _load()

for _name, (_res, _args) in _FUNCTIONS.items():
    try:
        _fn = getattr(lib, _name)
    except AttributeError:
        # An older library: using the function raises AttributeError naming it.
        continue
    _fn.restype = _res
    _fn.argtypes = _args

if ctypes.sizeof(Error) != lib.confai_error_size():
    raise ImportError(
        f"{path}: confai_error is {lib.confai_error_size()} bytes, this package expects "
        f"{ctypes.sizeof(Error)}"
    )


def has(name: str) -> bool:
    """Whether the loaded library exports a function."""
    try:
        getattr(lib, name)
    except AttributeError:
        return False
    return True


def buf_from(data: bytes):
    """A ctypes uint8 array holding a copy of data (the C side reads it)."""
    return (c_uint8 * max(len(data), 1)).from_buffer_copy(data or b"\0")


def string_at(ptr, length: int) -> bytes:
    if not ptr or length == 0:
        return b""
    return ctypes.string_at(ptr, length)


class Owned:
    """Owns one library handle, released once by the function named _free:
    by close(), at the end of a with block, or when collected."""

    _free = ""

    def close(self) -> None:
        if getattr(self, "_handle", None) is not None:
            getattr(lib, self._free)(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()
