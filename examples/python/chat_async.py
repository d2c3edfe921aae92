"""The same chat with openai.AsyncOpenAI: the C calls run in worker threads,
so the event loop goes on serving other tasks while the answer streams in.

    python3 examples/python/chat_async.py http://127.0.0.1:8080 policy.json "Hello"
"""
import asyncio
import sys

import httpx2
import openai

import confai
from confai.httpx2 import AsyncConfaiTransport


async def main(url: str, policy: str, prompt: str) -> None:
    with confai.Client(url, confai.Policy.from_file(policy)) as client:
        ai = openai.AsyncOpenAI(base_url=confai.BASE_URL, api_key="unused",
                                http_client=httpx2.AsyncClient(transport=AsyncConfaiTransport(client)))
        async for chunk in await ai.chat.completions.create(
                model="confai-demo", stream=True, messages=[{"role": "user", "content": prompt}]):
            print(chunk.choices[0].delta.content or "" if chunk.choices else "", end="", flush=True)
        print()
        await ai.close()


asyncio.run(main(*sys.argv[1:4]))
