"""Policies, evidence verification and verdicts."""

from __future__ import annotations

import ctypes
import json as _json
import os
from ctypes import byref, c_size_t, c_void_p

from . import errors
from ._lib import VERIFY_LENIENT_BUNDLE, VERIFY_OPTIONS_VERSION, Error, VerifyOptions, Owned, lib

_ROOT_KINDS = {0: "none", 1: "vendor", 2: "custom"}
_TCB_KINDS = {"current": 0, "reported": 1, "committed": 2, "launch": 3}


class Policy(Owned):
    """A verification policy (doc/policy.md), parsed and checked by the C core.

    Immutable: one policy may serve many clients and threads. It must outlive
    every Client made with it (the Client keeps a reference for that).
    """

    _free = "confai_policy_free"

    def __init__(self, document):
        if isinstance(document, dict):
            document = _json.dumps(document)
        if isinstance(document, str):
            document = document.encode("utf-8")
        if not isinstance(document, (bytes, bytearray)):
            raise TypeError("a policy is JSON text (str or bytes) or a dict")
        err = Error()
        handle = c_void_p()
        errors.check(lib.confai_policy_new(byref(handle), bytes(document), len(document), byref(err)), err)
        if not handle:
            raise errors.internal("confai_policy_new")
        self._handle = handle

    @classmethod
    def from_file(cls, path) -> "Policy":
        with open(os.fspath(path), "rb") as f:
            return cls(f.read())

    @property
    def handle(self):
        if self._handle is None:
            raise errors.ArgumentError(103, "the policy was closed")
        return self._handle

    @property
    def max_age(self) -> int:
        """Seconds a verified attestation may be reused."""
        return int(lib.confai_policy_max_age(self.handle))


class Verdict(Owned):
    """What a successful verification proved (doc/protocol.md, section 5.1).

    Holds its own reference to the C verdict; immutable and thread-safe.
    """

    _free = "confai_verdict_free"

    def __init__(self, handle):
        # takes over one reference
        if not handle:
            raise errors.internal("verdict")
        self._handle = c_void_p(handle) if not isinstance(handle, c_void_p) else handle

    def _h(self):
        if self._handle is None:
            raise errors.ArgumentError(103, "the verdict was closed")
        return self._handle

    @staticmethod
    def _text(value):
        return value.decode("utf-8") if value is not None else None

    @property
    def platform(self) -> str:
        return self._text(lib.confai_verdict_platform(self._h()))

    @property
    def product(self) -> str:
        return self._text(lib.confai_verdict_product(self._h()))

    @property
    def measurement(self) -> bytes:
        n = c_size_t()
        ptr = lib.confai_verdict_measurement(self._h(), byref(n))
        return ctypes.string_at(ptr, n.value) if ptr and n.value else b""

    @property
    def root_kind(self) -> str:
        """"vendor" for a built-in vendor root, "custom" for one a policy added."""
        return _ROOT_KINDS.get(lib.confai_verdict_root_kind(self._h()), "none")

    @property
    def root_is_vendor(self) -> bool:
        return bool(lib.confai_verdict_root_is_vendor(self._h()))

    @property
    def root_warning(self):
        """For a custom root, the warning to show with the verdict; else None."""
        return self._text(lib.confai_verdict_root_warning(self._h()))

    def _digest(self, fn) -> bytes:
        ptr = fn(self._h())
        return ctypes.string_at(ptr, lib.confai_verdict_digest_size()) if ptr else b""

    @property
    def key_config_digest(self) -> bytes:
        return self._digest(lib.confai_verdict_key_config_digest)

    @property
    def manifest_digest(self) -> bytes:
        return self._digest(lib.confai_verdict_manifest_digest)

    @property
    def verified_at(self) -> int:
        return int(lib.confai_verdict_verified_at(self._h()))

    @property
    def not_after(self) -> int:
        return int(lib.confai_verdict_not_after(self._h()))

    @property
    def expiry(self) -> int:
        """After this (seconds since 1970) the bound key must not be used."""
        return int(lib.confai_verdict_expiry(self._h()))

    def tcb(self, kind: str = "reported") -> int:
        """A raw 64-bit TCB_VERSION: "current", "reported", "committed", "launch"."""
        return int(lib.confai_verdict_tcb(self._h(), _TCB_KINDS[kind]))

    @property
    def checks(self) -> list:
        h = self._h()
        return [lib.confai_verdict_check(h, i).decode() for i in range(lib.confai_verdict_check_count(h))]

    @property
    def waived(self) -> list:
        h = self._h()
        return [lib.confai_verdict_waived(h, i).decode() for i in range(lib.confai_verdict_waived_count(h))]

    def json(self) -> str:
        """The verdict as the C core writes it (JSON text, for logs and UIs)."""
        err = Error()
        out = c_void_p()
        n = c_size_t()
        errors.check(lib.confai_verdict_json(self._h(), byref(out), byref(n), byref(err)), err)
        if not out:
            raise errors.internal("confai_verdict_json")
        try:
            return ctypes.string_at(out, n.value).decode("utf-8")
        finally:
            lib.confai_free(out)

    def to_dict(self) -> dict:
        return _json.loads(self.json())

    def __repr__(self):
        if self._handle is None:
            return "<confai.Verdict closed>"
        return f"<confai.Verdict {self.platform}/{self.product} root={self.root_kind} expiry={self.expiry}>"


def verify_options(verify_time=None, lenient_bundle=False) -> VerifyOptions:
    opts = VerifyOptions()
    err = Error()
    errors.check(lib.confai_verify_options_init(byref(opts), VERIFY_OPTIONS_VERSION, byref(err)), err)
    if verify_time is not None:
        opts.verify_time = int(verify_time)
    if lenient_bundle:
        opts.flags |= VERIFY_LENIENT_BUNDLE
    return opts


def verify_bundle(bundle, policy: Policy, nonce: bytes, *, verify_time=None, lenient_bundle=False) -> Verdict:
    """Verifies an evidence bundle that answers nonce (32 bytes) against policy.

    Raises the error of the first check that failed; returns a Verdict only
    when every check passed. verify_time (seconds since 1970) defaults to now.
    """
    if isinstance(bundle, str):
        bundle = bundle.encode("utf-8")
    nonce = bytes(nonce)
    if len(nonce) != lib.confai_attestation_nonce_size():
        raise errors.ArgumentError(100, f"the nonce must be {lib.confai_attestation_nonce_size()} bytes")
    opts = verify_options(verify_time, lenient_bundle)
    err = Error()
    handle = c_void_p()
    nonce_buf = (ctypes.c_uint8 * 32).from_buffer_copy(nonce)
    errors.check(
        lib.confai_attestation_verify(
            byref(handle), policy.handle, byref(opts), nonce_buf, bytes(bundle), len(bundle), byref(err)
        ),
        err,
    )
    return Verdict(handle)
