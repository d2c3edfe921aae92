"""The transports with plain httpx and httpx2, sync and async."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
import httpx2
import pytest

import confai
import confai.httpx
import confai.httpx2

CHAT = {"model": "confai-demo", "messages": [{"role": "user", "content": "Hello"}]}
LIBRARIES = {"httpx": (httpx, confai.httpx), "httpx2": (httpx2, confai.httpx2)}
BASES = [confai.BASE_URL, "gateway"]


def base(url, gateway):
    return gateway.url + "/v1" if url == "gateway" else url


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("url", BASES)
def test_post_non_streamed(gateway, library, url):
    http, t = LIBRARIES[library]
    with confai.Client(gateway.url, gateway.policy()) as client:
        with http.Client(transport=t.ConfaiTransport(client), base_url=base(url, gateway)) as h:
            r = h.post("chat/completions", json=CHAT, headers={"authorization": "Bearer x"})
            assert r.status_code == 200
            assert r.json()["choices"][0]["message"]["content"]
            # the inner server's own answer for an unknown path, sealed too
            r = h.get("no-such-path?x=1")
            assert r.status_code == 404


@pytest.mark.parametrize("library", LIBRARIES)
def test_post_streamed_yields_as_it_opens(gateway, library):
    http, t = LIBRARIES[library]
    with confai.Client(gateway.url, gateway.policy()) as client:
        with http.Client(transport=t.ConfaiTransport(client), base_url=confai.BASE_URL) as h:
            with h.stream("POST", "chat/completions", json={**CHAT, "stream": True}) as r:
                assert r.status_code == 200
                assert r.headers["content-type"].startswith("text/event-stream")
                pieces = list(r.iter_raw())
            assert len(pieces) > 1
            assert b"".join(pieces).rstrip().endswith(b"data: [DONE]")


@pytest.mark.parametrize("library", LIBRARIES)
def test_async_streamed_and_not(gateway, library):
    http, t = LIBRARIES[library]

    async def main(client):
        async with http.AsyncClient(transport=t.AsyncConfaiTransport(client), base_url=confai.BASE_URL) as h:
            whole = await h.post("chat/completions", json=CHAT)
            async with h.stream("POST", "chat/completions", json={**CHAT, "stream": True}) as r:
                pieces = [p async for p in r.aiter_raw()]
            # a stream closed before its end releases the exchange
            async with h.stream("POST", "chat/completions", json={**CHAT, "stream": True}) as r:
                async for _ in r.aiter_raw():
                    break
            return whole, r.status_code, pieces

    with confai.Client(gateway.url, gateway.policy()) as client:
        whole, status, pieces = asyncio.run(main(client))
    assert whole.status_code == 200 and whole.json()["choices"][0]["message"]["content"]
    assert status == 200 and len(pieces) > 1
    assert b"".join(pieces).rstrip().endswith(b"data: [DONE]")


BODY_ERROR = """
import sys, confai, {lib}, confai.{lib} as t
with confai.Client(sys.argv[1], confai.Policy.from_file(sys.argv[2])) as client:
    with {lib}.Client(transport=t.ConfaiTransport(client), base_url=confai.BASE_URL) as h:
        try:
            with h.stream("POST", "chat/completions", json={chat!r}) as r:
                r.read()
        except confai.CryptoError as exc:
            assert isinstance(exc, {lib}.TransportError), type(exc).__mro__
            assert exc.request.url.path == "/v1/chat/completions"
            assert "openai" not in sys.modules
            print(exc)
"""


@pytest.mark.parametrize("library", LIBRARIES)
def test_errors_are_confai_and_http_library_errors(make_gateway, library):
    # in a process of its own: where the openai package is loaded, an error in
    # a streamed body is openai's error instead (test_openai.py)
    g = make_gateway("--tamper", "flip-byte")
    program = BODY_ERROR.format(lib=library, chat={**CHAT, "stream": True})
    done = subprocess.run([sys.executable, "-c", program, g.url, g.policy_path],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("CONFAI_E_DECRYPT: ")


@pytest.mark.parametrize("library", LIBRARIES)
def test_errors_while_sending_are_http_library_errors(make_gateway, gateway, library):
    http, t = LIBRARIES[library]
    other = make_gateway(fresh=True)
    with confai.Client(gateway.url, other.policy(), attest_retries=0) as client:
        with http.Client(transport=t.ConfaiTransport(client), base_url=confai.BASE_URL) as h:
            with pytest.raises(confai.ConfaiError) as info:
                h.post("chat/completions", json=CHAT)
            exc = info.value
            assert isinstance(exc, http.TransportError)
            assert str(exc).startswith(exc.name + ": ")
            assert exc.request.url.path == "/v1/chat/completions"


@pytest.mark.parametrize("library", LIBRARIES)
def test_other_hosts_are_refused(gateway, library):
    http, t = LIBRARIES[library]
    with confai.Client(gateway.url, gateway.policy()) as client:
        for other in ("http://127.0.0.2:9/v1", "https://confai.invalid.example/v1", "https://" + gateway.url[7:]):
            with http.Client(transport=t.ConfaiTransport(client), base_url=other) as h:
                with pytest.raises(confai.ArgumentError) as info:
                    h.get("models")
                assert isinstance(info.value, http.TransportError)


def test_transport_needs_a_client():
    for t in (confai.httpx, confai.httpx2):
        with pytest.raises(TypeError):
            t.ConfaiTransport(object())
        with pytest.raises(TypeError):
            t.AsyncConfaiTransport(object())


def test_a_transport_of_the_other_library_says_so(gateway):
    with confai.Client(gateway.url, gateway.policy()) as client:
        for http, other in ((httpx2, confai.httpx), (httpx, confai.httpx2)):
            with http.Client(transport=other.ConfaiTransport(client), base_url=confai.BASE_URL) as h:
                with pytest.raises(TypeError, match=f"use the transports of confai.{http.__name__}"):
                    h.get("models")

            async def main():
                async with http.AsyncClient(transport=other.AsyncConfaiTransport(client), base_url=confai.BASE_URL) as h:
                    await h.get("models")

            with pytest.raises(TypeError, match=f"use the transports of confai.{http.__name__}"):
                asyncio.run(main())
