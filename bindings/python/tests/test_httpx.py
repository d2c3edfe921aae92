"""ConfaiTransport with plain httpx."""

from __future__ import annotations

import httpx
import pytest

import confai
from confai.httpx import ConfaiTransport

CHAT = {"model": "confai-demo", "messages": [{"role": "user", "content": "Hello"}]}


def test_post_non_streamed(gateway):
    with confai.Client(gateway.url, gateway.policy()) as client:
        with httpx.Client(transport=ConfaiTransport(client), base_url=gateway.url) as http:
            r = http.post("/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer x"})
            assert r.status_code == 200
            assert r.json()["choices"][0]["message"]["content"]
            # the inner server's own answer for an unknown path, sealed too
            r = http.get("/v1/no-such-path?x=1")
            assert r.status_code == 404


def test_post_streamed_yields_as_it_opens(gateway):
    with confai.Client(gateway.url, gateway.policy()) as client:
        with httpx.Client(transport=ConfaiTransport(client), base_url=gateway.url) as http:
            with http.stream("POST", "/v1/chat/completions", json={**CHAT, "stream": True}) as r:
                assert r.status_code == 200
                assert r.headers["content-type"].startswith("text/event-stream")
                pieces = list(r.iter_raw())
            assert len(pieces) > 1
            assert b"".join(pieces).rstrip().endswith(b"data: [DONE]")


def test_errors_are_confai_and_httpx_errors(make_gateway):
    g = make_gateway("--tamper", "flip-byte")
    with confai.Client(g.url, g.policy()) as client:
        with httpx.Client(transport=ConfaiTransport(client), base_url=g.url) as http:
            with pytest.raises(confai.ConfaiError) as info:
                with http.stream("POST", "/v1/chat/completions", json={**CHAT, "stream": True}) as r:
                    r.read()
            exc = info.value
            assert isinstance(exc, httpx.TransportError)
            assert isinstance(exc, confai.CryptoError)
            assert exc.name == "CONFAI_E_DECRYPT"
            assert exc.request.url.path == "/v1/chat/completions"


def test_transport_needs_a_client():
    with pytest.raises(TypeError):
        ConfaiTransport(object())
