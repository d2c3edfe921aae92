"""The Python runner of tests/conformance/request-shape.json: each case as
an httpx (and httpx2) request through the transports' shaping path gives the
fixture's inner request, byte for byte, and its streamed flag."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import httpx2
import pytest

import confai
import confai.httpx
import confai.httpx2
from confai._http import encode

from conftest import REPO

CONFORMANCE = Path(os.environ.get("CONFAI_CONFORMANCE_DIR", REPO / "tests" / "conformance"))
FIXTURE = json.loads((CONFORMANCE / "request-shape.json").read_text())
LIBRARIES = {"httpx": (httpx, confai.httpx), "httpx2": (httpx2, confai.httpx2)}


def test_fixture_version():
    assert FIXTURE["version"] == 1
    assert len(FIXTURE["cases"]) >= 4


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("case", FIXTURE["cases"], ids=lambda c: c["name"])
def test_case(case, library):
    http, transports = LIBRARIES[library]
    request = http.Request(case["method"], "http://" + confai.SERVICE_HOST + case["path"],
                           headers=case["headers"], content=case["body"].encode("utf-8"))
    with transports.inner_request(request) as inner:
        assert encode(inner).hex() == case["inner"]
        assert inner.streamed is case["streamed"]


@pytest.mark.parametrize("library", LIBRARIES)
def test_bad_field_value_is_refused(library):
    http, transports = LIBRARIES[library]
    request = http.Request("POST", confai.BASE_URL + "/chat/completions",
                           headers=[("authorization", " Bearer x")], content=b"{}")
    with pytest.raises(confai.ArgumentError) as info:
        transports.inner_request(request)
    assert isinstance(info.value, http.TransportError)
