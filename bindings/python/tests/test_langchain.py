"""LangChain's ChatOpenAI and OpenAIEmbeddings over the confai transports,
and the misrouting they are kept from: a client path that does not go
through a transport fails to resolve the sentinel host and sends nothing."""

from __future__ import annotations

import asyncio
import socket
import threading

import httpx2
import pytest

import confai
from confai.httpx2 import AsyncConfaiTransport, ConfaiTransport

langchain_openai = pytest.importorskip("langchain_openai")
openai = pytest.importorskip("openai")

PROMPT = "Hello from the confai tests"


def chat_model(client, *, base_url=confai.BASE_URL, with_async=True):
    extra = {"timeout": 10}
    if with_async:
        extra["http_async_client"] = httpx2.AsyncClient(transport=AsyncConfaiTransport(client))
    return langchain_openai.ChatOpenAI(
        model="confai-demo",
        base_url=base_url,
        api_key="unused",
        max_retries=0,
        http_client=httpx2.Client(transport=ConfaiTransport(client)),
        **extra,
    )


def reference_answer(client):
    return "".join(client.chat({"model": "confai-demo", "messages": [{"role": "user", "content": PROMPT}]}))


def test_invoke_and_stream(gateway):
    with confai.Client(gateway.url, gateway.policy()) as client:
        llm = chat_model(client)
        assert llm.invoke(PROMPT).content == reference_answer(client)
        pieces = [chunk.content for chunk in llm.stream(PROMPT)]
        assert len([p for p in pieces if p]) > 1
        assert "".join(pieces) == reference_answer(client)


def test_ainvoke_and_astream(gateway):
    async def main(llm):
        whole = await llm.ainvoke(PROMPT)
        pieces = [chunk.content async for chunk in llm.astream(PROMPT)]
        return whole.content, pieces

    with confai.Client(gateway.url, gateway.policy()) as client:
        whole, pieces = asyncio.run(main(chat_model(client)))
        assert whole == reference_answer(client)
        assert len([p for p in pieces if p]) > 1
        assert "".join(pieces) == reference_answer(client)


def test_embeddings(gateway):
    with confai.Client(gateway.url, gateway.policy()) as client:
        emb = langchain_openai.OpenAIEmbeddings(
            model="confai-demo",
            base_url=confai.BASE_URL,
            api_key="unused",
            max_retries=0,
            # raw text: the token counting would load tiktoken's tables from the network
            check_embedding_ctx_length=False,
            http_client=httpx2.Client(transport=ConfaiTransport(client)),
            http_async_client=httpx2.AsyncClient(transport=AsyncConfaiTransport(client)),
        )
        one = emb.embed_query("a")
        many = emb.embed_documents(["a", "b"])
        assert many[0] == one and many[1] != one and len(one) > 1
        assert asyncio.run(emb.aembed_query("a")) == one


class Listener:
    """A loopback TCP server that records every byte it is sent."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"
        self.received = b""
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    while True:
                        data = conn.recv(65536)
                        if not data:
                            break
                        self.received += data
                except socket.timeout:
                    pass  # the client waits for an answer that never comes

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


def test_ainvoke_without_async_transport_fails_closed(gateway):
    # ChatOpenAI given only the sync client builds a default async client for
    # ainvoke; with the sentinel base URL that client finds no host
    listener = Listener()
    try:
        with confai.Client(gateway.url, gateway.policy()) as client:
            llm = chat_model(client, with_async=False)
            with pytest.raises(openai.APIConnectionError) as info:
                asyncio.run(llm.ainvoke(PROMPT))
            assert not isinstance(info.value, confai.ConfaiError)  # it never reached the transport
            assert llm.invoke(PROMPT).content  # while the sync path is sealed
    finally:
        listener.close()
    assert listener.received == b""


def test_ainvoke_without_async_transport_and_a_real_base_url_leaks(gateway):
    # what the sentinel prevents: the same mistake with a reachable base URL
    # sends the prompt in plaintext (here to a listener standing in for the
    # service's address)
    listener = Listener()
    try:
        with confai.Client(gateway.url, gateway.policy()) as client:
            llm = chat_model(client, base_url=listener.url, with_async=False)
            with pytest.raises(openai.APIError):
                asyncio.run(llm.ainvoke(PROMPT))
    finally:
        listener.close()
    assert PROMPT.encode() in listener.received
