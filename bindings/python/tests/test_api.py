"""The binding's shapes on the C core, without a network: errors, policies,
verdicts, Binary HTTP requests."""

from __future__ import annotations

import json

import pytest

import confai
from confai import _http
from confai._lib import lib

from test_conformance import CASES, fixture


def case(name):
    return next(c for c in CASES if c["name"] == name)


def test_library_loads():
    assert confai.library_version()
    assert confai.library_path


@pytest.mark.parametrize(
    "status, cls",
    [
        (100, confai.ArgumentError),
        (200, confai.ResourceError),
        (300, confai.ParseError),
        (402, confai.CryptoError),
        (500, confai.AttestationError),
        (602, confai.PolicyError),
        (700, confai.TransportError),
    ],
)
def test_status_groups_map_to_classes(status, cls):
    exc = confai.errors.error_for(status, "detail")
    assert type(exc) is cls
    assert isinstance(exc, confai.ConfaiError)
    assert exc.status == status
    assert exc.name == lib.confai_status_name(status).decode()
    assert exc.message == "detail"
    assert str(exc) == f"{exc.name}: detail"


def test_error_carries_the_calls_message():
    with pytest.raises(confai.PolicyError) as info:
        confai.Policy('{"version": 1}')
    assert info.value.name == "CONFAI_E_POLICY_INVALID"
    assert info.value.message.startswith("policy:")


def test_policy_from_dict_and_file():
    c = case("bundle-accepted")
    doc = json.loads(fixture(c, "policy"))
    with confai.Policy(doc) as p:
        assert p.max_age == doc["max_age"]
    p = confai.Policy.from_file(confai_path(c["files"]["policy"]))
    p.close()
    with pytest.raises(confai.ArgumentError):
        p.max_age
    with pytest.raises(TypeError):
        confai.Policy(42)


def confai_path(rel):
    from test_conformance import CONFORMANCE

    return CONFORMANCE / rel


def test_verdict_properties():
    c = case("bundle-accepted")
    policy = confai.Policy(fixture(c, "policy"))
    v = confai.verify_bundle(fixture(c, "bundle").decode(), policy, bytes.fromhex(c["nonce"]), verify_time=c["verify_time"])
    want = json.loads(fixture(c, "verdict"))
    assert v.platform == "sev-snp" and v.product == "genoa"
    assert v.measurement.hex() == want["measurement"]
    assert v.root_kind == "custom" and not v.root_is_vendor
    assert v.root_warning == want["root"]["warning"]
    assert v.key_config_digest.hex() == want["key_config"]["sha256"]
    assert v.manifest_digest.hex() == want["manifest"]["sha256"]
    assert v.verified_at == c["verify_time"]
    assert v.expiry <= v.not_after
    assert v.checks == want["checks"]
    assert v.waived == want["waived"]
    assert v.tcb("reported") == int(want["tcb"]["reported"]["raw"], 16)
    assert v.to_dict() == want
    assert "sev-snp/genoa" in repr(v)
    v.close()
    assert "closed" in repr(v)
    with pytest.raises(confai.ArgumentError):
        v.json()


def test_verify_bundle_checks_the_nonce_size():
    c = case("bundle-accepted")
    policy = confai.Policy(fixture(c, "policy"))
    with pytest.raises(confai.ArgumentError):
        confai.verify_bundle(fixture(c, "bundle"), policy, b"short")


def test_rejections_raise_and_return_nothing():
    c = case("bundle-wrong-nonce")
    policy = confai.Policy(fixture(c, "policy"))
    with pytest.raises(confai.AttestationError) as info:
        confai.verify_bundle(fixture(c, "bundle"), policy, bytes.fromhex(c["nonce"]), verify_time=c["verify_time"])
    assert info.value.name == "CONFAI_E_NONCE_MISMATCH"


def test_request_validation_is_the_c_cores():
    with _http.Request("POST", "/v1/chat/completions", {"content-type": "application/json"}, b"{}") as r:
        assert r.handle
    with pytest.raises(confai.ArgumentError):
        _http.Request("POST", "/v1/x", [("bad name", "v")])
    with pytest.raises(confai.ArgumentError):
        _http.Request("POST", "/v1/x", [("x-a", "line\r\nbreak")])
    with pytest.raises(confai.ArgumentError):
        _http.Request("", "/v1/x")
