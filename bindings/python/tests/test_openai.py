"""The official openai package, unchanged, over the confai transports:
OpenAI and AsyncOpenAI, streamed and not, through httpx2 (what openai 3.x
uses) and httpx (which it still accepts)."""

from __future__ import annotations

import asyncio
import threading

import httpx
import httpx2
import pytest

import confai
import confai.httpx
import confai.httpx2

openai = pytest.importorskip("openai")

MESSAGES = [{"role": "user", "content": "Hello"}]
LIBRARIES = {"httpx2": (httpx2, confai.httpx2), "httpx": (httpx, confai.httpx)}


def sdk(client, library="httpx2"):
    http, transports = LIBRARIES[library]
    return openai.OpenAI(
        base_url=confai.BASE_URL,
        api_key="unused",
        http_client=http.Client(transport=transports.ConfaiTransport(client)),
        max_retries=0,
    )


def async_sdk(client, library="httpx2"):
    http, transports = LIBRARIES[library]
    return openai.AsyncOpenAI(
        base_url=confai.BASE_URL,
        api_key="unused",
        http_client=http.AsyncClient(transport=transports.AsyncConfaiTransport(client)),
        max_retries=0,
    )


def test_openai_uses_httpx2():
    # what this binding's default transport is for; a change here means the
    # docs' choice of confai.httpx2 must be looked at again
    assert openai.DefaultHttpxClient.__mro__[1] is httpx2.Client


@pytest.mark.parametrize("library", LIBRARIES)
def test_chat_completion(gateway, library):
    with confai.Client(gateway.url, gateway.policy()) as client:
        r = sdk(client, library).chat.completions.create(model="confai-demo", messages=MESSAGES)
        assert r.choices[0].message.content
        assert r.model


@pytest.mark.parametrize("library", LIBRARIES)
def test_chat_completion_streamed(gateway, library):
    with confai.Client(gateway.url, gateway.policy()) as client:
        text = ""
        chunks = 0
        for chunk in sdk(client, library).chat.completions.create(
            model="confai-demo", messages=MESSAGES, stream=True
        ):
            chunks += 1
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
        assert chunks > 1
        # the same answer as the C core's own chat parser gives
        assert text and text == "".join(client.chat({"model": "confai-demo", "messages": MESSAGES}))


@pytest.mark.parametrize("library", LIBRARIES)
def test_async_chat_completion(gateway, library):
    async def main(client):
        ai = async_sdk(client, library)
        whole = await ai.chat.completions.create(model="confai-demo", messages=MESSAGES)
        text = ""
        chunks = 0
        async for chunk in await ai.chat.completions.create(model="confai-demo", messages=MESSAGES, stream=True):
            chunks += 1
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
        await ai.close()
        return whole.choices[0].message.content, text, chunks

    with confai.Client(gateway.url, gateway.policy()) as client:
        whole, text, chunks = asyncio.run(main(client))
        assert whole and chunks > 1
        assert text == "".join(client.chat({"model": "confai-demo", "messages": MESSAGES}))


@pytest.mark.parametrize("call", ["fetch_message", "stream_message"])
def test_async_transport_runs_the_c_calls_off_the_event_loop(gateway, call):
    # the C call (here wrapped) returns only once another task on the event
    # loop has run meanwhile: a transport that made the call on the loop's
    # own thread would wait in vain
    with confai.Client(gateway.url, gateway.policy()) as client:
        other_task_ran = threading.Event()
        real = getattr(client, call)

        def blocking(req):
            assert other_task_ran.wait(20), "the event loop was blocked during the C call"
            return real(req)

        setattr(client, call, blocking)

        async def other_task():
            await asyncio.sleep(0.05)
            other_task_ran.set()

        async def main():
            ai = async_sdk(client)
            kwargs = {"stream": True} if call == "stream_message" else {}
            answer, _ = await asyncio.gather(
                ai.chat.completions.create(model="confai-demo", messages=MESSAGES, **kwargs), other_task())
            if call == "stream_message":
                answer = [chunk async for chunk in answer]
            await ai.close()
            return answer

        assert asyncio.run(main())


@pytest.mark.parametrize("tamper", ["flip-byte", "truncate"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_tampered_stream_is_an_exception(make_gateway, tamper, mode):
    g = make_gateway("--tamper", tamper)

    async def consume(client):
        ai = async_sdk(client)
        try:
            async for _ in await ai.chat.completions.create(model="confai-demo", messages=MESSAGES, stream=True):
                pass
        finally:
            await ai.close()

    with confai.Client(g.url, g.policy()) as client:
        with pytest.raises(openai.APIConnectionError) as info:
            if mode == "async":
                asyncio.run(consume(client))
            else:
                for _ in sdk(client).chat.completions.create(model="confai-demo", messages=MESSAGES, stream=True):
                    pass
        err = info.value
        assert isinstance(err, confai.ConfaiError), repr(err)
        assert err.name in {"CONFAI_E_DECRYPT", "CONFAI_E_STREAM_TRUNCATED", "CONFAI_E_TRUNCATED"}, err
        assert str(err) == f"{err.name}: {err.message}"


@pytest.mark.parametrize("library", LIBRARIES)
def test_rejected_attestation_names_the_reason(gateway, make_gateway, library):
    # the gateway is verified against another platform's policy
    other = make_gateway(fresh=True)
    with confai.Client(gateway.url, other.policy(), attest_retries=0) as client:
        with pytest.raises(openai.APIConnectionError) as info:
            sdk(client, library).chat.completions.create(model="confai-demo", messages=MESSAGES)
    err = info.value
    assert type(err) is not openai.APIConnectionError  # not the SDK's bare "Connection error."
    assert isinstance(err, confai.ConfaiError)
    assert str(err).startswith(f"{err.name}: ") and err.message in str(err)
    assert err.name.startswith("CONFAI_E_") and err.message


def test_rejected_attestation_async(gateway, make_gateway):
    other = make_gateway(fresh=True)

    async def main(client):
        ai = async_sdk(client)
        try:
            await ai.chat.completions.create(model="confai-demo", messages=MESSAGES)
        finally:
            await ai.close()

    with confai.Client(gateway.url, other.policy(), attest_retries=0) as client:
        with pytest.raises(openai.APIConnectionError) as info:
            asyncio.run(main(client))
    assert isinstance(info.value, confai.ConfaiError)
    assert info.value.name in str(info.value)


def test_other_hosts_are_refused(gateway):
    with confai.Client(gateway.url, gateway.policy()) as client:
        ai = openai.OpenAI(base_url="http://127.0.0.2:9/v1", api_key="unused", max_retries=0,
                           http_client=httpx2.Client(transport=confai.httpx2.ConfaiTransport(client)))
        with pytest.raises(openai.APIConnectionError) as info:
            ai.models.list()
        assert info.value.name == "CONFAI_E_ARGUMENT"
        assert confai.SERVICE_HOST in str(info.value)


def test_models_and_embeddings(gateway):
    with confai.Client(gateway.url, gateway.policy()) as client:
        ai = sdk(client)
        assert [m.id for m in ai.models.list()] == ["confai-demo"]
        e = ai.embeddings.create(model="confai-demo", input=["a", "b"])
        assert len(e.data) == 2 and e.data[0].embedding != e.data[1].embedding
