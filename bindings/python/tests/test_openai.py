"""The official openai package, unchanged, over ConfaiTransport."""

from __future__ import annotations

import httpx
import pytest

import confai
from confai.httpx import ConfaiTransport

openai = pytest.importorskip("openai")

MESSAGES = [{"role": "user", "content": "Hello"}]


def sdk(g, client):
    return openai.OpenAI(
        base_url=f"{g.url}/v1",
        api_key="unused",
        http_client=httpx.Client(transport=ConfaiTransport(client)),
        max_retries=0,
    )


def test_chat_completion(gateway):
    with confai.Client(gateway.url, gateway.policy()) as client:
        ai = sdk(gateway, client)
        r = ai.chat.completions.create(model="confai-demo", messages=MESSAGES)
        assert r.choices[0].message.content
        assert r.model


def test_chat_completion_streamed(gateway):
    with confai.Client(gateway.url, gateway.policy()) as client:
        ai = sdk(gateway, client)
        text = ""
        chunks = 0
        for chunk in ai.chat.completions.create(model="confai-demo", messages=MESSAGES, stream=True):
            chunks += 1
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
        assert chunks > 1
        assert text
        # the same answer as the C core's own chat parser gives
        assert text == "".join(client.chat({"model": "confai-demo", "messages": MESSAGES}))


@pytest.mark.parametrize("tamper", ["flip-byte", "truncate"])
def test_tampered_stream_is_an_exception(make_gateway, tamper):
    g = make_gateway("--tamper", tamper)
    with confai.Client(g.url, g.policy()) as client:
        ai = sdk(g, client)
        with pytest.raises(Exception) as info:
            for _ in ai.chat.completions.create(model="confai-demo", messages=MESSAGES, stream=True):
                pass
        # the confai error is the exception itself or its cause
        err = info.value
        while err is not None and not isinstance(err, confai.ConfaiError):
            err = err.__cause__ or err.__context__
        assert isinstance(err, confai.ConfaiError), repr(info.value)
        assert err.name in {"CONFAI_E_DECRYPT", "CONFAI_E_STREAM_TRUNCATED", "CONFAI_E_TRUNCATED"}, err


def test_transport_error_surfaces_in_the_sdk(gateway, make_gateway):
    other = make_gateway(fresh=True)
    with confai.Client(gateway.url, other.policy(), attest_retries=0) as client:
        ai = sdk(gateway, client)
        with pytest.raises(openai.APIConnectionError) as info:
            ai.chat.completions.create(model="confai-demo", messages=MESSAGES)
        assert isinstance(info.value.__cause__, confai.ConfaiError)
