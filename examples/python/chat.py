"""Chat with a confidential model through the official openai package.

    python3 examples/python/chat.py http://127.0.0.1:8080 policy.json "Hello"
"""
import sys
import httpx
import openai

import confai
from confai.httpx import ConfaiTransport

url, policy, prompt = sys.argv[1], sys.argv[2], sys.argv[3]
with confai.Client(url, confai.Policy.from_file(policy)) as client:
    print("attested:", client.verdict().root_warning or "vendor root", file=sys.stderr)
    ai = openai.OpenAI(base_url=url + "/v1", api_key="unused",
                       http_client=httpx.Client(transport=ConfaiTransport(client)))
    for chunk in ai.chat.completions.create(model="confai-demo", stream=True,
                                            messages=[{"role": "user", "content": prompt}]):
        print(chunk.choices[0].delta.content or "" if chunk.choices else "", end="", flush=True)
    print()
