"""The Python runner of the conformance fixtures (tests/conformance/README.md).

Runs every case of tests/conformance/manifest.json through the binding and
the C core and expects the same status, verdict and plaintext as the C, Go
and Node runners.
"""

from __future__ import annotations

import ctypes
import json
import os
from ctypes import byref, c_size_t, c_void_p
from pathlib import Path

import pytest

import confai
from confai import _lib
from confai._lib import CHUNK_FN, Error, lib

from conftest import REPO

CONFORMANCE = Path(os.environ.get("CONFAI_CONFORMANCE_DIR", REPO / "tests" / "conformance"))
MANIFEST = json.loads((CONFORMANCE / "manifest.json").read_text())
CASES = MANIFEST["cases"]


def fixture(case, role) -> bytes:
    return (CONFORMANCE / case["files"][role]).read_bytes()


def status_of(exc: confai.ConfaiError) -> str:
    assert exc.name == lib.confai_status_name(exc.status).decode()
    return exc.name


def run_policy(case):
    confai.Policy(fixture(case, "policy")).close()


def run_bundle(case):
    policy = confai.Policy(fixture(case, "policy"))
    verdict = confai.verify_bundle(
        fixture(case, "bundle"),
        policy,
        bytes.fromhex(case["nonce"]),
        verify_time=case["verify_time"],
        lenient_bundle="lenient_bundle" in case["flags"],
    )
    if "verdict" in case["files"]:
        assert json.loads(verdict.json()) == json.loads(fixture(case, "verdict"))
        assert verdict.to_dict()["result"] == "accepted"
        assert verdict.root_kind == "custom" and verdict.root_warning.startswith("NOT an AMD root")
        assert not verdict.root_is_vendor
        assert verdict.platform == "sev-snp"


class Gateway:
    """The gateway's key configuration a sealed case describes."""

    def __init__(self, case):
        g = case["gateway"]
        err = Error()
        self.key = c_void_p()
        sk = fixture(case, "gateway_key")
        confai.errors.check(
            lib.confai_hpke_key_import(byref(self.key), g["kem_id"], _lib.buf_from(sk), len(sk), byref(err)), err
        )
        algs = (ctypes.c_uint16 * (2 * len(g["algorithms"])))(
            *[v for a in g["algorithms"] for v in (a["kdf_id"], a["aead_id"])]
        )
        self.config = c_void_p()
        confai.errors.check(
            lib.confai_key_config_new(byref(self.config), self.key, g["key_id"], algs, len(g["algorithms"]), byref(err)),
            err,
        )
        self.configs = (c_void_p * 1)(self.config.value)

    def close(self):
        lib.confai_key_config_free(self.config)
        lib.confai_hpke_key_free(self.key)


class Sink:
    def __init__(self):
        self.data = b""
        self.final_seen = False
        self.after_final = False

        def on_chunk(_user, pt, n, is_final):
            if self.final_seen:
                self.after_final = True
            self.data += ctypes.string_at(pt, n) if n else b""
            self.final_seen = bool(is_final)

        self.callback = CHUNK_FN(on_chunk)  # kept alive with the sink


def check_plaintext(case, got: bytes):
    if "plaintext" in case["files"]:
        assert got == fixture(case, "plaintext")


def run_sealed_request(case):
    gw = Gateway(case)
    req = fixture(case, "request")
    err = Error()
    handle = c_void_p()
    try:
        if case["mode"] == "whole":
            out = (ctypes.c_uint8 * (len(req) + 1))()
            n = c_size_t(len(out))
            st = lib.confai_ohttp_gateway_open_request(
                byref(handle), out, byref(n), gw.configs, 1, _lib.buf_from(req), len(req), byref(err)
            )
            confai.errors.check(st, err)
            check_plaintext(case, bytes(out[: n.value]))
        else:
            sink = Sink()
            confai.errors.check(
                lib.confai_ohttp_gateway_new_chunked(byref(handle), gw.configs, 1, sink.callback, None, byref(err)),
                err,
            )
            confai.errors.check(lib.confai_ohttp_gateway_feed_request(handle, _lib.buf_from(req), len(req), byref(err)), err)
            confai.errors.check(lib.confai_ohttp_gateway_finish_request(handle, byref(err)), err)
            assert sink.final_seen and not sink.after_final
            check_plaintext(case, sink.data)
    finally:
        lib.confai_ohttp_gateway_free(handle)
        gw.close()


# Opening a recorded response needs the client side of the exchange rebuilt
# from the gateway's key; the public C API has no call for that yet.
RECORDED_EXCHANGE_FN = "confai_ohttp_client_from_request"


def run_sealed_response(case):
    if not _lib.has(RECORDED_EXCHANGE_FN):
        pytest.skip(f"the C API has no {RECORDED_EXCHANGE_FN} to rebuild a recorded exchange (the C runner covers these)")
    gw = Gateway(case)
    req = fixture(case, "request")
    res = fixture(case, "response")
    err = Error()
    client = c_void_p()
    sink = Sink()
    fn = getattr(lib, RECORDED_EXCHANGE_FN)
    fn.restype = ctypes.c_int
    fn.argtypes = [
        ctypes.POINTER(c_void_p), ctypes.POINTER(c_void_p), c_size_t, ctypes.POINTER(ctypes.c_uint8), c_size_t,
        ctypes.c_int, CHUNK_FN, c_void_p, ctypes.POINTER(Error),
    ]
    try:
        chunked = case["mode"] == "chunked"
        confai.errors.check(
            fn(byref(client), gw.configs, 1, _lib.buf_from(req), len(req), int(chunked), sink.callback, None, byref(err)),
            err,
        )
        if not chunked:
            out = (ctypes.c_uint8 * (len(res) + 1))()
            n = c_size_t(len(out))
            confai.errors.check(
                lib.confai_ohttp_client_open_response(client, out, byref(n), _lib.buf_from(res), len(res), byref(err)), err
            )
            check_plaintext(case, bytes(out[: n.value]))
        else:
            confai.errors.check(lib.confai_ohttp_client_feed_response(client, _lib.buf_from(res), len(res), byref(err)), err)
            confai.errors.check(lib.confai_ohttp_client_finish_response(client, byref(err)), err)
            assert sink.final_seen and not sink.after_final
            check_plaintext(case, sink.data)
    finally:
        lib.confai_ohttp_client_free(client)
        gw.close()


RUNNERS = {
    "policy": run_policy,
    "bundle": run_bundle,
    "sealed-request": run_sealed_request,
    "sealed-response": run_sealed_response,
}


def test_manifest_shape():
    assert MANIFEST["version"] == 1
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))
    for c in CASES:
        assert c["kind"] in RUNNERS, c["name"]
        for rel in c["files"].values():
            assert (CONFORMANCE / rel).is_file(), rel


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case):
    try:
        RUNNERS[case["kind"]](case)
        got = "CONFAI_OK"
    except confai.ConfaiError as exc:
        got = status_of(exc)
        # the exception class follows the status group
        group = lib.confai_status_group_of(exc.status)
        assert isinstance(exc, confai.errors._GROUPS[group])
        assert exc.message
    assert got == case["expected"], case["description"]
